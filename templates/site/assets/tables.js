/* The catalogue's wide tables (datasets, baselines, technique table): sort by a column,
 * choose the columns, read them as cards on a phone.
 *
 * A template marks a table for this script by wrapping it, on the site only, in
 * <div class="lc-table" data-lc-table>; data-lc-groups="Task types:3-12" names runs
 * of columns (0-based, inclusive) the column chooser shows and hides together. The
 * markdown table itself is unchanged, so the page reads the same without scripts.
 *
 * The rest is CSS (longctx.css): the table fills the page, its header row and first
 * column stay in view while it scrolls inside a box no taller than the window (so
 * its horizontal scrollbar is on screen), and below 45em each row becomes a card
 * whose cells carry their column's name (data-label, set here).
 *
 * Sorting follows the explorer's header buttons: a <button> in each <th>, aria-sort
 * on the sorted one, first click ascending for text and descending for numbers,
 * the third click back to the page's own order; blank cells always last. Values
 * are read as the page shows them: 32k and 1M are numbers, ✓ before ✗, dates
 * 2023.08 as numbers. It starts on every page Material shows (common.js, which the
 * explorer shares).
 */
(function () {
  "use strict";

  var el = window.longctx.el, compare = window.longctx.compare; // common.js, shared with the explorer
  var SUFFIX = { k: 1e3, K: 1e3, M: 1e6, B: 1e9 };
  var FLAGS = { "✓": 2, "✅": 2, "✗": 1, "❌": 1 };
  var uid = 0;

  /* A cell's sort value: [kind, value]; kind 0 blank, 1 number, 2 text. */
  function value(text) {
    text = text.trim();
    if (!text) return [0, 0];
    if (FLAGS.hasOwnProperty(text)) return [1, FLAGS[text]];
    var m = /^([0-9][0-9,]*(?:\.[0-9]+)?)\s*([kKMB]?)$/.exec(text);
    if (m) return [1, parseFloat(m[1].replace(/,/g, "")) * (SUFFIX[m[2]] || 1)];
    return [2, text];
  }

  function Table(wrap) {
    var table = wrap.querySelector("table");
    this.wrap = wrap;
    this.table = table;
    this.tbody = table.tBodies[0];
    this.rows = Array.prototype.slice.call(this.tbody.rows);
    this.heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    this.groups = this.readGroups(wrap.getAttribute("data-lc-groups") || "");
    this.sorted = -1;
    this.desc = false;
    this.label();
    this.headers();
    this.chooser();
    wrap.classList.add("lc-table-ready");
  }

  Table.prototype.readGroups = function (spec) {
    return spec.split(";").map(function (part) {
      var m = /^\s*(.+?)\s*:\s*(\d+)\s*-\s*(\d+)\s*$/.exec(part);
      return m ? { name: m[1], from: +m[2], to: +m[3] } : null;
    }).filter(Boolean);
  };

  Table.prototype.groupOf = function (column) {
    for (var g = 0; g < this.groups.length; g++) {
      if (column >= this.groups[g].from && column <= this.groups[g].to) return this.groups[g];
    }
    return null;
  };

  /* Cards on phones: every cell names its column; blank cells (and "no" in a group
     of flags) are left out of the card. */
  Table.prototype.label = function () {
    var names = this.heads.map(function (th) { return th.textContent.trim(); });
    var self = this;
    this.values = this.rows.map(function (tr) {
      return Array.prototype.map.call(tr.cells, function (td, j) {
        var v = value(td.textContent);
        td.setAttribute("data-label", names[j] || "");
        if (v[0] === 0) td.setAttribute("data-blank", "");
        var group = self.groupOf(j);
        if (group) {
          if (v[0] === 1 && v[1] === FLAGS["✗"]) td.setAttribute("data-no", "");
        }
        return v;
      });
    });
    this.numeric = this.heads.map(function (_, j) {
      var numbers = 0, texts = 0;
      self.values.forEach(function (row) {
        if (row[j] && row[j][0] === 1) numbers++;
        else if (row[j] && row[j][0] === 2) texts++;
      });
      return numbers > texts;
    });
  };

  Table.prototype.headers = function () {
    var self = this;
    this.heads.forEach(function (th, j) {
      var button = el("button", "lc-table-sort");
      button.type = "button";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      th.setAttribute("scope", "col");
      button.addEventListener("click", function () { self.sortBy(j); });
    });
  };

  Table.prototype.sortBy = function (column, reset) {
    if (reset) {
      this.sorted = -1;
    } else if (this.sorted !== column) {
      this.sorted = column;
      this.desc = this.numeric[column];
    } else if (this.desc !== this.numeric[column]) {
      this.sorted = -1; // third click: the page's own order
    } else {
      this.desc = !this.desc;
    }
    var order = this.rows.map(function (_, i) { return i; });
    var values = this.values, j = this.sorted, desc = this.desc;
    if (j >= 0) {
      order.sort(function (a, b) {
        var x = values[a][j] || [0, 0], y = values[b][j] || [0, 0];
        if (!x[0] || !y[0]) return (y[0] ? 1 : 0) - (x[0] ? 1 : 0) || a - b; // blanks last
        var c = x[0] !== y[0] ? x[0] - y[0] : x[0] === 1 ? x[1] - y[1] : compare(x[1], y[1]);
        return (desc ? -c : c) || a - b;
      });
    }
    var tbody = this.tbody, rows = this.rows;
    order.forEach(function (i) { tbody.appendChild(rows[i]); });
    this.heads.forEach(function (th, k) {
      if (k === j) th.setAttribute("aria-sort", desc ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    });
    if (this.sortSelect) this.sortSelect.value = String(j >= 0 && desc === this.numeric[j] ? j : -1);
  };

  /* The tools above the table: the column chooser (a checkbox per column, a group's
     columns under one box) and, for phones, where the header row is hidden, a sort menu. */
  Table.prototype.chooser = function () {
    var self = this, id = "lc-table-cols-" + (++uid);
    var bar = el("div", "lc-table-tools");
    var toggle = el("button", "lc-table-btn", "Columns");
    toggle.type = "button";
    toggle.setAttribute("aria-expanded", "false");
    toggle.setAttribute("aria-controls", id);
    var list = el("div", "lc-table-choices");
    list.id = id;
    list.hidden = true;
    list.setAttribute("role", "group");
    list.setAttribute("aria-label", "Columns shown");
    toggle.addEventListener("click", function () {
      list.hidden = !list.hidden;
      toggle.setAttribute("aria-expanded", String(!list.hidden));
    });
    var sortLabel = el("label", "lc-table-sortby", "Sort ");
    var select = el("select");
    select.appendChild(new Option("as listed", "-1"));
    var done = {};
    this.heads.forEach(function (th, j) {
      var name = th.textContent.trim();
      select.appendChild(new Option(name + (self.numeric[j] ? " (highest first)" : " (A–Z)"), String(j)));
      if (j === 0) return; // the first column names the row: always shown
      var group = self.groupOf(j);
      if (group && done[group.name]) return;
      var label = el("label");
      var input = el("input");
      input.type = "checkbox";
      input.checked = true;
      var columns = [j];
      if (group) {
        done[group.name] = true;
        columns = [];
        for (var k = group.from; k <= group.to; k++) columns.push(k);
      }
      input.addEventListener("change", function () {
        columns.forEach(function (k) { self.show(k, input.checked); });
      });
      label.append(input, document.createTextNode(" " + (group ? group.name : name)));
      list.appendChild(label);
    });
    select.addEventListener("change", function () {
      var j = parseInt(select.value, 10);
      if (j < 0) self.sortBy(self.sorted, true);
      else { self.sorted = -1; self.sortBy(j); }
    });
    this.sortSelect = select;
    sortLabel.appendChild(select);
    bar.append(toggle, sortLabel);
    this.wrap.insertBefore(list, this.wrap.firstChild);
    this.wrap.insertBefore(bar, list);
  };

  Table.prototype.show = function (column, on) {
    var cells = [this.heads[column]];
    this.rows.forEach(function (tr) { if (tr.cells[column]) cells.push(tr.cells[column]); });
    cells.forEach(function (cell) { cell.classList.toggle("lc-table-hidden", !on); });
  };

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-lc-table]"), function (wrap) {
      if (wrap.getAttribute("data-lc-started") || !wrap.querySelector("table thead") ||
          !wrap.querySelector("table tbody")) return;
      wrap.setAttribute("data-lc-started", "1");
      wrap.lcTable = new Table(wrap);
    });
  }

  window.longctx.onEveryPage(start);
})();
