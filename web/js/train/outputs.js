// What the Train tab draws from Python's results: filters, the misclassified test images,
// the prediction for the pad with its ten probabilities, and every layer's maps for the
// drawing. Rendering functions: arrays in, elements out, no state kept.
import { el } from "../ui/dom.js";
import { drawMap } from "../ui/canvas.js";
import { fmt } from "../ui/format.js";
import { nonfiniteNote } from "../ui/nonfinite.js";

/** A (H, W) image of ink 0..1 (digits: bright ink) drawn as dark ink on white. */
export function inkCanvas(data, h, w, { label, testid } = {}) {
  const c = el("canvas", { className: "t-digit", role: "img", "aria-label": label || "a digit", dataset: testid ? { testid } : undefined });
  const v = new Float32Array(h * w);
  for (let i = 0; i < v.length; i++) v[i] = -data[i];
  drawMap(c, v, w, h, "gray", -1, 0);
  return c;
}

/**
 * Every filter of a conv layer: one small image per filter (and per input channel when
 * there are few), diverging colours on the layer's symmetric range so the sign shows.
 * @param {{shape: number[], vmin: number, vmax: number, name: string}} meta  train_step's filters meta
 * @param {Float32Array} data  (F, C, kh, kw)
 */
export function filterGrid(meta, data) {
  const [f, c, kh, kw] = meta.shape;
  const m = Math.max(Math.abs(meta.vmin), Math.abs(meta.vmax)) || 1;
  const channels = Math.min(c, 4);
  const size = kh * kw;
  const figs = [];
  for (let i = 0; i < f; i++) {
    const row = [];
    for (let ch = 0; ch < channels; ch++) {
      const canvas = el("canvas", { className: "t-filter", dataset: { testid: "train-filter", filter: String(i), channel: String(ch) } });
      drawMap(canvas, data.subarray((i * c + ch) * size, (i * c + ch + 1) * size), kw, kh, "diverging", -m, m);
      row.push(canvas);
    }
    figs.push(el("figure", { className: "t-filter-fig", role: "img", "aria-label": `filter ${i + 1} of ${f}` }, ...row, el("figcaption", {}, String(i + 1))));
  }
  return el("div", { className: "t-filters", dataset: { testid: "train-filters", layer: meta.name } }, ...figs,
    c > channels ? el("p", { className: "hint" }, `The first ${channels} of each filter's ${c} input channels are shown.`) : null,
    nonfiniteNote(meta.nonfinite, `${meta.name}'s weights`));
}

/** The misclassified test images with their true and predicted classes. */
export function misclassifiedGallery(evaluation, data, shape, classes) {
  const [h, w] = shape;
  const items = evaluation.misclassified.map((m, k) => el("figure", { className: "t-miss", dataset: { testid: "misclassified", true: String(m.true), predicted: String(m.predicted) } },
    inkCanvas(data.subarray(k * h * w, (k + 1) * h * w), h, w, { label: `a ${classes[m.true]} the network took for a ${classes[m.predicted]}` }),
    el("figcaption", {}, el("span", {}, `is ${classes[m.true]}`), el("span", { className: "t-wrong" }, `said ${classes[m.predicted]}`))));
  const total = evaluation.misclassified_total;
  const note = total === 0 ? "No test image is misclassified."
    : total > items.length ? `${total} test images are misclassified; the first ${items.length}:` : `${total} misclassified test image${total === 1 ? "" : "s"}:`;
  return el("div", {}, el("p", { className: "hint" }, note), el("div", { className: "t-gallery" }, ...items));
}

/** The probability bars of a prediction; the winner marked. */
export function probabilityBars(probabilities, classes, best) {
  return el("ol", { className: "t-probs", "aria-label": "Probability of each class" }, ...probabilities.map((p, i) => {
    const bar = el("span", { className: "t-bar" });
    bar.style.setProperty("--f", p.toFixed(4));
    return el("li", { className: i === best ? "best" : "" },
      el("span", { className: "t-bar-label" }, classes[i]),
      el("span", { className: "t-bar-track" }, bar),
      el("span", { className: "t-bar-value" }, `${(p * 100).toFixed(1)}%`));
  }));
}

/**
 * Every layer's output for the drawing, input first: maps as small images, vectors as
 * bars. `result` is train_predict's {meta, arrays}.
 */
export function layerMaps({ meta, arrays }) {
  const sections = [];
  const [c0, h0, w0] = meta.input.shape;
  const input = arrays[meta.input.array];
  const inputMaps = [];
  for (let k = 0; k < c0; k++) inputMaps.push(inkCanvas(input.subarray(k * h0 * w0, (k + 1) * h0 * w0), h0, w0, { label: "the network's input" }));
  sections.push(section("input", `${c0}×${h0}×${w0}`, inputMaps, meta.input.nonfinite));
  for (const entry of meta.layers) {
    const data = arrays[entry.array ?? entry.same_as];
    const shape = entry.shape.join("×");
    if (entry.kind === "maps") {
      const [c, h, w] = entry.display_shape;
      const maps = [];
      for (let k = 0; k < c; k++) {
        const canvas = el("canvas", { className: "t-map", role: "img", "aria-label": `${entry.name} map ${k + 1}` });
        const [lo, hi] = entry.channel_ranges[k];
        drawMap(canvas, data.subarray(k * h * w, (k + 1) * h * w), w, h, "gray", lo, hi);
        maps.push(canvas);
      }
      sections.push(section(entry.name, shape, maps, entry.nonfinite));
    } else if (entry.kind === "strip") {
      const n = entry.display_shape[0];
      const canvas = el("canvas", { className: "t-strip", role: "img", "aria-label": `${entry.name}: ${n} values in a row` });
      drawMap(canvas, data.subarray(0, n), n, 1, "gray", entry.vmin, entry.vmax);
      sections.push(section(entry.name, shape, [canvas], entry.nonfinite));
    } else {
      const values = Array.from(data);
      const max = Math.max(1e-12, ...values.map(Math.abs));
      const bars = el("ol", { className: "t-vec" }, ...values.map((v, i) => {
        const bar = el("span", { className: `t-bar${v < 0 ? " neg" : ""}` });
        bar.style.setProperty("--f", (Math.abs(v) / max).toFixed(4));
        return el("li", { title: `${i}: ${fmt(v)}` }, el("span", { className: "t-bar-label" }, String(i)), el("span", { className: "t-bar-track" }, bar), el("span", { className: "t-bar-value" }, fmt(v)));
      }));
      sections.push(section(entry.name, shape, [bars], entry.nonfinite));
    }
  }
  return sections;
}

/** One layer's output; `nonfinite` (pycore's counts, or none) puts the overflow note under it. */
function section(name, shape, children, nonfinite = null) {
  return el("section", { className: "t-layer", dataset: { testid: "pad-layer", name } },
    el("h4", {}, name, " ", el("span", { className: "muted" }, shape)),
    el("div", { className: "t-layer-maps" }, ...children),
    nonfiniteNote(nonfinite, name));
}
