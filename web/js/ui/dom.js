// The page's two DOM helpers: one element factory and one test-id lookup.

/**
 * el("button", {type: "button", class: "x", dataset: {testid: "y"}, onclick: fn}, "text", child)
 * Every key is an attribute, except: `class` (or `className`), `for` (or `htmlFor`),
 * `dataset` (an object), `style` (a CSS string or an object), `text` (textContent) and
 * `on<event>` with a function (a listener). `true` sets an empty attribute; `false`,
 * `null` and `undefined` leave it out. Children may be nodes, strings, numbers or arrays
 * of them; null, undefined and false are skipped.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class" || k === "className") node.className = v;
    else if (k === "for" || k === "htmlFor") node.htmlFor = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k === "style") {
      if (typeof v === "string") node.style.cssText = v;
      else Object.assign(node.style, v);
    } else if (k === "text") node.textContent = v;
    else if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

/** The first element with data-testid=`id` under `root`. */
export function tid(id, root = document) {
  return root.querySelector(`[data-testid="${id}"]`);
}

/**
 * Put `prefix` before every data-testid in `root` and under it (freshly made nodes only),
 * so a component used in two tabs keeps its hooks apart: "layer-row" -> "train-layer-row".
 */
export function prefixTestids(root, prefix) {
  if (!prefix) return root;
  for (const node of [root, ...root.querySelectorAll("[data-testid]")]) {
    if (node.dataset.testid) node.dataset.testid = prefix + node.dataset.testid;
  }
  return root;
}
