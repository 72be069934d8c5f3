// Drawing one convolve result: a card per filter with its feature map (and, on request, the
// map before the activation) and its pooled map, each canvas at the map's true size with
// its label, range and shape as data attributes, a colour legend with numbers under each,
// and the kernel library's line on what to look for. Also the map view's own controls
// (one scale or each its own; the maps before the activation). Rendering only: everything
// comes in as arguments.
import { el } from "../ui/dom.js";
import { drawMap, drawLegend } from "../ui/canvas.js";
import { legendTicks, modeRange, sharedRange } from "../ui/colormap.js";
import { fmt, fmtRange } from "../ui/format.js";
import { nonfiniteKey, nonfiniteNote } from "../ui/nonfinite.js";

/** The map view's settings and their defaults (the panel keeps them in state.mapView). */
export const MAP_VIEW_DEFAULTS = Object.freeze({ scale: "each", before: false });
const SCALES = [
  { value: "each", label: "each map to its own range" },
  { value: "shared", label: "one scale for all maps" },
];
const KIND = { fmap: "Feature map", pooled: "Pooled map", "pre-map": "Before the activation, map" };

// A map's colours are scaled to `range` ({vmin, vmax}: its own or the shared one).
function mapCanvas(testid, entry, data, mode, range) {
  const canvas = document.createElement("canvas");
  canvas.dataset.testid = testid;
  canvas.dataset.label = entry.label;
  // the map's own finite range; none when no value is finite (pycore's None)
  if (Number.isFinite(entry.vmin)) canvas.dataset.vmin = String(entry.vmin);
  if (Number.isFinite(entry.vmax)) canvas.dataset.vmax = String(entry.vmax);
  canvas.dataset.shape = entry.shape.join(",");
  const [h, w] = entry.shape;
  drawMap(canvas, data, w, h, mode, range.vmin, range.vmax);
  const { lo, hi } = modeRange(mode, range.vmin, range.vmax);
  canvas.dataset.lo = String(lo); // what the colour scale's ends stand for
  canvas.dataset.hi = String(hi);
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", `${KIND[testid]} ${entry.label}, ${h} by ${w}, values ${fmtRange(entry.vmin, entry.vmax).replace(" … ", " to ")}${entry.nonfinite?.any ? `; ${entry.nonfinite.text}` : ""}`);
  canvas.style.setProperty("--w", String(w)); // CSS draws every map at one pixel scale
  return canvas;
}

// "range 0 … 4.26"; with cells that are not finite, the range is of the others
function rangeLabel({ vmin, vmax, nonfinite }) {
  const range = fmtRange(vmin, vmax);
  if (!Number.isFinite(vmin)) return range;
  return `${nonfinite?.any ? "finite range" : "range"} ${range}`;
}

const END_WORDS = { gray: ["black", "white"], diverging: ["blue", "red"], abs: ["black", "white"] };

/**
 * A map's colour legend: the mode's bar with the values its ends (and zero) stand for.
 * @param {string} mode  a colour mode's value
 * @param {{vmin: number|null, vmax: number|null}} range  the range the map's colours are scaled to
 * @returns {HTMLElement}  [data-testid=map-legend] with data-lo/data-hi
 */
export function mapLegend(mode, range) {
  const { lo, hi } = modeRange(mode, range.vmin, range.vmax);
  const bar = el("canvas", { class: "map-legend-bar", "aria-hidden": "true" });
  drawLegend(bar, mode);
  const ticks = legendTicks(mode, lo, hi);
  const box = el("div", { class: "map-legend", dataset: { testid: "map-legend", lo: String(lo), hi: String(hi) } },
    bar,
    el("div", { class: "map-legend-ticks", "aria-hidden": "true" },
      ...ticks.map((t) => el("span", { style: `--at: ${t.at}` }, fmt(t.value)))));
  const [a, b] = END_WORDS[mode];
  const zero = ticks.find((t) => t.value === 0 && t.at > 0 && t.at < 1);
  box.setAttribute("role", "img");
  box.setAttribute("aria-label", hi > lo
    ? `Colour scale: ${fmt(lo)} ${a}${zero ? `, 0 ${mode === "diverging" ? "white" : "at " + Math.round(zero.at * 100) + "%"}` : ""}, ${fmt(hi)} ${b}`
    : `Colour scale: every value ${fmt(lo)}, drawn mid-scale`);
  return box;
}

function figure(testid, entry, data, mode, caption, range) {
  const [h, w] = entry.shape;
  return el("figure", {}, mapCanvas(testid, entry, data, mode, range),
    mapLegend(mode, range),
    el("figcaption", {}, el("strong", {}, caption), ` ${h}×${w}`, el("br"),
      rangeLabel(entry)),
    nonfiniteNote(entry.nonfinite));
}

/**
 * The maps a result draws, per card: [{testid, entry, array, caption}], the map before the
 * activation first when `before` asks for it and pycore sent it.
 */
function cardMaps(meta, before) {
  return meta.maps.map((m, i) => {
    const p = meta.pooled[i];
    const list = [];
    if (before && m.pre) list.push({ testid: "pre-map", entry: { ...m.pre, shape: m.shape, label: m.label }, caption: "before the activation" });
    list.push({ testid: "fmap", entry: m, caption: before && m.pre ? "after the activation" : "feature map" });
    if (p) list.push({ testid: "pooled", entry: { ...p, label: m.label }, caption: `${meta.settings.pool.type} pooled` });
    return list;
  });
}

/**
 * One card per filter: its feature map (after the map before the activation, with
 * `view.before`) and, when pooling is on, its pooled map; under them what to look for.
 * Every map is drawn at one pixel scale (CSS: --zoom, --row-w, --col-w, --figs), so a
 * pooled map is as large beside its feature map as it truly is, and maps of different
 * kernel sizes compare.
 * @param {{meta, arrays}} result  a convolve result
 * @param {string} mode  a colour mode id
 * @param {{scale: "each"|"shared", before: boolean}} [view]  state.mapView
 * @returns {HTMLElement[]}
 */
export function mapCards({ meta, arrays }, mode, view = MAP_VIEW_DEFAULTS) {
  const cards = cardMaps(meta, view.before);
  const all = cards.flat();
  const shared = view.scale === "shared" ? sharedRange(all.map((f) => f.entry)) : null;
  // one pixel scale for every map: small maps enlarged (crisp pixels) by the same whole factor
  const largest = Math.max(1, ...all.map((f) => Math.max(...f.entry.shape)));
  const zoom = Math.max(1, Math.min(8, Math.floor(160 / largest)));
  const rowW = Math.max(1, ...cards.map((list) => list.reduce((s, f) => s + f.entry.shape[1], 0)));
  const colW = Math.max(1, ...all.map((f) => f.entry.shape[1]));
  const figs = Math.max(1, ...cards.map((list) => list.length));
  const withBefore = view.before && meta.maps.some((m) => m.pre);
  return cards.map((list, i) => {
    const m = meta.maps[i];
    const notes = [];
    if (meta.pool_error) {
      notes.push(el("p", { class: "map-note", dataset: { testid: "pool-missing" } }, `No pooled map: ${meta.pool_error}`));
    }
    if (view.before && !m.pre && meta.settings.activation === "none") {
      notes.push(el("p", { class: "map-note", dataset: { testid: "no-before" } }, "No activation: the map before it is the same map."));
    }
    const card = el("article", { class: withBefore ? "map-card with-before" : "map-card", dataset: { testid: "map-card" } },
      el("h3", {}, m.label, el("span", { class: "muted" }, ` ${m.kernel[0]}×${m.kernel[1]} kernel`)),
      el("div", { class: "map-row" },
        ...list.map((f) => figure(f.testid, f.entry, arrays[f.entry.array], mode, f.caption, shared || f.entry))),
      ...notes,
      m.look_for ? el("p", { class: "look-for", dataset: { testid: "look-for" } }, el("strong", {}, "Look for: "), m.look_for) : null);
    for (const [k, v] of [["--zoom", zoom], ["--row-w", rowW], ["--col-w", colW], ["--figs", figs]]) card.style.setProperty(k, String(v));
    return card;
  });
}

/**
 * The map view's controls: the scale (each map its own range, or one for all) and the
 * maps before the activation. `onChange(key, value)` reports a change of state.mapView's
 * `key`; the caller stores it and redraws (or recomputes, for `before`).
 * @param {{scale: string, before: boolean}} view
 * @returns {HTMLElement}  [data-testid=map-view]
 */
export function mapViewControls(view, onChange) {
  const radios = SCALES.map(({ value, label }) => {
    const input = el("input", { type: "radio", name: "map-scale", value, dataset: { testid: `scale-${value}` } });
    input.addEventListener("change", () => input.checked && onChange("scale", value));
    return el("label", { class: "inline" }, input, ` ${label}`);
  });
  const before = el("input", { type: "checkbox", dataset: { testid: "show-before" } });
  before.addEventListener("change", () => onChange("before", before.checked));
  const box = el("div", { class: "map-view", dataset: { testid: "map-view" } },
    el("fieldset", { class: "map-scale" }, el("legend", {}, "Scale"), ...radios),
    el("label", { class: "check map-before" }, before, " Show each map before the activation too (with the negative values ReLU sets to 0)"));
  syncMapViewControls(box, view);
  return box;
}

/** Set the controls of mapViewControls to `view` (e.g. after it was read from the address). */
export function syncMapViewControls(box, view) {
  for (const input of box.querySelectorAll('input[name="map-scale"]')) input.checked = input.value === (view.scale || "each");
  box.querySelector('[data-testid="show-before"]').checked = Boolean(view.before);
}

// The ends of the colour bar above the maps, by scale (each map's own legend has numbers).
const LEGEND_ENDS = {
  each: { gray: ["min of each map", "max of each map"], diverging: ["−max|v|", "+max|v| of each map"], abs: ["0", "max|v| of each map"] },
  shared: { gray: ["min of all maps", "max of all maps"], diverging: ["−max|v|", "+max|v| of all maps"], abs: ["0", "max|v| of all maps"] },
};

/**
 * Fill the legend (its bar canvas and the .legend-lo/-hi/-help texts) for a colour mode;
 * with `nonfinite`, the colours of +∞, −∞ and NaN too.
 * @param {{value: string, help: string}[]} colorModes  pycore's options.color_modes (empty before they arrive)
 * @param {boolean} [nonfinite]  some map on screen holds values that are not finite
 * @param {"each"|"shared"} [scale]  state.mapView.scale
 */
export function drawLegendFor(legend, mode, colorModes, nonfinite = false, scale = "each") {
  drawLegend(legend.querySelector(".legend-bar"), mode);
  let key = legend.querySelector(".legend-nonfinite");
  if (!key) {
    key = el("span", { class: "legend-nonfinite", dataset: { testid: "legend-nonfinite" } });
    legend.querySelector(".legend-hi").after(key);
  }
  key.replaceChildren(...(nonfinite ? nonfiniteKey() : []));
  const ends = (LEGEND_ENDS[scale] || LEGEND_ENDS.each)[mode];
  legend.querySelector(".legend-lo").textContent = ends[0];
  legend.querySelector(".legend-hi").textContent = ends[1];
  legend.querySelector(".legend-help").textContent = colorModes.find((c) => c.value === mode)?.help ?? "";
}
