// Parameter counts: how many weights a fully connected neuron needs for the current
// image, against a convolution layer's filters (pycore's param_counts). The
// notebook's argument, 100×100 → 10,000 weights per neuron against (5×5)×20 = 500,
// is a preset.
import { el } from "../ui/dom.js";
import { fmtInt as int } from "../ui/format.js";
import { numberField, numberOf } from "../ui/fields.js";
import { makeRunner } from "./runner.js";
import { hint } from "./card.js";

export function mountParams(card, ctx, name) {
  hint(card, "A fully connected neuron has one weight for every input value: every pixel of every channel. A convolution filter has one weight per cell of its small window (times the channels), and the same weights are reused at every position of the image.");
  const max = ctx.options.limits.explorers.PARAM_COUNTS;
  const H = numberField("Image height", `${name}-height`, 100, { min: 1, max: max.height });
  const W = numberField("Image width", `${name}-width`, 100, { min: 1, max: max.width });
  const C = numberField("Channels", `${name}-channels`, 1, { min: 1, max: max.channels, hint: "1 gray, 3 RGB" });
  const N = numberField("Filters", `${name}-filters`, 20, { min: 1, max: max.filters });
  const K = numberField("Filter size k (k×k)", `${name}-k`, 5, { min: 1, max: max.kernel_size });
  const M = numberField("Fully connected neurons", `${name}-neurons`, 1, { min: 1, max: max.neurons });
  for (const f of [H, W, C, N, K, M]) f.input.addEventListener("input", () => runner.run());
  const mine = el("button", { type: "button", dataset: { testid: `${name}-mine` } }, "Use my image's size");
  const notebook = el("button", { type: "button", class: "secondary", dataset: { testid: `${name}-notebook` } }, "The tutorial's example (100×100, twenty 5×5 filters)");
  const setAll = (v) => {
    for (const [f, x] of [[H, v.h], [W, v.w], [C, v.c], [N, v.n], [K, v.k], [M, v.m]]) if (x !== undefined) f.input.value = String(x);
    runner.run();
  };
  let touched = false;
  for (const f of [H, W, C, N, K, M]) f.input.addEventListener("input", () => (touched = true));
  const useImage = () => {
    const img = ctx.getImage();
    if (!img) {
      runner.notice("No image yet: load one in the “Convolution & pooling” tab.");
      return;
    }
    setAll({ h: img.height, w: img.width, c: 3 });
  };
  mine.addEventListener("click", () => {
    touched = true;
    useImage();
  });
  notebook.addEventListener("click", () => {
    touched = true;
    setAll({ h: 100, w: 100, c: 1, n: 20, k: 5, m: 1 });
  });
  ctx.onImage(() => setTimeout(() => !touched && useImage(), 0));
  if (ctx.getImage()) setTimeout(useImage, 0); // loaded before Python was up (and this explorer mounted)
  const out = el("div", { class: "pc-out", dataset: { testid: `${name}-out` }, "aria-live": "polite" });
  card.append(el("div", { class: "x-layout" },
    el("div", { class: "x-controls" }, el("div", { class: "grid2" }, H.label, W.label, C.label, N.label, K.label, M.label),
      el("div", { class: "add-filter" }, mine, notebook)),
    el("div", { class: "x-stage" }, out)));

  const own = { height: H.input, width: W.input, channels: C.input, filters: N.input, kernel_size: K.input, neurons: M.input };
  const runner = makeRunner(ctx, { key: name, fn: "param_counts", host: card, controls: (f) => own[f] ?? null, collect: () => ({
    height: numberOf(H.input), width: numberOf(W.input), channels: numberOf(C.input),
    filters: numberOf(N.input), kernel_size: numberOf(K.input), neurons: numberOf(M.input),
  }), onResult: ({ meta: m }) => {
    const fc = m.fc;
    const cv = m.conv;
    const big = Math.max(fc.weights, cv.weights);
    const bar = (cls, n) => el("div", { class: `bar ${cls}`, style: `width:${Math.max(0.3, (100 * n) / big)}%` });
    const chans = m.channels === 1 ? "" : ` × ${m.channels}`;
    const ratio = m.ratio >= 1 ? `${int(Math.round(m.ratio * 10) / 10)} times as many weights as` : `${int(Math.round(10 / m.ratio) / 10)} times fewer weights than`;
    out.replaceChildren(
      el("div", { class: "pc-wrap" }, el("table", { class: "pc-table" },
        el("thead", {}, el("tr", {}, el("th", {}, "layer"), el("th", {}, "how"), el("th", {}, "weights"), el("th", {}, "+ biases"))),
        el("tbody", {},
          el("tr", { dataset: { testid: `${name}-fc-neuron` } }, el("th", {}, "one fully connected neuron"), el("td", {}, `${m.height} × ${m.width}${chans}`), el("td", { class: "n" }, int(fc.weights_per_neuron)), el("td", { class: "n" }, "1")),
          fc.neurons > 1 ? el("tr", { dataset: { testid: `${name}-fc-layer` } }, el("th", {}, `${fc.neurons} such neurons`), el("td", {}, `${int(fc.weights_per_neuron)} × ${fc.neurons}`), el("td", { class: "n" }, int(fc.weights)), el("td", { class: "n" }, int(fc.biases))) : null,
          el("tr", { dataset: { testid: `${name}-conv` } }, el("th", {}, `a conv layer of ${cv.filters} filters`), el("td", {}, `(${m.kernel_size} × ${m.kernel_size}${chans}) × ${cv.filters}`), el("td", { class: "n" }, int(cv.weights)), el("td", { class: "n" }, int(cv.biases)))))),
      el("div", { class: "pc-bars", "aria-hidden": "true" },
        el("div", { class: "pc-bar" }, el("span", {}, `fully connected: ${int(fc.weights)}`), bar("fc", fc.weights)),
        el("div", { class: "pc-bar" }, el("span", {}, `convolution: ${int(cv.weights)}`), bar("conv", cv.weights))),
      el("p", { class: "big-sum", dataset: { testid: `${name}-verdict` } },
        `${fc.neurons === 1 ? "One fully connected neuron" : `${fc.neurons} fully connected neurons`} on a ${m.height}×${m.width}${m.channels > 1 ? `×${m.channels}` : ""} input need${fc.neurons === 1 ? "s" : ""} ${int(fc.weights)} weights: ${ratio} all ${cv.filters} filters of ${m.kernel_size}×${m.kernel_size}${chans} together (${int(cv.weights)}). And the filter count does not grow with the image: a bigger photo needs more fully connected weights, but the same filters.`),
    );
    out.dataset.fc = String(fc.weights);
    out.dataset.conv = String(cv.weights);
  } });
  return { runner };
}
