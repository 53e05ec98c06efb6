/* What the explorer (explorer.js) and the wide tables (tables.js) share: building
 * elements, comparing text as readers expect (numbers by value, case and accents
 * ignored), and starting on every page Material shows. Loaded before both (the
 * order of extras.ASSETS); no library, no network.
 */
(function () {
  "use strict";

  var collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

  window.longctx = {
    /* An element with a class and text (text, never HTML: record data stays text). */
    el: function (tag, cls, text) {
      var node = document.createElement(tag);
      if (cls) node.className = cls;
      if (text !== undefined && text !== null) node.textContent = text;
      return node;
    },

    /* Text compared as a reader sorts it: "LLaMA 2" before "LLaMA 13", "Łukasz" with "L". */
    compare: collator.compare,

    /* Material's instant navigation swaps pages without reloading scripts: run `start`
       on every page it shows (document$), or once when the page is plain HTML. */
    onEveryPage: function (start) {
      if (window.document$ && typeof window.document$.subscribe === "function") {
        window.document$.subscribe(start);
      } else if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
      } else {
        start();
      }
    }
  };
})();
