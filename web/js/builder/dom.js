// A small element factory: el("button", {type: "button", dataset: {testid: "x"}, "aria-label": "…"}, "text", child)
// Keys with a dash are attributes; `dataset` and `style` take objects; other keys are set as
// properties when the element has them (value, checked, disabled, hidden, …), else as attributes.
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false && k.includes("-")) continue;
    if (k === "dataset") Object.assign(node.dataset, v);
    else if (k === "style") Object.assign(node.style, v);
    else if (k.includes("-")) node.setAttribute(k, String(v));
    else if (k in node) node[k] = v;
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

/** Group digits: 854362 -> "854,362". */
export function fmtInt(n) {
  return Number(n).toLocaleString("en-US");
}

/** 96959120 -> "97.0 M", 854362 -> "854 k", small numbers as they are. */
export function fmtShort(n) {
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (a >= 1e4) return `${Math.round(n / 1e3)} k`;
  return fmtInt(n);
}

export function fmtMs(ms) {
  if (ms < 0.1) return "<0.1 ms";
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  return `${Math.round(ms)} ms`;
}
