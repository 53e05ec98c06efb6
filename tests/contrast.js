// WCAG 2 contrast of every visible piece of text inside `root` (a CSS selector) against
// the background it is drawn on: returns the pieces below their AA minimum (4.5:1, or
// 3:1 for large text), each as {text, ratio, need, color, background, tag, cls}.
// Backgrounds are composited from the element up through its ancestors (alpha included);
// text colours with alpha are composited over that background. Background images are
// not considered (the site uses none behind text).
(root) => {
  function parse(c) {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  }
  function over(top, bottom) {  // top composited over an opaque bottom
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  }
  function background(el) {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let bg = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg;
  }
  function lum(c) {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  }
  const out = [];
  const scope = document.querySelectorAll(root);
  scope.forEach(top => {
    const walker = document.createTreeWalker(top, NodeFilter.SHOW_TEXT);
    const seen = new Set();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent.trim()) continue;
      const el = n.parentElement;
      if (seen.has(el)) continue;
      seen.add(el);
      const style = getComputedStyle(el);
      const rect = el.getBoundingClientRect();
      if (style.visibility === "hidden" || style.display === "none" || rect.width === 0 || rect.height === 0) continue;
      if (el.closest("[hidden], .md-sidebar, .md-header, .md-footer, .md-search, .md-tabs, code, svg")) continue;
      if (parseFloat(style.opacity) < 1) continue;
      const bg = background(el);
      const fg = over(parse(style.color), bg);
      const l1 = lum(fg), l2 = lum(bg);
      const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
      const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
      const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
      if (ratio < need) {
        out.push({ text: n.textContent.trim().slice(0, 40), ratio: Math.round(ratio * 100) / 100, need,
                   color: style.color, background: "rgb(" + bg.slice(0, 3).map(Math.round).join(",") + ")",
                   tag: el.tagName.toLowerCase(), cls: el.className && String(el.className).slice(0, 40) });
      }
    }
  });
  return out;
}
