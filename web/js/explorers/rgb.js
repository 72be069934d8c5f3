// A 3-D filter over an RGB input: one k×k slice per colour channel. At the chosen
// position each slice multiplies its own channel's window; the three partial sums
// plus the bias make the output (pycore's rgb_filter). The notebook's demo,
// a seeded uniform(-1, 1) 3×3×3 filter with "same" padding on the image scaled to
// [0, 1], is a preset.
import { el } from "../ui/dom.js";
import { fmt } from "../ui/format.js";
import { selectField, numberField, numberOf } from "../ui/fields.js";
import { grid, sizeCanvas, cellSize, blit, outline, cellAt, drawPadding } from "../ui/canvas.js";
import { onWidthChange } from "../ui/schedule.js";
import { sourcePicker } from "./source-picker.js";
import { matrixEditor, numberTable } from "./tables.js";
import { makeRunner, fieldError } from "./runner.js";
import { hint, kernelChoice } from "./card.js";
import { choices } from "../ui/choices.js";

const CH = ["red", "green", "blue"];

export function mountRGB(card, ctx, name) {
  hint(card, "A colour image is three grids, red, green and blue. A filter for it is three slices deep: each slice is laid over its own channel, giving one partial sum per channel, and the three partial sums plus one bias make a single output value. So one 3-D filter still makes one feature map. Click the output (or focus it and use the arrow keys) to choose a position.");
  const { options } = ctx;
  const lim = options.limits.explorers;
  const source = sourcePicker(ctx, { name, maxSize: lim.VIEW_GRID_MAX, size: 32, rgb: true, allowDigit: false, onChange: () => runner.run() });
  const preset = selectField("Filter", `${name}-preset`, choices(options.rgb_presets), "notebook");
  preset.label.classList.add("wide"); // "random uniform(−1, 1), seeded"
  // three odd sizes (a centre cell for "same"), within pycore's limit
  const size = selectField("Filter size", `${name}-ksize`, [1, 3, 5].filter((k) => k <= lim.MAX_KERNEL).map((k) => [k, `${k}×${k}×3`]), 3);
  const seed = numberField("Seed", `${name}-seed`, 0, { min: 0, max: lim.MAX_SEED });
  const bias = numberField("Bias", `${name}-bias`, 0, { step: "any" });
  const padding = selectField("Padding", `${name}-padding`, [["same", "“same”"], [0, "0 (valid)"]], "same");
  // the arithmetic line names the activation, and has no room for leaky ReLU's slope
  const act = selectField("Activation", `${name}-activation`, choices(options.activations_short, { except: ["leaky_relu"] }), "none");
  const demo = el("button", { type: "button", dataset: { testid: `${name}-demo` } }, "The notebook's random-filter demo");
  const kernel = kernelChoice(() => runner.run());
  const slices = CH.map((c) => matrixEditor({ rows: 3, cols: 3, values: new Array(9).fill(0), digits: 3, testid: `${name}-slice-${c}`, label: `${c} slice`, onChange: kernel.useTyped }));
  const pos = { row: null, col: null };
  preset.input.addEventListener("change", kernel.usePreset);
  size.input.addEventListener("change", () => {
    if (size.input.value !== "3" && preset.input.value === "gray_edge") preset.input.value = "notebook";
    kernel.usePreset();
  });
  seed.input.addEventListener("input", kernel.usePreset);
  bias.input.addEventListener("input", () => runner.run());
  for (const f of [padding, act]) f.input.addEventListener("change", () => runner.run());
  demo.addEventListener("click", () => {
    preset.input.value = "notebook";
    size.input.value = "3";
    seed.input.value = "0";
    bias.input.value = "0";
    padding.input.value = "same";
    act.input.value = "relu";
    if (source.hasImage()) source.set({ source: "image", channel: "rgb", fit: true });
    pos.row = pos.col = null;
    kernel.usePreset();
  });
  const controls = el("div", { class: "x-controls" }, source.element,
    el("fieldset", { class: "source" }, el("legend", {}, "Filter"),
      el("div", { class: "grid2" }, preset.label, size.label, seed.label, bias.label, padding.label, act.label), demo,
      el("p", { class: "hint" }, "The demo: weights drawn uniformly from −1 to 1 (seed 0), 3×3×3, “same” padding, ReLU, on your image with pixel values scaled to 0–1, as in the tutorial.")),
    el("fieldset", { class: "source" }, el("legend", {}, "The filter, one slice per channel (editable)"),
      ...slices.map((s, i) => el("div", { class: `slice slice-${CH[i]}` }, el("p", { class: "hint" }, `${CH[i]} slice`), s.element))));

  const inCanvas = el("canvas", { role: "img", class: "hoverable", dataset: { testid: `${name}-input` }, "aria-label": "The RGB input with the filter's window" });
  const outCanvas = el("canvas", { tabindex: "0", class: "hoverable", dataset: { testid: `${name}-output` }, "aria-label": "The feature map: click or use the arrow keys to choose a position" });
  const outCap = el("figcaption");
  const tables = CH.map((c) => ({ win: numberTable(`${name}-win-${c}`, `${c} window`), w: numberTable(`${name}-w-${c}`, `${c} slice`), p: el("p", { class: "partial", dataset: { testid: `${name}-partial-${c}` } }) }));
  for (const [i, t] of tables.entries()) {
    t.win.element.classList.add(`tint-${"rgb"[i]}`);
    t.w.element.classList.add(`tint-${"rgb"[i]}`);
  }
  const total = el("p", { class: "big-sum", dataset: { testid: `${name}-total` }, "aria-live": "polite" });
  const where = el("p", { class: "arith-where", dataset: { testid: `${name}-where` } });
  const arith = el("div", { class: "arith", dataset: { testid: `${name}-arith` } }, where,
    ...tables.map((t) => el("div", { class: "arith-tables" }, t.win.element, el("span", { class: "op" }, "×"), t.w.element, el("span", { class: "op" }, "→"), t.p)),
    total);
  const stage = el("div", { class: "x-stage" }, el("div", { class: "x-figs" }, el("figure", {}, inCanvas, el("figcaption", {}, "input (orange: padding)")), el("figure", {}, outCanvas, outCap)), arith);
  card.append(el("div", { class: "x-layout" }, controls, stage));

  const own = { bias: bias.input, padding: padding.input, activation: act.input, position: outCanvas, "kernel.preset": preset.input, "kernel.size": size.input, "kernel.seed": seed.input };
  const slicesBox = slices[0].element.closest("fieldset") ?? slices[0].element;
  const controlOf = (f) => {
    if (source.control(f) || own[f]) return source.control(f) ?? own[f];
    if (f.startsWith("position.")) return outCanvas;
    if (f === "kernel" || f.startsWith("kernel.")) return { control: slicesBox, anchor: slicesBox.lastElementChild }; // the typed slices
    return null;
  };
  const runner = makeRunner(ctx, { key: name, fn: "rgb_filter", host: card, source, controls: controlOf, collect: () => {
    const p = source.params();
    p.channel = "rgb";
    if (kernel.typed) {
      const k = slices[0].shape[0];
      const vals = [];
      for (const s of slices) {
        const r = s.read();
        if (r.errors.length) throw fieldError(r.errors[0], "kernel");
        vals.push(...r.values);
      }
      p.kernel = { size: k, values: vals };
    } else p.kernel = { preset: preset.input.value, size: Number(size.input.value), seed: numberOf(seed.input) };
    Object.assign(p, { bias: numberOf(bias.input), padding: padding.input.value === "same" ? "same" : 0, activation: act.input.value });
    if (Number.isNaN(p.bias)) throw fieldError("Bias is empty or not a number.", "bias");
    if (pos.row !== null) p.position = { row: pos.row, col: pos.col };
    return p;
  }, onResult: (result) => {
    const m = result.meta;
    if (!kernel.typed) {
      const k = m.k;
      slices.forEach((s, c) => s.set(Array.from(result.arrays.filter.subarray(c * k * k, (c + 1) * k * k)), k, k));
    }
    pos.row = m.at.row;
    pos.col = m.at.col;
    show(result);
  } });

  let geom = null;
  function show({ meta: m, arrays: a }) {
    const [h, w] = m.in_shape;
    const [ho, wo] = m.out_shape;
    const { top, bottom, left, right } = m.pads;
    const hp = h + top + bottom;
    const wp = w + left + right;
    const avail = Math.max(140, stage.clientWidth - 8);
    const side = avail >= 560 ? Math.min(360, (avail - 24) / 2) : Math.min(360, avail);
    const cell = cellSize(side, Math.max(hp, wp), 3, 28);
    // the input inside its padding band
    const padded = new Float32Array(3 * hp * wp);
    for (let c = 0; c < 3; c++) for (let r = 0; r < h; r++) padded.set(a.input.subarray(c * h * w + r * w, c * h * w + (r + 1) * w), c * hp * wp + (r + top) * wp + left);
    const base = grid(padded, hp, wp, { cell, rgb: true });
    const ic = sizeCanvas(inCanvas, wp * cell, hp * cell);
    blit(ic, base, 0, 0, wp * cell, hp * cell);
    drawPadding(ic, m.pads, hp, wp, cell);
    const k = m.k;
    outline(ic, m.at.row, m.at.col, m.at.row + k, m.at.col + k, cell, { color: "#fff", width: 4 });
    outline(ic, m.at.row, m.at.col, m.at.row + k, m.at.col + k, cell, { color: "#2457c5", width: 2 });
    const oc = sizeCanvas(outCanvas, wo * cell, ho * cell);
    blit(oc, grid(a.output, ho, wo, { cell, mode: "diverging", lo: m.ranges.output[0], hi: m.ranges.output[1] }), 0, 0, wo * cell, ho * cell);
    outline(oc, m.at.row, m.at.col, m.at.row + 1, m.at.col + 1, cell, { color: "#1d2330", width: 2 });
    outCap.textContent = `feature map ${ho}×${wo}: one map from one 3-D filter`;
    geom = { ho, wo };
    const n = k * k;
    tables.forEach((t, c) => {
      t.win.set(a.windows, k, k, { offset: c * n });
      t.w.set(a.filter, k, k, { offset: c * n });
      t.p.textContent = `${CH[c]} partial sum = ${fmt(m.at.partials[c])}`;
      t.p.dataset.value = String(m.at.partials[c]);
    });
    where.textContent = `Position row ${m.at.row}, column ${m.at.col}: the window covers padded rows ${m.at.row}–${m.at.row + k - 1}, columns ${m.at.col}–${m.at.col + k - 1} in all three channels.`;
    const actText = m.activation === "none" ? "" : `; ${m.activation}(z) = ${fmt(m.at.output)}`;
    total.textContent = `${fmt(m.at.partials[0])} + ${fmt(m.at.partials[1])} + ${fmt(m.at.partials[2])} (red + green + blue) + bias ${fmt(m.bias)} = z = ${fmt(m.at.z)}${actText}`.replace(/\+ −/g, "− ");
    total.dataset.z = String(m.at.z);
    total.dataset.output = String(m.at.output);
  }

  const choose = (row, col) => {
    if (!geom) return;
    pos.row = Math.max(0, Math.min(geom.ho - 1, row));
    pos.col = Math.max(0, Math.min(geom.wo - 1, col));
    runner.run();
  };
  outCanvas.addEventListener("click", (ev) => {
    if (!geom) return;
    const c = cellAt(outCanvas, ev, geom.ho, geom.wo);
    if (c) choose(c.row, c.col);
  });
  inCanvas.addEventListener("click", (ev) => {
    const r = runner.last();
    if (!r) return;
    const m = r.meta;
    const hp = m.in_shape[0] + m.pads.top + m.pads.bottom;
    const wp = m.in_shape[1] + m.pads.left + m.pads.right;
    const c = cellAt(inCanvas, ev, hp, wp);
    // centre the window on the clicked cell
    if (c) choose(c.row - Math.floor(m.k / 2), c.col - Math.floor(m.k / 2));
  });
  outCanvas.addEventListener("keydown", (ev) => {
    const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    if (!(ev.key in moves) || pos.row === null) return;
    ev.preventDefault();
    choose(pos.row + moves[ev.key][0], pos.col + moves[ev.key][1]);
  });
  onWidthChange(stage, () => {
    const r = runner.last();
    if (r) show(r);
  }, 80);
  return { runner, source };
}
