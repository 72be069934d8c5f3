// Drawing one convolve result: a card per filter with its feature map and pooled map,
// each canvas at the map's true size with its label, range and shape as data attributes.
// Rendering only: everything comes in as arguments.
import { el } from "../ui/dom.js";
import { drawMap, drawLegend } from "../ui/canvas.js";
import { fmtRange } from "../ui/format.js";
import { nonfiniteKey, nonfiniteNote } from "../ui/nonfinite.js";

function mapCanvas(testid, entry, data, mode) {
  const canvas = document.createElement("canvas");
  canvas.dataset.testid = testid;
  canvas.dataset.label = entry.label;
  // the finite range colours are scaled to; none when no value is finite (pycore's None)
  if (Number.isFinite(entry.vmin)) canvas.dataset.vmin = String(entry.vmin);
  if (Number.isFinite(entry.vmax)) canvas.dataset.vmax = String(entry.vmax);
  canvas.dataset.shape = entry.shape.join(",");
  const [h, w] = entry.shape;
  drawMap(canvas, data, w, h, mode, entry.vmin, entry.vmax);
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", `${testid === "fmap" ? "Feature map" : "Pooled map"} ${entry.label}, ${h} by ${w}, values ${fmtRange(entry.vmin, entry.vmax).replace(" … ", " to ")}${entry.nonfinite?.any ? `; ${entry.nonfinite.text}` : ""}`);
  // Scale small maps up so a 5×5 result is visible; CSS keeps pixels crisp.
  const zoom = Math.max(1, Math.min(8, Math.floor(160 / Math.max(w, h))));
  canvas.style.setProperty("--w", `${w * zoom}px`);
  return canvas;
}

// "range 0 … 4.26"; with cells that are not finite, the range is of the others
function rangeLabel({ vmin, vmax, nonfinite }) {
  const range = fmtRange(vmin, vmax);
  if (!Number.isFinite(vmin)) return range;
  return `${nonfinite?.any ? "finite range" : "range"} ${range}`;
}

function figure(testid, entry, data, mode, caption) {
  const [h, w] = entry.shape;
  return el("figure", {}, mapCanvas(testid, entry, data, mode),
    el("figcaption", {}, el("strong", {}, caption), ` ${h}×${w}`, el("br"),
      rangeLabel(entry)),
    nonfiniteNote(entry.nonfinite));
}

/**
 * One card per filter: its feature map and, when pooling is on, its pooled map.
 * @param {{meta, arrays}} result  a convolve result
 * @param {string} mode  a colour mode id
 * @returns {HTMLElement[]}
 */
export function mapCards({ meta, arrays }, mode) {
  return meta.maps.map((m, i) => {
    const p = meta.pooled[i];
    return el("article", { class: "map-card", dataset: { testid: "map-card" } },
      el("h3", {}, m.label, el("span", { class: "muted" }, ` ${m.kernel[0]}×${m.kernel[1]} kernel`)),
      el("div", { class: "map-row" },
        figure("fmap", m, arrays[m.array], mode, "feature map"),
        p ? figure("pooled", { ...p, label: m.label }, arrays[p.array], mode, `${meta.settings.pool.type} pooled`) : null));
  });
}

// Each map is scaled on its own range, so the legend names the ends, not numbers.
const LEGEND_ENDS = { gray: ["min of each map", "max of each map"], diverging: ["−max|v|", "+max|v| of each map"], abs: ["0", "max|v| of each map"] };

/**
 * Fill the legend (its bar canvas and the .legend-lo/-hi/-help texts) for a colour mode;
 * with `nonfinite`, the colours of +∞, −∞ and NaN too.
 * @param {{value: string, help: string}[]} colorModes  pycore's options.color_modes (empty before they arrive)
 * @param {boolean} [nonfinite]  some map on screen holds values that are not finite
 */
export function drawLegendFor(legend, mode, colorModes, nonfinite = false) {
  drawLegend(legend.querySelector(".legend-bar"), mode);
  let key = legend.querySelector(".legend-nonfinite");
  if (!key) {
    key = el("span", { class: "legend-nonfinite", dataset: { testid: "legend-nonfinite" } });
    legend.querySelector(".legend-hi").after(key);
  }
  key.replaceChildren(...(nonfinite ? nonfiniteKey() : []));
  legend.querySelector(".legend-lo").textContent = LEGEND_ENDS[mode][0];
  legend.querySelector(".legend-hi").textContent = LEGEND_ENDS[mode][1];
  legend.querySelector(".legend-help").textContent = colorModes.find((c) => c.value === mode)?.help ?? "";
}
