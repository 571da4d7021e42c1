// Every visible piece of text on the page with its contrast ratio (WCAG 2) against
// the background it is drawn on: the element's colour, faded by its own and its
// ancestors' opacity, over the stack of (possibly translucent) backgrounds behind it.
() => {
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a),
    g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a),
    a: 1,
  });
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const bg = parse(getComputedStyle(e).backgroundColor);
      if (bg && bg.a > 0) { layers.push(bg); if (bg.a >= 1) break; }
    }
    let colour = { r: 255, g: 255, b: 255, a: 1 };
    const dark = matchMedia("(prefers-color-scheme: dark)").matches;
    if (!layers.length || layers[layers.length - 1].a < 1) colour = dark ? { r: 0, g: 0, b: 0, a: 1 } : colour;
    for (let i = layers.length - 1; i >= 0; i--) colour = over(layers[i], colour);
    return colour;
  };
  const opacity = (el) => {
    let o = 1;
    for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
    return o;
  };
  const out = [];
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || seen.has(el) || !node.textContent.trim()) continue;
    if (el.closest("svg, script, style, noscript, .katex-mathml")) continue;
    seen.add(el);
    const range = document.createRange();
    range.selectNodeContents(node);
    const box = range.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width < 2 || box.height < 2 || style.visibility === "hidden") continue;
    if (!el.checkVisibility({ contentVisibilityAuto: true, visibilityProperty: true })) continue;
    if (box.right < 0 || box.bottom < 0 || style.clip === "rect(0px, 0px, 0px, 0px)") continue;
    const bg = background(el);
    const fg = parse(style.color);
    const faded = over({ ...fg, a: fg.a * opacity(el) }, bg);
    const [hi, lo] = [lum(faded), lum(bg)].sort((x, y) => y - x);
    out.push({
      text: node.textContent.trim().slice(0, 40),
      tag: el.tagName.toLowerCase() + (el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : ""),
      ratio: Math.round(((hi + 0.05) / (lo + 0.05)) * 100) / 100,
      colour: style.color,
    });
  }
  return out;
}
