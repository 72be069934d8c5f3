// Drawing a run: the fitted input, every layer's feature maps (all channels, scrollable),
// the flatten vector as a strip, dense outputs as bars and the class scores with their
// softmax probabilities. Every map can be saved as a PNG.
import { el } from "../ui/dom.js";
import { drawMap } from "../ui/canvas.js";
import { fmt, fmtMs, fmtRange } from "../ui/format.js";
import { nonfiniteNote } from "../ui/nonfinite.js";
import { downloadCanvas } from "../ui/download.js";
import { TYPE_LABELS } from "../ui/layer-editor.js";

const SMALL_VECTOR = 32; // up to this many values: one labelled bar each; more: a drawn chart

function pngButton(canvas, filename, what) {
  const b = el("button", { type: "button", className: "secondary b-png", dataset: { testid: "download-png", filename }, "aria-label": `Download ${what} as PNG` }, "PNG");
  b.addEventListener("click", () => downloadCanvas(canvas, filename));
  return b;
}

function rgbCanvas(data, h, w) {
  const canvas = el("canvas", { width: w, height: h });
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(w, h);
  const n = h * w;
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    img.data[j] = Math.round(data[i] * 255);
    img.data[j + 1] = Math.round(data[n + i] * 255);
    img.data[j + 2] = Math.round(data[2 * n + i] * 255);
    img.data[j + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}

function figure(canvas, caption, filename, what) {
  canvas.classList.add("b-map");
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", what);
  return el("figure", { className: "b-fig" }, canvas,
    el("figcaption", {}, el("span", {}, caption), pngButton(canvas, filename, what)));
}

function mapsRow(label, figures) {
  return el("div", { className: "b-maps", tabindex: "0", role: "region", "aria-label": `${label}: ${figures.length} maps, scroll sideways for all`, dataset: { testid: "layer-maps" } }, ...figures);
}

function layerHead(entry, traceRow) {
  const label = TYPE_LABELS[entry.type] || entry.type;
  const act = entry.activation ? ` + ${entry.activation === "relu" ? "ReLU" : entry.activation}` : "";
  return el("h3", { className: "b-res-head" },
    el("span", {}, entry.name), " ",
    el("span", { className: "muted" }, `${label}${act} → ${entry.shape.join("×")}`),
    el("span", { className: "b-ms", dataset: { testid: "layer-ms" }, title: "time this layer took in Python" }, fmtMs(entry.ms)),
  );
}

function drawChannels(entry, data, mode, prefix) {
  const [c, h, w] = entry.display_shape;
  const figs = [];
  for (let k = 0; k < c; k++) {
    const canvas = el("canvas", { dataset: { testid: "builder-fmap", layer: entry.name, channel: String(k) } });
    const [lo, hi] = entry.channel_ranges[k]; // finite values only (null: none)
    drawMap(canvas, data.subarray(k * h * w, (k + 1) * h * w), w, h, mode, lo, hi);
    figs.push(figure(canvas, `${k + 1}: ${fmtRange(lo, hi)}`, `${prefix}-${entry.name}-map${k + 1}.png`,
      `${entry.name} map ${k + 1} of ${c}, ${h} by ${w}, values ${fmtRange(lo, hi).replace(" … ", " to ")}`));
  }
  return figs;
}

function strip(entry, data, mode, explain, prefix) {
  const n = entry.display_shape[0];
  const canvas = el("canvas", { className: "b-strip", dataset: { testid: "flatten-strip", length: String(entry.shape[0]) } });
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = data[i];
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!Number.isFinite(lo)) lo = hi = null; // no finite value: nothing to scale
  drawMap(canvas, data.subarray(0, n), n, 1, mode, lo, hi);
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", `The ${entry.shape[0]} flattened values as a strip, ${fmtRange(lo, hi).replace(" … ", " to ")}`);
  const binNote = entry.bin > 1 ? ` Each cell shows the mean of ${entry.bin} values.` : "";
  return el("div", { className: "b-strip-wrap" }, canvas,
    el("p", { className: "hint" }, `${explain || `${entry.shape[0]} values`}. Left to right: all of map 1, then map 2, …; ${fmtRange(lo, hi)}.${binNote} `,
      pngButton(canvas, `${prefix}-${entry.name}-strip.png`, "the flatten strip")));
}

// Bars are scaled to the largest finite |value|; one that is not finite fills its bar.
const finiteMax = (values) => Math.max(1e-12, ...Array.from(values, (v) => (Number.isFinite(v) ? Math.abs(v) : 0)));
const barFraction = (v, max) => (Number.isFinite(v) ? Math.abs(v) / max : 1);

function bars(values, { labels = null, percent = false } = {}) {
  const max = finiteMax(values);
  const signed = values.some((v) => v < 0);
  return el("ol", { className: `b-bars${signed ? " signed" : ""}` }, ...values.map((v, i) => {
    const frac = barFraction(v, max);
    const bar = el("span", { className: `b-bar${v < 0 ? " neg" : ""}` });
    bar.style.setProperty("--f", frac.toFixed(4));
    return el("li", { dataset: { value: String(v) } },
      el("span", { className: "b-bar-label" }, labels ? labels[i] : String(i)),
      el("span", { className: "b-bar-track" }, bar),
      el("span", { className: "b-bar-value" }, percent ? `${(v * 100).toFixed(1)}%` : fmt(v)));
  }));
}

function barChart(values, name) {
  // Many units: one thin bar per unit, drawn, zero line in the middle when signed.
  const n = values.length;
  const w = Math.min(2048, Math.max(n * 3, 300));
  const h = 90;
  const canvas = el("canvas", { width: w, height: h, className: "b-chart", dataset: { testid: "dense-chart" } });
  const ctx = canvas.getContext("2d");
  const max = finiteMax(values);
  const signed = Array.prototype.some.call(values, (v) => v < 0);
  const zero = signed ? h / 2 : h - 1;
  const scale = signed ? h / 2 - 2 : h - 3;
  ctx.fillStyle = "#f4f6fa";
  ctx.fillRect(0, 0, w, h);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const x0 = Math.floor((i * w) / n);
    const x1 = Math.max(x0 + 1, Math.floor(((i + 1) * w) / n) - (n < w / 3 ? 1 : 0));
    const len = barFraction(v, max) * scale;
    ctx.fillStyle = v < 0 ? "#2166ac" : "#2457c5";
    if (v >= 0) ctx.fillRect(x0, zero - len, x1 - x0, len);
    else ctx.fillRect(x0, zero, x1 - x0, len);
  }
  ctx.fillStyle = "#5b6475";
  ctx.fillRect(0, Math.round(zero), w, 1);
  canvas.setAttribute("role", "img");
  let top = 0;
  for (let i = 1; i < n; i++) if (values[i] > values[top]) top = i;
  canvas.setAttribute("aria-label", `${name}: ${n} outputs from ${fmt(Math.min(...values))} to ${fmt(Math.max(...values))}; the largest is unit ${top}`);
  return canvas;
}

function scoresBlock(scores, trained) {
  const { logits, probabilities: p, softmax_layer: fromLayer } = scores;
  let best = 0;
  p.forEach((v, i) => {
    if (v > p[best]) best = i;
  });
  const maxP = Math.max(...p);
  const list = el("ol", { className: "b-scores", dataset: { testid: "scores" } }, ...p.map((prob, i) => {
    const bar = el("span", { className: "b-bar" });
    bar.style.setProperty("--f", (prob / maxP).toFixed(4));
    return el("li", { className: i === best ? "best" : "", dataset: { testid: "score", class: String(i), logit: String(logits[i]), prob: String(prob) } },
      el("span", { className: "b-bar-label" }, `class ${i}`),
      el("span", { className: "b-score" }, fmt(logits[i])),
      el("span", { className: "b-bar-track" }, bar),
      el("span", { className: "b-bar-value" }, `${(prob * 100).toFixed(1)}%`));
  }));
  return el("div", { className: "b-scores-wrap" },
    el("p", { className: "hint" },
      `${p.length} class scores (raw outputs of the last dense layer) and their softmax probabilities`,
      fromLayer ? "." : " (no softmax layer in the stack: computed here for display).",
      trained ? " The weights were trained in the Train tab: the winner is the network's answer."
        : " The weights are random, not trained, so the winner means nothing yet: this shows how the numbers flow."),
    el("div", { className: "b-scores-head", "aria-hidden": "true" }, el("span", {}, "class"), el("span", {}, "score"), el("span", {}, "probability")),
    list);
}

/**
 * Draw a network_run result.
 * @param {HTMLElement} box
 * @param {{meta, arrays}} result
 * @param {{mode: string, prefix: string}} opts  colour mode; file name prefix for PNGs
 */
export function renderResults(box, { meta, arrays }, { mode, prefix = "cnn" }) {
  const explainByName = Object.fromEntries(meta.trace.rows.map((r) => [r.name, r.explain?.shape]));
  const sections = [];
  // The input, as the network sees it.
  const inp = meta.input;
  const [c, h, w] = inp.shape;
  const data = arrays[inp.array];
  const inputFigs = [];
  if (c === 3) {
    const canvas = rgbCanvas(data, h, w);
    canvas.dataset.testid = "builder-input";
    inputFigs.push(figure(canvas, `RGB ${w}×${h}`, `${prefix}-input.png`, `The network's input, ${w} by ${h}, in colour`));
  } else {
    const canvas = el("canvas", { dataset: { testid: "builder-input" } });
    drawMap(canvas, data, w, h, "gray", 0, 1);
    inputFigs.push(figure(canvas, `gray ${w}×${h}`, `${prefix}-input.png`, `The network's input, ${w} by ${h}, in gray`));
  }
  sections.push(el("section", { className: "b-res", dataset: { testid: "layer-result", name: "input", kind: "input" } },
    el("h3", { className: "b-res-head" }, el("span", {}, "input"), " ", el("span", { className: "muted" }, `→ ${inp.shape.join("×")}`)),
    el("p", { className: "hint", dataset: { testid: "fit-text" } }, inp.fit.text),
    mapsRow("input", inputFigs)));

  for (const entry of meta.layers) {
    const sec = el("section", { className: "b-res", dataset: { testid: "layer-result", name: entry.name, kind: entry.kind } }, layerHead(entry),
      nonfiniteNote(entry.nonfinite));
    if (entry.kind === "maps") {
      const figs = drawChannels(entry, arrays[entry.array], mode, prefix);
      if (entry.factor > 1) {
        const [, dh, dw] = entry.display_shape;
        sec.append(el("p", { className: "hint" }, `Shown at 1/${entry.factor} size (${dh}×${dw}, each pixel the mean of a ${entry.factor}×${entry.factor} block) to keep the page quick.`));
      }
      sec.append(mapsRow(entry.name, figs));
    } else if (entry.kind === "strip") {
      const src = entry.array ?? entry.same_as;
      sec.append(strip(entry, arrays[src], mode, explainByName[entry.name], prefix));
    } else {
      const values = Array.from(arrays[entry.array]);
      // pycore only reports scores when the stack ends in dense (+ softmax): the last layer
      const isScores = meta.scores && entry === meta.layers[meta.layers.length - 1];
      if (isScores) sec.append(scoresBlock(meta.scores, !!meta.trained));
      else if (values.length <= SMALL_VECTOR) sec.append(bars(values, { percent: entry.type === "softmax" }));
      else sec.append(barChart(values, entry.name));
      if (!isScores && values.length > SMALL_VECTOR) {
        sec.append(el("p", { className: "hint" }, `${values.length} outputs, one bar each, ${!Number.isFinite(entry.vmin) ? "none of them finite" : `from ${fmt(entry.vmin)} to ${fmt(entry.vmax)}`}.`));
      }
    }
    sections.push(sec);
  }
  box.replaceChildren(...sections);
  box.dataset.renders = String(Number(box.dataset.renders || 0) + 1);
}
