// A map's legend: its colour bar with the values at the ends (and 0 in the middle of a
// diverging one), so a colour can be read back as a number; and the key of what is drawn
// over a map (outlines, shading).
import { el } from "../ui/dom.js";
import { fmt } from "../ui/format.js";
import { drawLegend } from "../ui/canvas.js";
import { modeRange } from "../ui/colormap.js";

/**
 * The legend of one map drawn in `mode` ("gray" or "diverging") over the finite range [lo, hi].
 * @param {string} mode
 * @param {number|null} lo  the map's smallest finite value (null: none is finite)
 * @param {number|null} hi
 * @param {{testid?: string, what?: string}} o  what: the map's name, for screen readers
 * @returns {HTMLElement}  with data-mode, data-lo and data-hi (the values at the bar's ends)
 */
export function mapLegend(mode, lo, hi, { testid, what = "map" } = {}) {
  const box = el("div", { class: "x-legend", dataset: { testid, mode } });
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    box.append(el("span", {}, `${what}: no finite values`));
    return box;
  }
  const r = modeRange(mode, lo, hi);
  const bar = el("canvas", { class: "legend-bar", "aria-hidden": "true" });
  drawLegend(bar, mode);
  const ends = mode === "diverging"
    ? [`${fmt(r.lo)} blue`, "0 white", `${fmt(r.hi)} red`]
    : r.hi > r.lo ? [`${fmt(r.lo)} black`, `${fmt(r.hi)} white`] : [`every value ${fmt(lo)}: mid-gray`];
  box.dataset.lo = String(r.lo);
  box.dataset.hi = String(r.hi);
  box.setAttribute("aria-label", `Colours of the ${what}: ${ends.join(", ")}`);
  box.setAttribute("role", "img");
  box.append(el("span", { class: "x-legend-end" }, fmt(r.lo)), bar, el("span", { class: "x-legend-end" }, fmt(r.hi)));
  if (mode === "diverging") box.append(el("span", { class: "x-legend-note" }, "(0 white)"));
  return box;
}

/**
 * A key of marks drawn over a map: [swatch class, text] pairs (swatch styles in explorers.css).
 * @param {[string, string][]} items
 */
export function markKey(items, testid) {
  return el("p", { class: "legend-note", dataset: { testid } },
    ...items.map(([cls, text]) => el("span", {}, el("span", { class: `swatch ${cls}`, "aria-hidden": "true" }), text)));
}
