// The sliding window: a filter steps over a small grid, the feature map fills in
// cell by cell, and each position's arithmetic is shown in numbers. pycore computes
// every position at once (pycore's window_steps); stepping only draws.
import { el } from "../ui/dom.js";
import { fmt } from "../ui/format.js";
import { selectField, numberField, numberOf } from "../ui/fields.js";
import { grid, sizeCanvas, drawPadding, outline, cellSize, blit, drawMapUpTo, drawNumbers, cellAt } from "../ui/canvas.js";
import { Player } from "../ui/player.js";
import { onWidthChange } from "../ui/schedule.js";
import { sourcePicker } from "./source-picker.js";
import { matrixEditor, numberTable, gridTable } from "./tables.js";
import { makeRunner, fieldError } from "./runner.js";
import { hint, kernelChoice, typedKernel, kernelControl } from "./card.js";
import { choices, wholeRange } from "../ui/choices.js";

// The fixed 3×3 kernels of pycore's library this explorer offers, in its order.
const FIXED3 = ["edge", "sharpen", "blur", "sobel_x", "sobel_y", "laplacian", "emboss", "outline", "identity"];

/**
 * The kernel presets for a k×k kernel: at 3, the fixed ones above; then pycore's kernels
 * made at any odd size, then at any size.
 * @param {number} k
 * @param {{value: string, sizes: string}[]} kernels  pycore's options.kernels
 */
export function presetsFor(k, kernels) {
  const sized = (how) => kernels.filter((x) => x.sizes === how).map((x) => x.value);
  const names = [...(k === 3 ? FIXED3 : []), ...(k % 2 ? sized("odd") : []), ...sized("any")];
  return choices(kernels, { only: names, label: (e) => (e.value === "random" ? "random uniform(−1, 1)" : e.value) });
}

const ACT_TEXT = {
  none: (z) => `no activation: output = z = ${fmt(z)}`,
  relu: (z, a) => `ReLU: max(0, ${fmt(z)}) = ${fmt(a)}`,
  leaky_relu: (z, a, s) => `leaky ReLU: ${z < 0 ? `${fmt(s)} × ${fmt(z)}` : fmt(z)} = ${fmt(a)}`,
  sigmoid: (z, a) => `sigmoid: 1 / (1 + e^(−${fmt(z)})) = ${fmt(a)}`,
  tanh: (z, a) => `tanh(${fmt(z)}) = ${fmt(a)}`,
};

export function mountSliding(card, ctx, name) {
  hint(card, "A filter is laid over the input, each weight multiplies the value under it, the products are summed, a bias is added and an activation applied: one output value. Then the filter slides by the stride and does it again, until the feature map is full. Padding (orange) adds cells around the border first.");

  // ------------------------------------------------------------------ controls
  const { options } = ctx;
  const lim = options.limits.explorers;
  const L = lim.SLIDING;
  const source = sourcePicker(ctx, { name, maxSize: lim.STEP_GRID_MAX, size: 10, onChange: () => runner.run() });
  const kSize = selectField("Kernel size", `${name}-ksize`, wholeRange(1, L.kernel_size).map((k) => [k, `${k}×${k}`]), 3);
  const preset = selectField("Kernel", `${name}-preset`, presetsFor(3, options.kernels), "edge");
  const kSeed = numberField("Kernel seed", `${name}-kseed`, 0, { min: 0, max: lim.MAX_SEED });
  const bias = numberField("Bias", `${name}-bias`, 0, { step: "any" });
  bias.input.removeAttribute("inputmode");
  // A few small values of each (enough to see the effect), within pycore's limits.
  const stride = selectField("Stride", `${name}-stride`, wholeRange(1, L.stride, 4).map((s) => [s, String(s)]), 1);
  const padding = selectField("Padding", `${name}-padding`, [...wholeRange(0, L.padding, 4).map((p) => [p, p ? String(p) : "0 (valid)"]), ["same", "“same”"]], 0);
  // short labels: the fields are half of a 22rem column (the arithmetic panel spells each one out)
  const mode = selectField("Padding mode", `${name}-mode`, choices(options.padding_modes, { label: (e) => e.value }), "zeros");
  const dilation = selectField("Dilation", `${name}-dilation`, wholeRange(1, L.dilation, 3).map((d) => [d, String(d)]), 1);
  const act = selectField("Activation", `${name}-activation`, choices(options.activations_short), "none");
  const kernel = kernelChoice(() => runner.run());
  const editor = matrixEditor({
    rows: 3, cols: 3, values: [2, 4, -2, 4, 0, -4, 2, -4, -2], testid: `${name}-kernel`, label: "Kernel",
    onChange: kernel.useTyped,
  });
  preset.label.classList.add("wide"); // "random uniform(−1, 1)"
  const kSeedRow = kSeed.label;
  const syncSeed = () => (kSeedRow.hidden = preset.input.value !== "random");
  kSize.input.addEventListener("change", () => {
    const k = Number(kSize.input.value);
    const opts = presetsFor(k, options.kernels);
    const keep = opts.some(([v]) => v === preset.input.value);
    preset.input.replaceChildren(...opts.map(([v, t]) => new Option(t, v)));
    preset.input.value = keep ? preset.input.value : opts.some(([v]) => v === "box") ? "box" : "random";
    syncSeed();
    kernel.usePreset();
  });
  preset.input.addEventListener("change", () => {
    syncSeed();
    kernel.usePreset();
  });
  kSeed.input.addEventListener("input", kernel.usePreset);
  for (const f of [stride, padding, mode, dilation, act]) f.input.addEventListener("change", () => runner.run());
  bias.input.addEventListener("input", () => runner.run());
  syncSeed();

  const controls = el("div", { class: "x-controls" },
    source.element,
    el("fieldset", { class: "source" }, el("legend", {}, "Filter"),
      el("div", { class: "grid2" }, kSize.label, bias.label, preset.label, kSeed.label),
      el("p", { class: "hint" }, "Edit any weight; numbers and fractions like 1/16."), editor.element),
    el("fieldset", { class: "source" }, el("legend", {}, "How it slides"),
      el("div", { class: "grid2" }, stride.label, dilation.label, padding.label, mode.label, act.label)),
  );

  // ------------------------------------------------------------------ stage
  const inCanvas = el("canvas", { dataset: { testid: `${name}-input` }, role: "img", "aria-label": "The input grid with the filter's window outlined" });
  const outCanvas = el("canvas", { tabindex: "0", class: "hoverable", dataset: { testid: `${name}-output` }, role: "img",
    "aria-label": "The feature map, filled up to the current position. Click a cell to move the window there, or use the arrow keys to choose a cell and Enter to jump." });
  // the grids as tables for screen readers (the canvases are pictures of them)
  const inTable = gridTable(`${name}-input-table`);
  const outTable = gridTable(`${name}-output-table`);
  // what one kernel weight touches over the whole slide (hover or focus a weight)
  const weightNote = el("p", { class: "hint x-weight-note", dataset: { testid: `${name}-weight-note` }, "aria-live": "polite" },
    "Hover over or focus a weight to see every input cell it multiplies.");
  const inCap = el("figcaption", {});
  const outCap = el("figcaption", {});
  const winT = numberTable(`${name}-window`, "window values");
  const kerT = numberTable(`${name}-kernel-shown`, "kernel");
  const prodT = numberTable(`${name}-products`, "products");
  const line = (testid) => el("li", { dataset: { testid } });
  const sumL = line(`${name}-sum`);
  const zL = line(`${name}-z`);
  const actL = line(`${name}-act`);
  const outL = line(`${name}-out`);
  const where = el("p", { class: "arith-where", dataset: { testid: `${name}-where` } });
  const arith = el("div", { class: "arith", role: "group", dataset: { testid: `${name}-arith` }, "aria-label": "The arithmetic at this position" },
    where,
    el("div", { class: "arith-tables" }, winT.element, el("span", { class: "op", "aria-hidden": "true" }, "×"), kerT.element,
      el("span", { class: "op", "aria-hidden": "true" }, "="), prodT.element),
    el("ol", { class: "arith-lines" }, sumL, zL, actL, outL));
  const formula = el("div", { class: "formula", dataset: { testid: `${name}-formula` } });
  const check = el("p", { class: "hint", dataset: { testid: `${name}-check` } });

  let data = null; // {meta, arrays}
  let bases = null; // offscreen grids for the current data and cell size
  let chosen = null; // {row, col} on the output, while the output has the keyboard focus
  let weight = null; // {row, col} of the kernel weight hovered or focused, or null
  const player = new Player(name, {
    speed: 4,
    render: (i) => drawStep(i),
    announce: (i) => {
      if (!data) return "";
      const [ho, wo] = data.meta.out_shape;
      const o = data.arrays.outputs[i];
      return `Position ${i + 1} of ${ho * wo}: output row ${Math.floor(i / wo)}, column ${i % wo} = ${fmt(o)}`;
    },
  });
  const stage = el("div", { class: "x-stage", role: "group", tabindex: "0", dataset: { testid: `${name}-stage` },
    "aria-label": "Sliding window. Arrow keys step, space plays or pauses, Home and End jump." },
  player.element,
  el("div", { class: "x-figs" }, el("figure", {}, inCanvas, inCap, inTable.element), el("figure", {}, outCanvas, outCap, outTable.element)),
  weightNote, arith, formula, check);
  player.bindKeys(stage);
  card.append(el("div", { class: "x-layout" }, controls, stage));

  // ------------------------------------------------------------------ compute
  const own = { bias: bias.input, stride: stride.input, dilation: dilation.input, padding: padding.input, padding_mode: mode.input, activation: act.input };
  const controlOf = (field) => source.control(field) ?? own[field] ??
    kernelControl(field, editor, { preset: preset.input, size: kSize.input, seed: kSeed.input });
  const runner = makeRunner(ctx, { key: name, fn: "window_steps", host: card, source, collect, onResult, controls: controlOf });

  function onResult(result) {
    const fresh = !data || data.meta.positions !== result.meta.positions;
    data = result;
    if (!kernel.typed) editor.set(Array.from(result.arrays.kernel), ...result.meta.kernel_shape);
    bases = null;
    layout();
    const [kh, kw] = result.meta.kernel_shape;
    if (weight && (weight.row >= kh || weight.col >= kw)) weight = null;
    const [ho, wo] = result.meta.out_shape;
    if (chosen) chosen = { row: Math.min(chosen.row, ho - 1), col: Math.min(chosen.col, wo - 1) };
    player.setCount(result.meta.positions, !fresh);
    if (weight) showWeight(weight); // its cells for the new settings
    const g = result.meta.geometry;
    formula.replaceChildren(
      el("p", {}, el("strong", {}, `Feature map ${result.meta.out_shape[0]}×${result.meta.out_shape[1]}`),
        ` from a ${result.meta.in_shape[0]}×${result.meta.in_shape[1]} input, ${result.meta.kernel_shape[0]}×${result.meta.kernel_shape[1]} kernel, stride ${result.meta.stride}, dilation ${result.meta.dilation}:`),
      el("ul", {}, el("li", {}, "rows: ", el("code", {}, g.rows.formula), g.rows.dropped ? ` — the last ${g.rows.dropped} padded row${g.rows.dropped > 1 ? "s are" : " is"} never reached` : ""),
        el("li", {}, "columns: ", el("code", {}, g.cols.formula), g.cols.dropped ? ` — the last ${g.cols.dropped} padded column${g.cols.dropped > 1 ? "s are" : " is"} never reached` : "")));
    check.textContent = result.meta.agrees_with_conv2d
      ? `Every one of the ${result.meta.positions} sums matches pycore's conv2d on the same input (computed in ${result.ms.toFixed(1)} ms).`
      : "Warning: these sums differ from pycore's conv2d.";
  }

  function collect() {
    const p = source.params();
    const k = Number(kSize.input.value);
    p.kernel = kernel.typed ? typedKernel(editor) : { preset: preset.input.value, size: k, seed: numberOf(kSeed.input) };
    const pad = padding.input.value;
    Object.assign(p, {
      bias: numberOf(bias.input), stride: Number(stride.input.value), padding: pad === "same" ? "same" : Number(pad),
      padding_mode: mode.input.value, dilation: Number(dilation.input.value), activation: act.input.value,
    });
    if (Number.isNaN(p.bias)) throw fieldError("Bias is empty or not a number.", "bias");
    return p;
  }

  // ------------------------------------------------------------------ drawing
  let cell = 20;
  let outCell = 20;
  function layout() {
    if (!data) return;
    const m = data.meta;
    const [hp, wp] = m.padded_shape;
    const [ho, wo] = m.out_shape;
    const avail = Math.max(140, stage.clientWidth - 8);
    const side = avail >= 560 ? Math.min(420, (avail - 24) / 2) : Math.min(420, avail);
    const c = cellSize(side, Math.max(hp, wp), 5, 44);
    const oc = cellSize(side, Math.max(ho, wo), 5, 44);
    const key = `${c}|${oc}`;
    if (bases && bases.key === key && bases.data === data) return;
    cell = c;
    outCell = Math.min(oc, Math.max(c, oc));
    const a = data.arrays;
    const numbers = c >= 28;
    const input = grid(a.padded, hp, wp, { cell, mode: "gray", lo: m.ranges.input[0], hi: m.ranges.input[1] });
    drawPadding(input.getContext("2d"), m.pads, hp, wp, cell);
    if (numbers) drawNumbers(input, a.padded, hp, wp, cell); // over the tint, in a colour that reads on it
    const out = grid(a.outputs, ho, wo, { cell: outCell, mode: "diverging", lo: m.ranges.output[0], hi: m.ranges.output[1], numbers: outCell >= 28 });
    bases = { key, data, input, out };
    inCap.textContent = `input ${m.in_shape[0]}×${m.in_shape[1]}${m.pads.top + m.pads.bottom + m.pads.left + m.pads.right ? `, padded to ${hp}×${wp} (${m.padding_mode})` : ""}`;
    outCap.textContent = `feature map ${ho}×${wo} (red +, blue −)`;
    inTable.set(a.padded, hp, wp, `The input${hp !== m.in_shape[0] || wp !== m.in_shape[1] ? `, padded to ${hp}×${wp}` : ""} (${hp} rows, ${wp} columns)`);
    outTable.set(a.outputs, ho, wo, `The feature map, every position (${ho} rows, ${wo} columns)`);
  }

  function drawStep(i) {
    if (!data) return;
    layout();
    const m = data.meta;
    const a = data.arrays;
    const [hp, wp] = m.padded_shape;
    const [ho, wo] = m.out_shape;
    const [kh, kw] = m.kernel_shape;
    const d = m.dilation;
    // input + window
    const ic = sizeCanvas(inCanvas, wp * cell, hp * cell);
    blit(ic, bases.input, 0, 0, wp * cell, hp * cell);
    const r0 = a.rows[i];
    const c0 = a.cols[i];
    const spanH = d * (kh - 1) + 1;
    const spanW = d * (kw - 1) + 1;
    outline(ic, r0, c0, r0 + spanH, c0 + spanW, cell, { color: "#2457c5", width: Math.max(2, Math.min(4, cell / 6)), fill: cell >= 28 ? null : "rgba(36, 87, 197, 0.12)" });
    if (d > 1) {
      ic.save();
      ic.strokeStyle = "#2457c5";
      ic.lineWidth = 1.5;
      for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) ic.strokeRect((c0 + x * d) * cell + 2, (r0 + y * d) * cell + 2, cell - 4, cell - 4);
      ic.restore();
    }
    if (weight) markTouched(ic, weight);
    // feature map so far, and the cell chosen with the keyboard
    const { row: oi, col: oj } = drawMapUpTo(outCanvas, bases.out, i, ho, wo, outCell, Math.max(2, Math.min(3, outCell / 5)));
    if (chosen && (chosen.row !== oi || chosen.col !== oj)) {
      outline(outCanvas.getContext("2d"), chosen.row, chosen.col, chosen.row + 1, chosen.col + 1, outCell, { color: "#b0006d", width: 2, dash: [4, 3] });
    }
    outCanvas.dataset.chosen = chosen ? `${chosen.row},${chosen.col}` : "";
    // arithmetic
    const n = kh * kw;
    const hi = weight ? weight.row * kw + weight.col : -1;
    winT.set(a.windows, kh, kw, { offset: i * n, highlight: hi });
    kerT.set(a.kernel, kh, kw, { highlight: hi });
    prodT.set(a.products, kh, kw, { offset: i * n, highlight: hi });
    const s = a.sums[i];
    const z = a.z[i];
    const o = a.outputs[i];
    where.textContent = `Window at padded rows ${r0}–${r0 + spanH - 1}, columns ${c0}–${c0 + spanW - 1}${d > 1 ? ` (every ${d}${d === 2 ? "nd" : "rd"} cell)` : ""} → output row ${oi}, column ${oj}.`;
    sumL.textContent = `sum of the ${n} products = ${fmt(s)}`;
    zL.textContent = `+ bias ${fmt(m.bias)} → z = ${fmt(z)}`;
    actL.textContent = ACT_TEXT[m.activation](z, o, m.negative_slope);
    outL.textContent = `output[${oi}, ${oj}] = ${fmt(o)}`;
    outL.dataset.value = String(o);
    sumL.dataset.value = String(s);
    zL.dataset.value = String(z);
  }

  onWidthChange(stage, () => {
    if (!data) return;
    layout();
    player.go(player.index, { quiet: true });
  }, 50);

  // ------------------------------------------------------------------ direct manipulation
  // An output cell is the result of one step: clicking it (or choosing it with the arrow
  // keys, then Enter) moves the window to that step.
  const outShape = () => data.meta.out_shape;
  function jumpTo(row, col) {
    const [, wo] = outShape();
    player.pause();
    chosen = outCanvas.matches(":focus") ? { row, col } : null;
    player.go(row * wo + col);
  }
  outCanvas.addEventListener("click", (ev) => {
    if (!data || stage.classList.contains("x-stale")) return;
    const [ho, wo] = outShape();
    const c = cellAt(outCanvas, ev, ho, wo);
    if (c) jumpTo(c.row, c.col);
  });
  outCanvas.addEventListener("focus", () => {
    if (!data) return;
    const [, wo] = outShape();
    chosen = { row: Math.floor(player.index / wo), col: player.index % wo };
    player.go(player.index, { quiet: true });
  });
  outCanvas.addEventListener("blur", () => {
    chosen = null;
    if (data) player.go(player.index, { quiet: true });
  });
  outCanvas.addEventListener("keydown", (ev) => {
    if (!data || !chosen || stage.classList.contains("x-stale")) return;
    const [ho, wo] = outShape();
    const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    if (ev.key in moves) {
      chosen = { row: Math.max(0, Math.min(ho - 1, chosen.row + moves[ev.key][0])), col: Math.max(0, Math.min(wo - 1, chosen.col + moves[ev.key][1])) };
      player.live.textContent = `Chosen: output row ${chosen.row}, column ${chosen.col}. Enter moves the window there.`;
      player.go(player.index, { quiet: true });
    } else if (ev.key === "Enter" || ev.key === " ") jumpTo(chosen.row, chosen.col);
    else return;
    ev.preventDefault();
    ev.stopPropagation(); // the stage's keys step the player; here they move the chosen cell
  });

  // A kernel weight multiplies one input cell at every step: hovering or focusing it marks
  // all of them on the input (as in ezyang's convolution visualizer).
  function touchedCells({ row, col }) {
    const { rows, cols } = data.arrays;
    const d = data.meta.dilation;
    const cells = new Set();
    for (let i = 0; i < rows.length; i++) cells.add(`${rows[i] + row * d},${cols[i] + col * d}`);
    return [...cells].map((t) => t.split(",").map(Number));
  }
  function markTouched(ic, w) {
    const cells = touchedCells(w);
    const inset = Math.max(1.5, cell * 0.08);
    ic.save();
    ic.lineWidth = Math.max(2, Math.min(3, cell / 8));
    for (const [r, c] of cells) {
      ic.strokeStyle = "#fff";
      ic.strokeRect(c * cell + inset, r * cell + inset, cell - 2 * inset, cell - 2 * inset);
      ic.strokeStyle = "#b0006d";
      ic.setLineDash([]);
      ic.strokeRect(c * cell + inset + 1, r * cell + inset + 1, cell - 2 * inset - 2, cell - 2 * inset - 2);
    }
    ic.restore();
  }
  function showWeight(w) {
    if (!data) return;
    weight = w;
    const m = data.meta;
    if (!w) {
      weightNote.textContent = "Hover over or focus a weight to see every input cell it multiplies.";
      delete weightNote.dataset.count;
      delete weightNote.dataset.cells;
      delete weightNote.dataset.weight;
    } else {
      const cells = touchedCells(w);
      const [hp, wp] = m.padded_shape;
      const { top, left } = m.pads;
      const inPad = cells.filter(([r, c]) => r < top || c < left || r >= hp - m.pads.bottom || c >= wp - m.pads.right).length;
      const value = data.arrays.kernel[w.row * m.kernel_shape[1] + w.col];
      weightNote.textContent = `The weight at row ${w.row + 1}, column ${w.col + 1} (${fmt(value)}) multiplies ${cells.length} input cell${cells.length === 1 ? "" : "s"}, one at each of the ${m.positions} positions (outlined in pink)${inPad ? `; ${inPad} of them ${inPad === 1 ? "is" : "are"} padding` : ""}.`;
      weightNote.dataset.count = String(cells.length);
      weightNote.dataset.cells = cells.map((c) => c.join(",")).join(" ");
      weightNote.dataset.weight = `${w.row},${w.col}`;
    }
    player.go(player.index, { quiet: true });
  }
  const weightOf = (t) => {
    if (t?.dataset?.row !== undefined && t.matches?.("input")) return { row: Number(t.dataset.row), col: Number(t.dataset.col) };
    const td = t?.closest?.("td");
    if (!td || !kerT.element.contains(td)) return null;
    return { row: td.parentElement.sectionRowIndex, col: td.cellIndex };
  };
  for (const host of [editor.element, kerT.element]) {
    host.addEventListener("pointerover", (ev) => {
      const w = weightOf(ev.target);
      if (w && (!weight || w.row !== weight.row || w.col !== weight.col)) showWeight(w);
    });
    host.addEventListener("pointerleave", () => !host.contains(document.activeElement) && showWeight(null));
    host.addEventListener("focusin", (ev) => showWeight(weightOf(ev.target)));
    host.addEventListener("focusout", () => showWeight(null));
  }

  // ------------------------------------------------------------------ benchmark hook
  /**
   * Step as fast as possible with the arithmetic panel showing, on a 32x32 input.
   * mode "sync": N steps back to back, each followed by a forced layout;
   * mode "frames": one step per animation frame for `seconds` (capped by the display).
   * @returns {Promise<{stepsPerSecond:number, steps:number, ms:number, input:number[], positions:number, mode:string, maxStepMs:number}>}
   */
  async function bench({ steps = 600, mode: how = "sync", seconds = 2 } = {}) {
    if (location.hash.split("?")[0] !== "#explore") {
      location.hash = "#explore";
      await new Promise((r) => setTimeout(r, 50));
    }
    source.set({ source: "random", size: 32, seed: 0 });
    kSize.input.value = "3";
    kSize.input.dispatchEvent(new Event("change"));
    preset.input.value = "edge";
    kernel.usePreset();
    padding.input.value = "same";
    stride.input.value = "1";
    dilation.input.value = "1";
    act.input.value = "relu";
    player.pause();
    for (let tries = 0; tries < 5 && !(data && data.meta.in_shape[0] === 32 && data.meta.padding === "same"); tries++) {
      await new Promise((r) => setTimeout(r, 20)); // let the controls' own (debounced) run go first
      await runner.now();
    }
    if (!data || data.meta.in_shape[0] !== 32) throw new Error("the 32×32 input did not compute");
    arith.scrollIntoView({ block: "center" });
    await new Promise((r) => requestAnimationFrame(() => r()));
    const P = data.meta.positions;
    let maxStep = 0;
    if (how === "frames") {
      let count = 0;
      const t0 = performance.now();
      await new Promise((resolve) => {
        const tick = (now) => {
          const s0 = performance.now();
          player.go((player.index + 1) % P, { quiet: true });
          arith.getBoundingClientRect();
          maxStep = Math.max(maxStep, performance.now() - s0);
          count++;
          if (now - t0 < seconds * 1000) requestAnimationFrame(tick);
          else resolve();
        };
        requestAnimationFrame(tick);
      });
      const ms = performance.now() - t0;
      return { stepsPerSecond: (count * 1000) / ms, steps: count, ms, input: data.meta.in_shape, positions: P, mode: how, maxStepMs: maxStep };
    }
    const t0 = performance.now();
    for (let j = 0; j < steps; j++) {
      const s0 = performance.now();
      player.go((j + 1) % P, { quiet: true });
      arith.getBoundingClientRect(); // force style and layout of the updated numbers
      maxStep = Math.max(maxStep, performance.now() - s0);
    }
    const ms = performance.now() - t0;
    return { stepsPerSecond: (steps * 1000) / ms, steps, ms, input: data.meta.in_shape, positions: P, mode: how, maxStepMs: maxStep };
  }

  return { bench, player, source, runner };
}
