// Text for "how big is the output, and why": every number comes from pycore's
// conv_output_geometry (the one place the formula lives); this only lays it out.
// groupBySize, axisNote and headline are pure (tested in tests/js); describeGeometry
// puts their text into elements.
import { el } from "../ui/dom.js";

/**
 * Entries that share a window size share one explanation.
 * @param {{label: string, kernel: number[]}[]} entries
 * @returns {{entry: object, labels: string[]}[]}  in first-seen order
 */
export function groupBySize(entries) {
  const seen = new Map();
  for (const e of entries) {
    const key = `${e.kernel[0]}x${e.kernel[1]}`;
    if (!seen.has(key)) seen.set(key, { entry: e, labels: [] });
    seen.get(key).labels.push(e.label);
  }
  return [...seen.values()];
}

/**
 * What a floor drops (or a ceil keeps) on one axis, or null when the windows fit exactly.
 * @param {{dropped: number, overhang: number}} g  one axis of a geometry
 * @param {string} unit  "row" or "column"
 * @returns {{text: string, dropped: boolean} | null}
 */
export function axisNote(g, unit) {
  if (g.dropped > 0) {
    return {
      dropped: true,
      text: g.dropped === 1
        ? ` — the last ${unit} never fits a whole window and is dropped`
        : ` — the last ${g.dropped} ${unit}s never fit a whole window and are dropped`,
    };
  }
  if (g.overhang > 0) {
    return { dropped: false, text: ` — ceil mode keeps a partial window that reaches ${g.overhang} ${unit}${g.overhang === 1 ? "" : "s"} past the edge` };
  }
  return null;
}

/**
 * The sentence before the formulas: the output shape, the window and the rule.
 * @returns {{title: string, text: string}}  title is shown in bold
 */
export function headline(entry, what, windowWord, names) {
  // ceil mode rounds up (⌈⌉) where the usual rule rounds down (⌊⌋)
  const [open, close] = entry.geometry.rows.ceil_mode ? ["⌈", "⌉"] : ["⌊", "⌋"];
  return {
    title: `${what}: ${entry.shape[0]}×${entry.shape[1]}`,
    text: ` with a ${entry.kernel[0]}×${entry.kernel[1]} ${windowWord}${names}. Output size = ${open}(n + 2·padding − dilation·(k−1) − 1) / stride${close} + 1:`,
  };
}

function axisLine(name, g, unit) {
  const note = axisNote(g, unit);
  return el("li", {}, `${name}: `, el("code", {}, g.formula),
    note ? el("span", { class: "dropped", dataset: note.dropped ? { testid: "dropped" } : {} }, note.text) : null);
}

/**
 * One block per distinct window size: the output-size formula for rows and columns
 * with its numbers, and what a floor drops.
 * @param {{label: string, shape: number[], kernel: number[], geometry: {rows: object, cols: object}}[]} entries
 * @param {string} what  "Feature map" or "Pooled map"
 * @param {string} windowWord  "kernel" or "window"
 * @returns {HTMLElement[]}
 */
export function describeGeometry(entries, what, windowWord) {
  const groups = groupBySize(entries);
  return groups.map(({ entry, labels }) => {
    const { title, text } = headline(entry, what, windowWord, groups.length > 1 ? ` (${labels.join(", ")})` : "");
    return el("div", { class: "geometry", dataset: { testid: "geometry", shape: entry.shape.join(",") } },
      el("p", {}, el("strong", {}, title), text),
      el("ul", {}, axisLine("height", entry.geometry.rows, "row"), axisLine("width", entry.geometry.cols, "column")));
  });
}

/**
 * The one short sentence announced when a result settles, e.g. "3 feature maps, 298×449,
 * pooled to 149×224." (sizes are rows × columns; several sizes are listed in order).
 * @param {{maps: {shape: number[]}[], pooled: {shape: number[]}[], pool_error?: any}} meta  a convolve result's meta
 * @returns {string}
 */
export function summaryOf(meta) {
  const sizes = (list) => [...new Set(list.map((m) => `${m.shape[0]}×${m.shape[1]}`))].join(", ");
  const n = meta.maps.length;
  let text = `${n} feature map${n === 1 ? "" : "s"}, ${sizes(meta.maps)}`;
  if (meta.pooled.length) text += `, pooled to ${sizes(meta.pooled)}`;
  else if (meta.pool_error) text += ", not pooled (see the pooling settings)";
  return `${text}.`;
}
