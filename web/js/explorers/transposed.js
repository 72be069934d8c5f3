// Transposed convolution: each input cell stamps the kernel onto a bigger output, the
// stamps `stride` apart. Drawn the way conv_arithmetic animates it: the input spread out
// with stride − 1 zeros between its cells and a border of k − 1 − padding zeros, and the
// flipped kernel sliding over that with stride 1; the output grows step by step. pycore
// computes every position at once (pycore's transposed_steps, checked there against
// pycore.conv_transpose2d); stepping only draws.
import { el } from "../ui/dom.js";
import { fmt, plural } from "../ui/format.js";
import { selectField } from "../ui/fields.js";
import { grid, sizeCanvas, outline, cellSize, blit, drawMapUpTo } from "../ui/canvas.js";
import { Player } from "../ui/player.js";
import { onWidthChange } from "../ui/schedule.js";
import { choices, wholeRange } from "../ui/choices.js";
import { colorOf, modeRange } from "../ui/colormap.js";
import { numberTable } from "./tables.js";
import { makeRunner } from "./runner.js";
import { hint } from "./card.js";

const FN = "transposed_steps";
// The colour of each kind of zero in the spread-out input (pycore's SPREAD_KINDS names
// them, in meta.kinds; explorers.css's .swatch.tr-* match); input cells show their value.
const FILLS = { inserted: "#f1f2f5", border: "#f7d9a6", output_padding: "#ddd0f4" };
const INK = { dark: "#1d2330", light: "#ffffff", zero: "#5b6170" };

/** A number as a factor in a sum of products: negative ones in brackets. */
const factor = (v) => (v < 0 ? `(${fmt(v)})` : fmt(v));

/** Black or white, whichever contrasts more with the colour [r, g, b] (WCAG relative luminance). */
function inkOn([r, g, b]) {
  const lin = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  const L = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  return (L + 0.05) / 0.05 >= 1.05 / (L + 0.05) ? INK.dark : INK.light;
}

/**
 * Write each cell's number on a grid from canvas.js's grid() (whole numbers as they are:
 * these grids hold whole numbers; grid()'s own labels round to a decimal).
 * @param {(i: number) => string} ink  the text colour of cell i
 */
function writeNumbers(base, values, h, w, cell, ink) {
  const ctx = base.getContext("2d");
  ctx.save();
  ctx.font = `${Math.max(8, Math.floor(cell * 0.36))}px ui-monospace, monospace`;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  for (let i = 0; i < h * w; i++) {
    const v = values[i];
    ctx.fillStyle = ink(i);
    ctx.fillText(Number.isInteger(v) ? String(v).replace("-", "−") : fmt(v), (i % w) * cell + cell / 2, Math.floor(i / w) * cell + cell / 2);
  }
  ctx.restore();
}

/** writeNumbers on a grid painted in `mode` over [lo, hi]: ink by each cell's colour. */
function numbersOn(base, values, h, w, cell, mode, lo, hi) {
  const range = modeRange(mode, lo, hi);
  writeNumbers(base, values, h, w, cell, (i) => inkOn(colorOf(mode, values[i], range.lo, range.hi)));
}

export function mountTransposed(card, ctx, name) {
  hint(card, "A transposed convolution makes a small map bigger (it is how decoders and GANs upsample). Each input cell stamps the kernel, times its value, onto the output, the stamps stride cells apart, added where they overlap. The same numbers come from a plain convolution: spread the input out with stride − 1 zeros between its cells, add a border of kernel size − 1 − padding zeros, and slide the flipped kernel over it one cell at a time.");

  // ------------------------------------------------------------------ controls
  const { options } = ctx;
  const L = options.limits.explorers.TRANSPOSED;
  const inSize = selectField("Input size", `${name}-size`, wholeRange(2, L.size).map((n) => [n, `${n}×${n}`]), 3);
  const inVals = selectField("Input values", `${name}-input`, choices(options.transposed_inputs), "count");
  const kSize = selectField("Kernel size", `${name}-ksize`, wholeRange(1, L.kernel_size).map((k) => [k, `${k}×${k}`]), 3);
  const kVals = selectField("Kernel values", `${name}-kernel`, choices(options.transposed_kernels), "ones");
  const stride = selectField("Stride", `${name}-stride`, wholeRange(1, L.stride).map((s) => [s, String(s)]), 2);
  const padding = selectField("Padding", `${name}-padding`, wholeRange(0, L.padding).map((p) => [p, String(p)]), 0);
  const outPad = selectField("Output padding", `${name}-outpad`, wholeRange(0, L.output_padding).map((p) => [p, String(p)]), 0);
  const all = [inSize, inVals, kSize, kVals, stride, padding, outPad];
  for (const f of all) f.input.addEventListener("change", () => runner.run());
  const controls = el("div", { class: "x-controls" },
    el("fieldset", { class: "source" }, el("legend", {}, "Input and kernel"),
      el("div", { class: "grid2" }, inSize.label, inVals.label, kSize.label, kVals.label)),
    el("fieldset", { class: "source" }, el("legend", {}, "How it spreads"),
      el("div", { class: "grid2" }, stride.label, padding.label, outPad.label),
      el("p", { class: "hint" }, "Output padding adds rows and columns at the bottom and right; it must be smaller than the stride.")),
  );
  const fields = {
    size: { input: inSize.input, name: "Input size" }, input: { input: inVals.input, name: "Input values" },
    kernel_size: { input: kSize.input, name: "Kernel size" }, kernel: { input: kVals.input, name: "Kernel values" },
    stride: { input: stride.input, name: "Stride" }, padding: { input: padding.input, name: "Padding" },
    output_padding: { input: outPad.input, name: "Output padding" },
  };

  // ------------------------------------------------------------------ stage
  const fig = (testid, label) => {
    const canvas = el("canvas", { dataset: { testid }, role: "img", "aria-label": label });
    const caption = el("figcaption", {});
    return { canvas, caption, element: el("figure", {}, canvas, caption) };
  };
  const inFig = fig(`${name}-input`, "The input; the cells under the window are outlined");
  const spreadFig = fig(`${name}-spread`, "The input spread out with zeros, the flipped kernel's window outlined");
  const outFig = fig(`${name}-output`, "The output, filled up to the current position");
  const swatch = (cls, text) => el("span", {}, el("span", { class: `swatch ${cls}`, "aria-hidden": "true" }), text);
  const legend = el("p", { class: "legend-note", dataset: { testid: `${name}-legend` } },
    swatch("tr-input", "input cell"), swatch("tr-inserted", "zero between cells (stride − 1)"),
    swatch("tr-border", "zero border (k − 1 − padding)"), swatch("tr-outpad", "output padding"), swatch("win", "the window"));
  const winT = numberTable(`${name}-window`, "window (input cells in yellow)");
  const kerT = numberTable(`${name}-flipped`, "flipped kernel");
  const prodT = numberTable(`${name}-products`, "products");
  const where = el("p", { class: "arith-where", dataset: { testid: `${name}-where` } });
  const sumL = el("li", { dataset: { testid: `${name}-sum` } });
  const stampL = el("li", { dataset: { testid: `${name}-stamps` } });
  const arith = el("div", { class: "arith", dataset: { testid: `${name}-arith` }, "aria-label": "The arithmetic at this position" },
    where,
    el("div", { class: "arith-tables" }, winT.element, el("span", { class: "op", "aria-hidden": "true" }, "×"), kerT.element,
      el("span", { class: "op", "aria-hidden": "true" }, "="), prodT.element),
    el("ol", { class: "arith-lines" }, sumL, stampL));
  const formula = el("div", { class: "formula", dataset: { testid: `${name}-formula` } });
  const check = el("p", { class: "hint", dataset: { testid: `${name}-check` } });

  let data = null; // {meta, arrays}
  let bases = null; // offscreen grids for the current data and cell sizes
  const player = new Player(name, {
    speed: 3,
    render: (i) => drawStep(i),
    announce: (i) => {
      if (!data) return "";
      const [ho, wo] = data.meta.out_shape;
      const n = stamps(i).length;
      return `Position ${i + 1} of ${ho * wo}: output row ${Math.floor(i / wo)}, column ${i % wo} = ${fmt(data.arrays.output[i])}, from ${plural(n, "input cell")}`;
    },
  });
  const stage = el("div", { class: "x-stage", role: "group", tabindex: "0", dataset: { testid: `${name}-stage` },
    "aria-label": "Transposed convolution. Arrow keys step, space plays or pauses, Home and End jump." },
  player.element,
  el("div", { class: "x-figs" }, inFig.element, spreadFig.element, outFig.element),
  legend, arith, formula, check);
  player.bindKeys(stage);
  card.append(el("div", { class: "x-layout" }, controls, stage));

  // ------------------------------------------------------------------ compute
  // a bad setting's message goes beside its control (the runner asks `controls` for it)
  const runner = makeRunner(ctx, { key: name, fn: FN, host: card, collect, onResult, controls: (field) => fields[field]?.input ?? null });

  function collect() {
    return {
      size: Number(inSize.input.value), input: inVals.input.value, kernel_size: Number(kSize.input.value),
      kernel: kVals.input.value, stride: Number(stride.input.value), padding: Number(padding.input.value),
      output_padding: Number(outPad.input.value),
    };
  }

  function onResult(result) {
    const fresh = !data || data.meta.positions !== result.meta.positions;
    data = result;
    bases = null;
    layout();
    player.setCount(result.meta.positions, !fresh);
    const m = result.meta;
    const g = m.geometry.rows;
    const [n] = m.in_shape;
    const k = m.kernel_size;
    const side = m.spread_shape[0];
    formula.replaceChildren(
      el("p", {}, el("strong", {}, `Output ${m.out_shape[0]}×${m.out_shape[1]}`),
        ` from a ${n}×${n} input, ${k}×${k} kernel, stride ${m.stride}, padding ${m.padding}, output padding ${m.output_padding}:`),
      el("ul", {},
        el("li", {}, "(input − 1)·stride − 2·padding + (kernel − 1) + output padding + 1: ", el("code", { dataset: { testid: `${name}-size-formula` } }, g.formula)),
        el("li", {}, `spread input: ${n} cells with ${plural(m.stride - 1, "zero")} between them is `, el("code", {}, `(${n} − 1)·${m.stride} + 1 = ${g.spread}`),
          `; a border of `, el("code", {}, `${k} − 1 − ${m.padding} = ${m.border}`), ` on each side${m.output_padding ? ` and ${m.output_padding} more at the bottom and right` : ""}: `,
          el("code", {}, `${g.spread} + 2·${m.border}${m.output_padding ? ` + ${m.output_padding}` : ""} = ${side}`)),
        el("li", {}, `a ${k}×${k} window sliding one cell at a time over it: `, el("code", {}, `${side} − ${k} + 1 = ${m.out_shape[0]}`))));
    check.textContent = m.agrees_with_conv_transpose2d
      ? `Every one of the ${m.positions} outputs equals pycore.conv_transpose2d on the same input and kernel (computed in ${result.ms.toFixed(1)} ms).`
      : "Warning: these outputs differ from pycore.conv_transpose2d.";
    check.dataset.agrees = String(m.agrees_with_conv_transpose2d);
  }

  /** The input cells under window i, with the kernel weight each one meets: the stamps that add up to output i. */
  function stamps(i) {
    const m = data.meta;
    const a = data.arrays;
    const [, wo] = m.out_shape;
    const k = m.kernel_size;
    const side = m.spread_shape[1];
    const inputKind = m.kinds.indexOf("input");
    const r0 = Math.floor(i / wo);
    const c0 = i % wo;
    const out = [];
    for (let y = 0; y < k; y++) {
      for (let x = 0; x < k; x++) {
        if (a.kinds[(r0 + y) * side + c0 + x] !== inputKind) continue;
        const row = (r0 + y - m.border) / m.stride;
        const col = (c0 + x - m.border) / m.stride;
        const n = m.in_shape[1];
        out.push({ row, col, ki: k - 1 - y, kj: k - 1 - x, x: a.input[row * n + col], w: a.kernel[(k - 1 - y) * k + k - 1 - x], at: y * k + x });
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ drawing
  let cell = 20;
  let inCell = 20;
  let outCell = 20;
  function layout() {
    if (!data) return;
    const m = data.meta;
    const [n] = m.in_shape;
    const [hs, ws] = m.spread_shape;
    const [ho, wo] = m.out_shape;
    const avail = Math.max(140, stage.clientWidth - 8);
    const side = avail >= 560 ? Math.min(380, (avail - 24) / 2) : Math.min(380, avail);
    const c = cellSize(side, Math.max(hs, ws), 5, 40);
    const ic = cellSize(Math.min(side, 200), n, 5, 40);
    const oc = cellSize(side, Math.max(ho, wo), 5, 40);
    const key = `${c}|${ic}|${oc}`;
    if (bases && bases.key === key && bases.data === data) return;
    cell = c;
    inCell = ic;
    outCell = oc;
    const a = data.arrays;
    const [ilo, ihi] = m.ranges.input;
    const input = grid(a.input, n, n, { cell: inCell, mode: "gray", lo: ilo, hi: ihi });
    if (inCell >= 20) numbersOn(input, a.input, n, n, inCell, "gray", ilo, ihi);
    // the spread input: its input cells in the input's colours, each kind of zero in its own
    const spread = grid(a.spread, hs, ws, { cell, mode: "gray", lo: ilo, hi: ihi });
    const sctx = spread.getContext("2d");
    const inputKind = m.kinds.indexOf("input");
    for (let i = 0; i < hs * ws; i++) {
      if (a.kinds[i] === inputKind) continue;
      sctx.fillStyle = FILLS[m.kinds[a.kinds[i]]];
      sctx.fillRect((i % ws) * cell, Math.floor(i / ws) * cell, cell, cell);
    }
    if (cell >= 20) {
      const range = modeRange("gray", ilo, ihi);
      writeNumbers(spread, a.spread, hs, ws, cell, (i) => (a.kinds[i] === inputKind ? inkOn(colorOf("gray", a.spread[i], range.lo, range.hi)) : INK.zero));
    }
    const [olo, ohi] = m.ranges.output;
    const out = grid(a.output, ho, wo, { cell: outCell, mode: "diverging", lo: olo, hi: ohi });
    if (outCell >= 20) numbersOn(out, a.output, ho, wo, outCell, "diverging", olo, ohi);
    bases = { key, data, input, spread, out };
    inFig.caption.textContent = `input ${n}×${n}`;
    spreadFig.caption.textContent = `spread out ${hs}×${ws}: stride ${m.stride}, border ${m.border}${m.output_padding ? `, output padding ${m.output_padding}` : ""}`;
    outFig.caption.textContent = `output ${ho}×${wo} (red +, blue −)`;
  }

  function drawStep(i) {
    if (!data) return;
    layout();
    const m = data.meta;
    const a = data.arrays;
    const [n] = m.in_shape;
    const [hs, ws] = m.spread_shape;
    const [ho, wo] = m.out_shape;
    const k = m.kernel_size;
    const r0 = Math.floor(i / wo);
    const c0 = i % wo;
    const sc = sizeCanvas(spreadFig.canvas, ws * cell, hs * cell);
    blit(sc, bases.spread, 0, 0, ws * cell, hs * cell);
    outline(sc, r0, c0, r0 + k, c0 + k, cell, { color: "#2457c5", width: Math.max(2, Math.min(4, cell / 6)), fill: "rgba(36, 87, 197, 0.12)" });
    const terms = stamps(i);
    const ic = sizeCanvas(inFig.canvas, n * inCell, n * inCell);
    blit(ic, bases.input, 0, 0, n * inCell, n * inCell);
    for (const t of terms) outline(ic, t.row, t.col, t.row + 1, t.col + 1, inCell, { color: "#2457c5", width: Math.max(2, Math.min(3, inCell / 6)) });
    drawMapUpTo(outFig.canvas, bases.out, i, ho, wo, outCell, Math.max(2, Math.min(3, outCell / 5)));
    // the cells of the window that are input cells (the rest are zeros)
    const classes = new Array(k * k).fill("");
    for (const t of terms) classes[t.at] = "hi";
    winT.set(a.windows, k, k, { offset: i * k * k, classes });
    kerT.set(a.flipped, k, k, { classes });
    prodT.set(a.products, k, k, { offset: i * k * k, classes });
    const o = a.output[i];
    where.textContent = `Window at spread rows ${r0}–${r0 + k - 1}, columns ${c0}–${c0 + k - 1} → output row ${r0}, column ${c0}.`;
    sumL.textContent = `sum of the ${k * k} products = output[${r0}, ${c0}] = ${fmt(o)}`;
    sumL.dataset.value = String(o);
    // the direct definition: input (i, j) times weight (ki, kj) lands on (i·s − p + ki, j·s − p + kj)
    stampL.textContent = terms.length
      ? `the stamps that land here: ${terms.map((t) => `input[${t.row}, ${t.col}] × weight[${t.ki}, ${t.kj}]`).join(" + ")} = ${terms.map((t) => `${factor(t.x)} × ${factor(t.w)}`).join(" + ")} = ${fmt(o)}`
      : "no input cell under the window: only zeros land here, so the output is 0";
    stampL.dataset.count = String(terms.length);
  }

  onWidthChange(stage, () => {
    if (!data) return;
    layout();
    player.go(player.index, { quiet: true });
  }, 50);

  return { player, runner };
}
