/* The explorer: filter, sort and export every record of the catalogue, in the browser.
 *
 * The page (explorer.md) holds the frame; this script loads explorer.json (its
 * format: longctx_catalog/explore.py), builds the facets and fills the table. No
 * library, no network beyond the site: the data and, when a reader downloads
 * BibTeX, explorer-bib.json are fetched from the same folder as explorer.json.
 *
 * Speed at thousands of records: each row's searchable text is folded to lower case
 * without accents once; a keystroke runs one pass over plain arrays (text, facets
 * and facet counts together) and puts at most a page of ready-made rows in the
 * table. Row elements are built the first time they are shown and reused. The
 * table is made of grid rows, not <table> rows, so that rows below the screen can
 * skip layout (content-visibility): typing then costs the layout of what is seen.
 *
 * Relevance: with words in the filter, rows rank by where and how each word matches
 * (score()): the title counts most, then the TL;DR, then authors and venue; a whole
 * word counts more than the start of a word, which counts more than the inside of
 * one ("rope" finds LongRoPE, below works with RoPE in their titles). Inside a word
 * counts only in the title and TL;DR, where compound names live: "rope" does not
 * match "European" in a venue. Equal scores keep the chosen order (newest first
 * unless a column was picked). Without words, the chosen order alone.
 *
 * Helpers shared with the wide tables (element building, starting on every page)
 * are in common.js.
 *
 * The view lives in the address bar (?text=...&topic=...&from=...&sort=...; not
 * "q", which opens Material's search), replaced
 * as it changes, so a link or a reload shows the same records. Material's instant
 * navigation swaps pages without reloading scripts: the explorer starts on each
 * page it finds itself on (document$), and the data is fetched once.
 */
(function () {
  "use strict";

  var PAGE = 100; // rows added to the table at a time
  var YEAR_CHIPS = 8; // "since" shortcuts for the most recent years
  var VENUES_SHOWN = 8; // venue options shown before "All venues"
  var BIT = { q: 1, topic: 2, year: 4, kind: 8, venue: 16, code: 32 };
  var SORTS = { date: -1, title: 1, venue: 1, lmax: -1 }; // natural direction of each column
  var DEFAULT_SORT = "rank"; // best match first when filtering, else newest first
  // Relevance: the weight of a match in each field (title, TL;DR, authors, venue) ...
  var FIELD_WEIGHT = [10, 4, 2, 2];
  var INSIDE_WORDS = [true, true, false, false]; // ... whether a match inside a word counts there ...
  var HOW_WEIGHT = [0, 1, 3, 4]; // ... and of how it matches: none, inside a word, word start, whole word
  var fetched = {};

  function fold(text) {
    // NFKD: accents come off, and E²-LLM is found by typing "e2"
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  var el = window.longctx.el; // common.js

  function number(n) {
    return n.toLocaleString("en");
  }

  function tokens(n) {
    if (n >= 1e6) return (n / 1e6).toFixed(1).replace(/\.0$/, "") + "M";
    if (n >= 1000) return Math.round(n / 1000) + "k";
    return String(n);
  }

  function wordChar(code) {
    return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code > 127;
  }

  /* How `term` occurs in folded `text`: 3 a whole word, 2 the start of a word, 1 inside one, 0 not at all. */
  function how(text, term) {
    var best = 0, end;
    for (var at = text.indexOf(term); at >= 0; at = text.indexOf(term, at + 1)) {
      if (at > 0 && wordChar(text.charCodeAt(at - 1))) { best = best || 1; continue; }
      end = at + term.length;
      if (end >= text.length || !wordChar(text.charCodeAt(end))) return 3;
      best = 2;
    }
    return best;
  }

  /* A row's relevance to the words of the filter: 0 when a word matches nowhere. */
  function score(fields, terms) {
    var total = 0;
    for (var t = 0; t < terms.length; t++) {
      var points = 0;
      for (var f = 0; f < fields.length; f++) {
        var h = how(fields[f], terms[t]);
        if (h === 1 && !INSIDE_WORDS[f]) h = 0;
        points += FIELD_WEIGHT[f] * HOW_WEIGHT[h];
      }
      if (!points) return 0;
      total += points;
    }
    return total;
  }

  function load(url) {
    if (!fetched[url]) {
      fetched[url] = fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) throw new Error(url + ": HTTP " + response.status);
        return response.json();
      });
      fetched[url].catch(function () { delete fetched[url]; });
    }
    return fetched[url];
  }

  /* ------------------------------------------------------------------------ */

  function Explorer(root, data, dataUrl) {
    this.root = root;
    this.data = data;
    this.dataUrl = dataUrl;
    this.siteRoot = new URL(".", dataUrl).href;
    this.q = root.querySelector(".lc-x-q");
    this.tbody = root.querySelector(".lc-x-tbody");
    this.rowEls = [];
    this.orders = {};
    this.shown = PAGE;
    this.matches = [];
    this.prepare();
    this.state = this.readUrl();
    this.build();
    this.update(true);
    root.classList.add("lc-x-ready");
  }

  Explorer.prototype.prepare = function () {
    var data = this.data, rows = data.rows, nodes = data.nodes, n = rows.length;
    var parent = nodes.map(function (node) { return node[2]; });
    this.nodeIndex = {};
    for (var j = 0; j < nodes.length; j++) this.nodeIndex[nodes[j][0]] = j;
    this.depth = nodes.map(function (node, j) {
      var d = 0;
      for (var p = parent[j]; p >= 0; p = parent[p]) d++;
      return d;
    });
    this.hay = new Array(n);
    this.year = new Int32Array(n);
    this.kind = new Int32Array(n);
    this.venue = new Int32Array(n); // venue series index + 1; 0 = none
    this.code = new Int32Array(n);
    this.anc = new Array(n); // tag nodes and their ancestors
    var years = {};
    for (var i = 0; i < n; i++) {
      var r = rows[i];
      this.hay[i] = [fold(r.t), fold(r.x || ""), fold(r.a || ""), fold(r.v || "")]; // FIELD_WEIGHT's order
      var y = r.d ? parseInt(r.d.slice(0, 4), 10) : 0;
      this.year[i] = y;
      if (y) years[y] = true;
      this.kind[i] = r.k || 0;
      this.venue[i] = r.s === undefined ? 0 : r.s + 1;
      this.code[i] = r.c || 0;
      var seen = [];
      var tags = r.n || [];
      for (var t = 0; t < tags.length; t++) {
        for (var p = tags[t]; p >= 0; p = parent[p]) if (seen.indexOf(p) < 0) seen.push(p);
      }
      this.anc[i] = seen;
    }
    this.years = Object.keys(years).map(Number).sort(function (a, b) { return b - a; });
  };

  /* --- state <-> address bar ------------------------------------------------ */

  Explorer.prototype.readUrl = function () {
    var params = new URLSearchParams(window.location.search);
    var self = this;
    function year(name) {
      var v = parseInt(params.get(name) || "", 10);
      return isNaN(v) ? 0 : v;
    }
    var sort = params.get("sort") || DEFAULT_SORT;
    if (sort !== DEFAULT_SORT && !SORTS.hasOwnProperty(sort.replace(/^-/, ""))) sort = DEFAULT_SORT;
    var code = params.get("code") || "";
    return {
      q: params.get("text") || "",
      topic: params.getAll("topic").filter(function (id) { return self.nodeIndex.hasOwnProperty(id); }),
      from: year("from"),
      to: year("to"),
      kind: params.getAll("kind").filter(function (k) { return self.data.kinds.indexOf(k) >= 0; }),
      venue: params.getAll("venue"),
      code: code === "yes" || code === "official" ? code : "",
      sort: sort
    };
  };

  Explorer.prototype.writeUrl = function () {
    if (!this.root.isConnected) return; // instant navigation has moved on: the address is another page's
    var s = this.state, params = new URLSearchParams();
    if (s.q) params.set("text", s.q);
    s.topic.forEach(function (v) { params.append("topic", v); });
    if (s.from) params.set("from", s.from);
    if (s.to) params.set("to", s.to);
    s.kind.forEach(function (v) { params.append("kind", v); });
    s.venue.forEach(function (v) { params.append("venue", v); });
    if (s.code) params.set("code", s.code);
    if (s.sort !== DEFAULT_SORT) params.set("sort", s.sort);
    var query = params.toString();
    var url = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
    if (url !== window.location.pathname + window.location.search + window.location.hash) {
      window.history.replaceState(window.history.state, "", url);
    }
  };

  /* --- the controls ----------------------------------------------------------- */

  Explorer.prototype.build = function () {
    var self = this, root = this.root, data = this.data, s = this.state;

    this.q.value = s.q;
    this.q.addEventListener("input", function () {
      self.state.q = self.q.value;
      self.update(true);
    });

    // Topic: the taxonomy as an indented list of checkboxes.
    var tree = root.querySelector(".lc-x-tree");
    this.topicItems = data.nodes.map(function (node, j) {
      var item = el("li", "lc-x-opt");
      item.style.setProperty("--lc-depth", self.depth[j]);
      if (self.depth[j] === 0) item.classList.add("lc-x-root");
      var label = el("label");
      var box = el("input");
      box.type = "checkbox";
      box.value = node[0];
      box.checked = s.topic.indexOf(node[0]) >= 0;
      box.addEventListener("change", function () {
        self.toggle("topic", node[0], box.checked);
      });
      var count = el("span", "lc-x-count");
      label.append(box, el("span", "lc-x-label", node[1]), count);
      item.appendChild(label);
      tree.appendChild(item);
      return { item: item, box: box, count: count, words: fold(node[1]) };
    });
    var find = root.querySelector(".lc-x-find");
    find.addEventListener("input", function () {
      var words = fold(find.value).trim();
      var show = data.nodes.map(function () { return !words; });
      if (words) {
        self.topicItems.forEach(function (t, j) {
          if (t.words.indexOf(words) >= 0) {
            for (var p = j; p >= 0; p = data.nodes[p][2]) show[p] = true;
          }
        });
      }
      self.topicItems.forEach(function (t, j) { t.item.hidden = !show[j]; });
    });

    // Year: "since" shortcuts and a from/to range.
    var yearChips = root.querySelector('[data-facet="year"] .lc-x-chips');
    this.yearChips = [this.chip(yearChips, "Any time", function () { self.setRange(0, 0); })];
    this.years.slice(0, YEAR_CHIPS).forEach(function (y) {
      var chip = self.chip(yearChips, "Since " + y, function () { self.setRange(y, 0); });
      chip.year = y;
      self.yearChips.push(chip);
    });
    this.rangeSelects = ["from", "to"].map(function (which) {
      var select = root.querySelector('select[data-range="' + which + '"]');
      select.appendChild(new Option(which === "from" ? "any" : "now", "0"));
      self.years.slice().reverse().forEach(function (y) { select.appendChild(new Option(String(y), String(y))); });
      select.addEventListener("change", function () {
        var value = parseInt(select.value, 10) || 0;
        if (which === "from") self.setRange(value, self.state.to);
        else self.setRange(self.state.from, value);
      });
      return select;
    });

    // Code: any, with code, official code (one choice).
    var codeChips = root.querySelector('[data-facet="code"] .lc-x-chips');
    this.codeChips = [["", "Any"], ["yes", "With code"], ["official", "Official code"]].map(function (pair) {
      var chip = self.chip(codeChips, pair[1], function () {
        self.state.code = self.state.code === pair[0] ? "" : pair[0];
        self.update(true);
      });
      chip.value = pair[0];
      return chip;
    });

    // Kind: several at once.
    var kindChips = root.querySelector('[data-facet="kind"] .lc-x-chips');
    this.kindChips = data.kinds.map(function (kind) {
      var chip = self.chip(kindChips, kind.charAt(0).toUpperCase() + kind.slice(1) + "s", function () {
        self.toggle("kind", kind, self.state.kind.indexOf(kind) < 0);
      });
      chip.value = kind;
      return chip;
    });

    // Venue: series ("NeurIPS", not "NeurIPS 2023"), busiest first.
    var venueList = root.querySelector('[data-facet="venue"] .lc-x-options');
    var venueNames = ["No venue"].concat(data.venues);
    var venueTotals = new Int32Array(venueNames.length);
    for (var i = 0; i < this.venue.length; i++) venueTotals[this.venue[i]]++;
    var venueOrder = venueNames.map(function (_, j) { return j; }).filter(function (j) { return venueTotals[j]; });
    venueOrder.sort(function (a, b) {
      if ((a === 0) !== (b === 0)) return a === 0 ? 1 : -1; // "No venue" last
      return venueTotals[b] - venueTotals[a] || (venueNames[a] < venueNames[b] ? -1 : 1);
    });
    this.venueItems = [];
    venueOrder.forEach(function (j, position) {
      var value = j === 0 ? "-" : venueNames[j];
      var item = el("li", "lc-x-opt");
      var label = el("label");
      var box = el("input");
      box.type = "checkbox";
      box.value = value;
      box.checked = s.venue.indexOf(value) >= 0;
      box.addEventListener("change", function () { self.toggle("venue", value, box.checked); });
      var count = el("span", "lc-x-count");
      label.append(box, el("span", "lc-x-label", venueNames[j]), count);
      item.appendChild(label);
      item.hidden = position >= VENUES_SHOWN && !box.checked;
      venueList.appendChild(item);
      self.venueItems[j] = { item: item, box: box, count: count };
    });
    var allVenues = root.querySelector(".lc-x-all-venues");
    if (venueOrder.length > VENUES_SHOWN) {
      allVenues.hidden = false;
      allVenues.textContent = "All " + venueOrder.length + " venues";
      allVenues.addEventListener("click", function () {
        self.venueItems.forEach(function (v) { if (v) v.item.hidden = false; });
        allVenues.hidden = true;
      });
    }

    // Sorting: the column headers and, for phones, a select.
    this.sortSelect = root.querySelector(".lc-x-sort");
    this.sortSelect.addEventListener("change", function () { self.setSort(self.sortSelect.value); });
    this.headers = Array.prototype.slice.call(root.querySelectorAll("[role=columnheader][data-sort]"));
    this.headers.forEach(function (th) {
      th.querySelector("button").addEventListener("click", function () {
        var key = th.getAttribute("data-sort");
        var sort = self.state.sort === DEFAULT_SORT && !self.state.q.trim() ? "-date" : self.state.sort;
        var current = sort.replace(/^-/, "");
        var descending = sort.charAt(0) === "-";
        var desc = key === current ? !descending : SORTS[key] < 0;
        self.setSort((desc ? "-" : "") + key);
      });
    });

    Array.prototype.forEach.call(root.querySelectorAll(".lc-x-clear"), function (button) {
      button.addEventListener("click", function () { self.clear(); });
    });
    var toggle = root.querySelector(".lc-x-toggle");
    toggle.addEventListener("click", function () {
      var open = !root.classList.contains("lc-x-open");
      root.classList.toggle("lc-x-open", open);
      toggle.setAttribute("aria-expanded", String(open));
    });
    this.more = root.querySelector(".lc-x-more");
    this.more.addEventListener("click", function () {
      self.shown += PAGE;
      self.render();
    });
    Array.prototype.forEach.call(root.querySelectorAll("[data-download]"), function (button) {
      button.addEventListener("click", function () {
        if (button.getAttribute("data-download") === "csv") self.downloadCsv();
        else self.downloadBib(button);
      });
    });
  };

  Explorer.prototype.chip = function (parent, text, onClick) {
    var button = el("button", "lc-x-chip");
    button.type = "button";
    button.setAttribute("aria-pressed", "false");
    button.appendChild(el("span", "lc-x-label", text));
    button.countEl = el("span", "lc-x-count");
    button.appendChild(button.countEl);
    button.addEventListener("click", onClick);
    parent.appendChild(button);
    return button;
  };

  Explorer.prototype.toggle = function (facet, value, on) {
    var list = this.state[facet].filter(function (v) { return v !== value; });
    if (on) list.push(value);
    this.state[facet] = list;
    this.update(true);
  };

  Explorer.prototype.setRange = function (from, to) {
    if (from && to && to < from) to = from;
    this.state.from = from;
    this.state.to = to;
    this.update(true);
  };

  Explorer.prototype.setSort = function (sort) {
    this.state.sort = sort;
    this.update(false);
  };

  Explorer.prototype.clear = function () {
    var s = this.state;
    s.q = "";
    s.topic = [];
    s.from = s.to = 0;
    s.kind = [];
    s.venue = [];
    s.code = "";
    this.q.value = "";
    this.update(true);
  };

  /* --- sorting ---------------------------------------------------------------- */

  Explorer.prototype.order = function (sort) {
    if (this.orders[sort]) return this.orders[sort];
    var key = sort.replace(/^-/, ""), desc = sort.charAt(0) === "-";
    var rows = this.data.rows, n = rows.length, values = new Array(n), i;
    for (i = 0; i < n; i++) {
      var r = rows[i];
      values[i] = key === "date" ? r.d : key === "title" ? fold(r.t) : key === "venue" ? r.v && fold(r.v) : r.l;
    }
    var present = [], missing = [];
    for (i = 0; i < n; i++) (values[i] === undefined || values[i] === "" ? missing : present).push(i);
    var compare = window.longctx.compare; // common.js: the tables sort text the same way
    present.sort(function (a, b) {
      var x = values[a], y = values[b];
      var c = typeof x === "number" ? x - y : compare(x, y);
      return (desc ? -c : c) || a - b;
    });
    this.orders[sort] = Int32Array.from(present.concat(missing));
    return this.orders[sort];
  };

  /* --- filtering -------------------------------------------------------------- */

  Explorer.prototype.update = function (filtersChanged) {
    var s = this.state, data = this.data;
    var terms = fold(s.q).split(/\s+/).filter(Boolean), nTerms = terms.length;
    var topicSel = new Uint8Array(data.nodes.length), anyTopic = false, self = this;
    s.topic.forEach(function (id) { topicSel[self.nodeIndex[id]] = 1; anyTopic = true; });
    var kindSel = new Uint8Array(data.kinds.length), anyKind = s.kind.length > 0;
    s.kind.forEach(function (k) { kindSel[data.kinds.indexOf(k)] = 1; });
    var venueSel = new Uint8Array(data.venues.length + 1), anyVenue = false;
    s.venue.forEach(function (v) {
      var j = v === "-" ? 0 : data.venues.indexOf(v) + 1;
      if (j >= 0 && (v === "-" || j > 0)) { venueSel[j] = 1; anyVenue = true; }
    });
    var from = s.from, to = s.to, anyYear = from > 0 || to > 0;
    var minCode = s.code === "official" ? 2 : s.code === "yes" ? 1 : 0;

    var nodeCount = new Int32Array(data.nodes.length);
    var yearCount = {};
    var kindCount = new Int32Array(data.kinds.length);
    var venueCount = new Int32Array(data.venues.length + 1);
    var codeCount = new Int32Array(3);
    var order = this.order(s.sort === DEFAULT_SORT ? "-date" : s.sort), n = order.length, matches = [];
    var rank = nTerms > 0 && s.sort === DEFAULT_SORT, scores = this.scores || (this.scores = new Float64Array(n));
    var hay = this.hay, year = this.year, kind = this.kind, venue = this.venue, code = this.code, anc = this.anc;

    for (var o = 0; o < n; o++) {
      var i = order[o], fails = 0, t, list;
      if (nTerms) {
        scores[i] = score(hay[i], terms);
        if (!scores[i]) fails = BIT.q;
      }
      list = anc[i];
      if (anyTopic) {
        var hit = false;
        for (t = 0; t < list.length; t++) if (topicSel[list[t]]) { hit = true; break; }
        if (!hit) fails |= BIT.topic;
      }
      var y = year[i];
      if (anyYear && (!y || (from && y < from) || (to && y > to))) fails |= BIT.year;
      if (anyKind && !kindSel[kind[i]]) fails |= BIT.kind;
      if (anyVenue && !venueSel[venue[i]]) fails |= BIT.venue;
      if (code[i] < minCode) fails |= BIT.code;
      if (fails === 0) matches.push(i);
      else if (fails & (fails - 1)) continue; // fails two filters: counts nowhere
      // Facet counts: what each option would give with the other filters as they are.
      if (fails === 0 || fails === BIT.topic) for (t = 0; t < list.length; t++) nodeCount[list[t]]++;
      if (fails === 0 || fails === BIT.year) yearCount[y] = (yearCount[y] || 0) + 1;
      if (fails === 0 || fails === BIT.kind) kindCount[kind[i]]++;
      if (fails === 0 || fails === BIT.venue) venueCount[venue[i]]++;
      if (fails === 0 || fails === BIT.code) codeCount[code[i]]++;
    }
    if (rank) { // best match first; equal scores keep the newest-first order they arrived in
      var position = new Int32Array(n);
      for (o = 0; o < matches.length; o++) position[matches[o]] = o;
      matches.sort(function (a, b) { return scores[b] - scores[a] || position[a] - position[b]; });
    }
    this.matches = matches;
    if (filtersChanged) this.shown = PAGE;
    this.counts = { node: nodeCount, year: yearCount, kind: kindCount, venue: venueCount, code: codeCount };
    this.renderFacets();
    this.render();
    this.scheduleUrl();
    this.root.dispatchEvent(new CustomEvent("lc-explorer:update", { detail: { matches: matches.length } }));
  };

  Explorer.prototype.scheduleUrl = function () {
    var self = this;
    if (this.urlTimer) return;
    this.urlTimer = window.setTimeout(function () {
      self.urlTimer = 0;
      self.writeUrl();
    }, 150);
  };

  /* --- drawing ---------------------------------------------------------------- */

  function press(button, on) {
    button.setAttribute("aria-pressed", on ? "true" : "false");
  }

  function setCount(node, value) {
    var text = number(value);
    if (node.textContent !== text) node.textContent = text;
  }

  Explorer.prototype.renderFacets = function () {
    var s = this.state, c = this.counts, self = this, data = this.data;
    this.topicItems.forEach(function (t, j) {
      setCount(t.count, c.node[j]);
      t.box.checked = s.topic.indexOf(data.nodes[j][0]) >= 0;
      t.item.classList.toggle("lc-x-zero", !c.node[j]);
    });
    var since = 0, byYear = c.year, totalYears = 0;
    Object.keys(byYear).forEach(function (y) { if (y !== "0") totalYears += byYear[y]; });
    this.yearChips.forEach(function (chip) {
      if (!chip.year) {
        var all = totalYears + (byYear[0] || 0);
        setCount(chip.countEl, all);
        press(chip, !s.from && !s.to);
        return;
      }
      since = 0;
      Object.keys(byYear).forEach(function (y) { if (+y >= chip.year) since += byYear[y]; });
      setCount(chip.countEl, since);
      press(chip, s.from === chip.year && !s.to);
      chip.classList.toggle("lc-x-zero", !since);
    });
    this.rangeSelects[0].value = String(s.from || 0);
    this.rangeSelects[1].value = String(s.to || 0);
    var code = c.code;
    this.codeChips.forEach(function (chip) {
      var n = chip.value === "official" ? code[2] : chip.value === "yes" ? code[1] + code[2] : code[0] + code[1] + code[2];
      setCount(chip.countEl, n);
      press(chip, s.code === chip.value);
    });
    this.kindChips.forEach(function (chip, j) {
      setCount(chip.countEl, c.kind[j]);
      press(chip, s.kind.indexOf(chip.value) >= 0);
      chip.classList.toggle("lc-x-zero", !c.kind[j]);
      chip.hidden = !c.kind[j] && s.kind.indexOf(chip.value) < 0 && !self.kindTotal(j);
    });
    this.venueItems.forEach(function (v, j) {
      if (!v) return;
      setCount(v.count, c.venue[j]);
      v.box.checked = s.venue.indexOf(v.box.value) >= 0;
      v.item.classList.toggle("lc-x-zero", !c.venue[j]);
    });
    var active = (s.q ? 1 : 0) + s.topic.length + (s.from || s.to ? 1 : 0) + s.kind.length + s.venue.length +
      (s.code ? 1 : 0);
    this.root.querySelector(".lc-x-active").textContent = active ? " (" + active + ")" : "";
    this.root.querySelector(".lc-x-head .lc-x-clear").hidden = !active;
    var ranked = s.sort === DEFAULT_SORT && s.q.trim() !== "";
    var shownSort = s.sort === DEFAULT_SORT ? (ranked ? "" : "-date") : s.sort;
    var key = shownSort.replace(/^-/, ""), desc = shownSort.charAt(0) === "-";
    this.headers.forEach(function (th) {
      var on = th.getAttribute("data-sort") === key;
      if (on) th.setAttribute("aria-sort", desc ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    });
    if (this.sortSelect.value !== s.sort) {
      this.sortSelect.value = s.sort;
      if (this.sortSelect.value !== s.sort) { // a direction the select does not list
        this.sortSelect.appendChild(new Option(key + (desc ? " (descending)" : " (ascending)"), s.sort));
        this.sortSelect.value = s.sort;
      }
    }
  };

  Explorer.prototype.kindTotal = function (j) {
    if (!this.kindTotals) {
      this.kindTotals = new Int32Array(this.data.kinds.length);
      for (var i = 0; i < this.kind.length; i++) this.kindTotals[this.kind[i]]++;
    }
    return this.kindTotals[j];
  };

  Explorer.prototype.render = function () {
    var matches = this.matches, shown = Math.min(this.shown, matches.length);
    // Move as little as possible: rows that stay keep their place (and their layout).
    // Typing narrows the list, so most keystrokes only remove rows and add some at the end.
    var next = new Array(shown), keep = new Set(), k;
    for (k = 0; k < shown; k++) {
      next[k] = this.row(matches[k]);
      keep.add(next[k]);
    }
    var tbody = this.tbody, child = tbody.firstElementChild, after;
    while (child) {
      after = child.nextElementSibling;
      if (!keep.has(child)) tbody.removeChild(child);
      child = after;
    }
    child = tbody.firstElementChild;
    for (k = 0; k < shown; k++) {
      if (child === next[k]) child = child.nextElementSibling;
      else tbody.insertBefore(next[k], child);
    }
    var total = this.data.rows.length;
    var status = matches.length === total
      ? number(total) + " records"
      : number(matches.length) + " of " + number(total) + " records";
    if (shown < matches.length) status += ", the first " + number(shown) + " shown";
    this.root.querySelector(".lc-x-status").textContent = status;
    this.root.querySelector(".lc-x-empty").hidden = matches.length > 0;
    this.root.querySelector(".lc-x-table").hidden = matches.length === 0;
    this.more.hidden = shown >= matches.length;
    this.more.textContent = "Show " + number(Math.min(PAGE, matches.length - shown)) + " more";
    Array.prototype.forEach.call(this.root.querySelectorAll("[data-download]"), function (b) {
      b.disabled = matches.length === 0;
    });
  };

  Explorer.prototype.pageUrl = function (id) {
    return this.siteRoot + this.data.page.replace("{id}", encodeURIComponent(id));
  };

  Explorer.prototype.row = function (i) {
    var cached = this.rowEls[i];
    if (cached) return cached;
    var r = this.data.rows[i], data = this.data;
    var tr = el("div", "lc-x-row");
    tr.setAttribute("role", "row");
    tr.setAttribute("data-id", r.i);
    var cell = el("div", "lc-x-c-title");
    cell.setAttribute("role", "cell");
    var link = el("a", "lc-x-title", r.t);
    link.href = this.pageUrl(r.i);
    cell.appendChild(link);
    if (r.u) {
      var out = el("a", "lc-x-out", "↗");
      out.href = r.u;
      out.rel = "noopener";
      out.title = "Open the work itself";
      out.setAttribute("aria-label", "Open the work itself: " + r.t);
      cell.appendChild(out);
    }
    if (r.a) {
      var names = r.a.split(", ");
      cell.appendChild(el("div", "lc-x-by", names.length > 6 ? names.slice(0, 5).join(", ") + " et al." : r.a));
    }
    if (r.x) cell.appendChild(el("div", "lc-x-tldr", r.x));
    if (r.n) {
      var tags = el("div", "lc-x-tags");
      r.n.forEach(function (j) { tags.appendChild(el("span", "lc-x-tag", data.nodes[j][1])); });
      cell.appendChild(tags);
    }
    tr.appendChild(cell);
    var kind = data.kinds[r.k];
    var cells = [
      ["lc-x-c-date", "Date", r.d, "—"],
      ["lc-x-c-venue", "Venue", r.v, "—"],
      ["lc-x-c-kind", "Kind", kind, ""],
      ["lc-x-c-lmax", "Lmax", r.l ? tokens(r.l) : "", ""],
      ["lc-x-c-code", "Code", r.c === 2 ? "official" : r.c === 1 ? "others'" : "", ""]
    ];
    cells.forEach(function (c) {
      var td = el("div", c[0], c[2] || c[3]);
      td.setAttribute("role", "cell");
      td.setAttribute("data-label", c[1]);
      if (c[1] === "Lmax" && r.l) td.title = number(r.l) + " tokens";
      if (!c[2]) td.classList.add("lc-x-blank"); // hidden on phones, where cells carry their labels
      tr.appendChild(td);
    });
    this.rowEls[i] = tr;
    return tr;
  };

  /* --- downloads -------------------------------------------------------------- */

  function save(text, name, type) {
    var blob = new Blob([text], { type: type });
    var link = el("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    window.setTimeout(function () {
      URL.revokeObjectURL(link.href);
      link.remove();
    }, 1000);
  }

  Explorer.prototype.downloadBib = function (button) {
    var self = this, rows = this.data.rows, matches = this.matches.slice();
    button.disabled = true;
    load(new URL("explorer-bib.json", this.dataUrl).href).then(function (bib) {
      var chunks = [];
      matches.forEach(function (i) {
        var entry = bib.entries[rows[i].i];
        if (entry) chunks.push(entry);
      });
      var head = "% " + chunks.length + " entries from " + window.location.href + "\n";
      save(head + chunks.map(function (c) { return "\n" + c + "\n"; }).join(""), "catalogue-view.bib",
        "application/x-bibtex;charset=utf-8");
    }).catch(function (err) {
      self.root.querySelector(".lc-x-status").textContent = "The BibTeX could not be loaded (" + err.message + ").";
    }).then(function () { button.disabled = false; });
  };

  function csvCell(value) {
    var text = value === undefined || value === null ? "" : String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = "'" + text; // not a formula when opened in a spreadsheet
    return /[",\n\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  Explorer.prototype.downloadCsv = function () {
    var data = this.data, self = this;
    var lines = [["id", "title", "authors", "date", "venue", "kind", "topics", "code", "l_max", "page", "link", "tldr"]];
    this.matches.forEach(function (i) {
      var r = data.rows[i];
      lines.push([
        r.i, r.t, r.a, r.d, r.v, data.kinds[r.k],
        (r.n || []).map(function (j) { return data.nodes[j][1]; }).join("; "),
        r.c === 2 ? "official" : r.c === 1 ? "unofficial" : "",
        r.l, self.pageUrl(r.i), r.u, r.x
      ]);
    });
    var text = "\ufeff" + lines.map(function (line) { return line.map(csvCell).join(","); }).join("\r\n") + "\r\n";
    save(text, "catalogue-view.csv", "text/csv;charset=utf-8");
  };

  /* --- start ------------------------------------------------------------------ */

  function start() {
    var root = document.querySelector("[data-lc-explorer]");
    if (!root || root.getAttribute("data-lc-started")) return;
    root.setAttribute("data-lc-started", "1");
    var link = document.querySelector("a.lc-explorer-data");
    var status = root.querySelector(".lc-x-status");
    if (!link) {
      status.textContent = "The explorer's data link is missing from this page.";
      return;
    }
    var url = link.href;
    load(url).then(function (data) {
      if (!root.isConnected) return; // the reader has moved on
      root.lcExplorer = new Explorer(root, data, url);
    }).catch(function (err) {
      status.textContent = "The catalogue could not be loaded (" + err.message + ").";
    });
  }

  window.longctx.onEveryPage(start); // instant navigation included
})();
