// Pooling, step by step: a window slides over a feature map and keeps the largest
// value (max) or the mean (average). Overlap (stride < window) is shown, and the
// leftover rows and columns are drawn, never silently dropped: hatched when floor
// mode drops them, a dashed partial window when ceil mode keeps them.
// Every number comes from pycore's pool_steps.
import { el } from "../ui/dom.js";
import { fmt, plural } from "../ui/format.js";
import { selectField } from "../ui/fields.js";
import { grid, sizeCanvas, outline, cellSize, blit, hatch, drawMapUpTo, drawNumbers } from "../ui/canvas.js";
import { Player } from "../ui/player.js";
import { onWidthChange } from "../ui/schedule.js";
import { sourcePicker } from "./source-picker.js";
import { numberTable, gridTable } from "./tables.js";
import { makeRunner } from "./runner.js";
import { hint } from "./card.js";
import { choices, wholeRange } from "../ui/choices.js";

export function mountPooling(card, ctx, name) {
  hint(card, "Pooling shrinks a feature map: a window slides over it and keeps one number per position, the largest value (max) or the mean (average). When the stride is smaller than the window, neighbouring windows overlap. When the sizes do not divide, some rows and columns are left over: floor mode drops them, ceil mode keeps a partial window.");

  const { options } = ctx;
  const lim = options.limits.explorers;
  const source = sourcePicker(ctx, { name, maxSize: lim.STEP_GRID_MAX, size: 11, onChange: () => runner.run() });
  const pre = selectField("Map to pool", `${name}-prefilter`, choices(options.prefilters), "none");
  pre.label.classList.add("wide"); // "ReLU(edge filter) of the input"
  const type = selectField("Pooling", `${name}-type`, choices(options.pool_types, { except: ["none"] }), "max");
  // windows and strides up to 6 (enough to see overlap and leftovers), within pycore's limits
  const win = selectField("Window", `${name}-window`, wholeRange(1, lim.POOLING.window, 6).map((k) => [k, `${k}×${k}`]), 2);
  const stride = selectField("Stride", `${name}-stride`, wholeRange(1, lim.POOLING.stride, 6).map((k) => [k, String(k)]), 2);
  const ceil = el("input", { type: "checkbox", dataset: { testid: `${name}-ceil` } });
  const ceilLabel = el("label", { class: "check" }, ceil, " Ceil mode: keep a partial window at the edge instead of dropping the leftover");
  let strideTouched = false;
  stride.input.addEventListener("change", () => {
    strideTouched = true;
    runner.run();
  });
  win.input.addEventListener("change", () => {
    if (!strideTouched) stride.input.value = win.input.value;
    runner.run();
  });
  for (const f of [pre, type]) f.input.addEventListener("change", () => runner.run());
  ceil.addEventListener("change", () => runner.run());

  const controls = el("div", { class: "x-controls" }, source.element,
    el("fieldset", { class: "source" }, el("legend", {}, "Pooling"),
      el("div", { class: "grid2" }, pre.label, type.label, win.label, stride.label, ceilLabel)));

  const inCanvas = el("canvas", { dataset: { testid: `${name}-input` }, role: "img", "aria-label": "The map being pooled, with the window outlined" });
  const outCanvas = el("canvas", { dataset: { testid: `${name}-output` }, role: "img", "aria-label": "The pooled map, filled up to the current position" });
  const inCap = el("figcaption");
  const outCap = el("figcaption");
  const inTable = gridTable(`${name}-input-table`); // the grids for screen readers
  const outTable = gridTable(`${name}-output-table`);
  const winT = numberTable(`${name}-window-values`, "window values");
  const where = el("p", { class: "arith-where", dataset: { testid: `${name}-where` } });
  const valueL = el("p", { class: "big-sum", dataset: { testid: `${name}-value` } });
  const arith = el("div", { class: "arith", dataset: { testid: `${name}-arith` } }, where, el("div", { class: "arith-tables" }, winT.element), valueL);
  const notes = el("ul", { class: "pool-notes", dataset: { testid: `${name}-notes` } });
  const formula = el("div", { class: "formula", dataset: { testid: `${name}-formula` } });
  const legend = el("p", { class: "legend-note" },
    el("span", {}, el("span", { class: "swatch win" }), "window"),
    el("span", {}, el("span", { class: "swatch over" }), "shared with the previous window (overlap)"),
    el("span", {}, el("span", { class: "swatch drop" }), "never read (dropped)"),
    el("span", {}, el("span", { class: "swatch part" }), "partial window past the edge"));

  let data = null;
  let bases = null;
  const player = new Player(name, {
    speed: 3,
    render: (i) => drawStep(i),
    announce: (i) => {
      if (!data) return "";
      const [, wo] = data.meta.out_shape;
      return `Position ${i + 1} of ${data.meta.positions}: output row ${Math.floor(i / wo)}, column ${i % wo} = ${fmt(data.arrays.values[i])}`;
    },
  });
  const stage = el("div", { class: "x-stage", role: "group", tabindex: "0", dataset: { testid: `${name}-stage` },
    "aria-label": "Pooling window. Arrow keys step, space plays or pauses." },
  player.element, el("div", { class: "x-figs" }, el("figure", {}, inCanvas, inCap, inTable.element), el("figure", {}, outCanvas, outCap, outTable.element)),
  legend, arith, notes, formula);
  player.bindKeys(stage);
  card.append(el("div", { class: "x-layout" }, controls, stage));

  const own = { prefilter: pre.input, type: type.input, window: win.input, stride: stride.input, ceil_mode: ceil };
  const runner = makeRunner(ctx, { key: name, fn: "pool_steps", host: card, source, controls: (f) => source.control(f) ?? own[f] ?? null, collect: () => ({
    ...source.params(), prefilter: pre.input.value, type: type.input.value, window: Number(win.input.value),
    stride: Number(stride.input.value), ceil_mode: ceil.checked,
  }), onResult: (result) => {
    const fresh = !data || data.meta.positions !== result.meta.positions;
    data = result;
    bases = null;
    layout();
    player.setCount(result.meta.positions, !fresh);
    describe();
  } });

  function describe() {
    const m = data.meta;
    const items = [];
    if (m.overlap) items.push(`Stride ${m.stride} is smaller than the ${m.window}×${m.window} window: neighbouring windows share ${plural(m.window - m.stride, "row")} (or column), and some cells are read up to ${m.max_coverage} times.`);
    else if (m.gap) items.push(`Stride ${m.stride} is larger than the ${m.window}×${m.window} window: the cells between windows are never read.`);
    else items.push(`Stride ${m.stride} equals the window: the windows tile the map without overlap.`);
    if (m.dropped_rows || m.dropped_cols) {
      items.push(`Floor mode: the last ${plural(m.dropped_rows, "row")} and ${plural(m.dropped_cols, "column")} never fill a whole window, so they are dropped (hatched): their values never reach the output.`);
    }
    if (m.partial_windows) {
      items.push(`Ceil mode keeps ${plural(m.partial_windows, "partial window")}: the last window reaches ${plural(m.partial_rows, "row")} / ${plural(m.partial_cols, "column")} past the map (dashed); only the cells inside count${m.type === "avg" ? ", so their average divides by fewer cells" : ""}.`);
    }
    if (!m.dropped_rows && !m.dropped_cols && !m.partial_windows) items.push("Every cell is inside some window: nothing is left over.");
    notes.replaceChildren(...items.map((t) => el("li", {}, t)));
    const g = m.geometry;
    formula.replaceChildren(el("p", {}, el("strong", {}, `Pooled map ${m.out_shape[0]}×${m.out_shape[1]}`), ` (${m.ceil_mode ? "ceil" : "floor"} mode):`),
      el("ul", {}, el("li", {}, "rows: ", el("code", {}, g.rows.formula)), el("li", {}, "columns: ", el("code", {}, g.cols.formula))));
  }

  let cell = 20;
  let outCell = 20;
  function layout() {
    if (!data) return;
    const m = data.meta;
    const [h, w] = m.in_shape;
    const [ho, wo] = m.out_shape;
    const eh = Math.max(h, (ho - 1) * m.stride + m.window);
    const ew = Math.max(w, (wo - 1) * m.stride + m.window);
    const avail = Math.max(140, stage.clientWidth - 8);
    const side = avail >= 560 ? Math.min(420, (avail - 24) / 2) : Math.min(420, avail);
    const c = cellSize(side, Math.max(eh, ew), 5, 44);
    const oc = cellSize(side, Math.max(ho, wo), 5, 44);
    const key = `${c}|${oc}`;
    if (bases && bases.key === key && bases.data === data) return;
    cell = c;
    outCell = oc;
    const a = data.arrays;
    const input = grid(a.input, h, w, { cell, mode: "gray", lo: m.ranges.input[0], hi: m.ranges.input[1] });
    // never-read cells: dropped by floor, or skipped between windows
    const ictx = input.getContext("2d");
    const cov = a.coverage;
    for (let r = 0; r < h; r++) for (let col = 0; col < w; col++) if (cov[r * w + col] === 0) hatch(ictx, r, col, r + 1, col + 1, cell);
    if (cell >= 28) drawNumbers(input, a.input, h, w, cell); // over the hatching, in a colour that reads on it
    const out = grid(a.output, ho, wo, { cell: outCell, mode: "gray", lo: m.ranges.input[0], hi: m.ranges.input[1], numbers: outCell >= 28 });
    bases = { key, data, input, out, eh, ew };
    inCap.textContent = `map ${h}×${w}${m.prefilter !== "none" ? ` (ReLU of ${m.prefilter})` : ""}`;
    outCap.textContent = `${m.type === "max" ? "max" : "average"} pooled ${ho}×${wo} (same gray scale)`;
    inTable.set(a.input, h, w, `The map pooled (${h} rows, ${w} columns)`);
    outTable.set(a.output, ho, wo, `The pooled map, every position (${ho} rows, ${wo} columns)`);
  }

  function drawStep(i) {
    if (!data) return;
    layout();
    const m = data.meta;
    const a = data.arrays;
    const [h, w] = m.in_shape;
    const [ho, wo] = m.out_shape;
    const k = m.window;
    const { eh, ew } = bases;
    const ic = sizeCanvas(inCanvas, ew * cell, eh * cell);
    ic.clearRect(0, 0, ew * cell, eh * cell);
    blit(ic, bases.input, 0, 0, w * cell, h * cell);
    const r0 = a.rows[i];
    const c0 = a.cols[i];
    // overlap with the previous window in the same row of windows
    if (i > 0 && i % wo !== 0 && m.overlap) {
      const pc = a.cols[i - 1];
      const shared = Math.min(pc + k, c0 + k) - c0;
      if (shared > 0) {
        ic.fillStyle = "rgba(120, 60, 200, .35)";
        ic.fillRect(c0 * cell, r0 * cell, shared * cell, Math.min(k, h - r0) * cell);
      }
    }
    if (i >= wo && m.overlap) {
      const pr = a.rows[i - wo];
      const shared = Math.min(pr + k, r0 + k) - r0;
      if (shared > 0) {
        ic.fillStyle = "rgba(120, 60, 200, .25)";
        ic.fillRect(c0 * cell, r0 * cell, Math.min(k, w - c0) * cell, shared * cell);
      }
    }
    const partial = r0 + k > h || c0 + k > w;
    outline(ic, r0, c0, r0 + k, c0 + k, cell, { color: "#2457c5", width: Math.max(2, Math.min(4, cell / 6)), dash: partial ? [6, 4] : null, fill: partial || cell >= 28 ? null : "rgba(36, 87, 197, .12)" }); // no tint over numbers
    // mark the winner of a max window
    if (m.type === "max") {
      const j = a.argmax[i];
      const wr = r0 + Math.floor(j / k);
      const wc = c0 + (j % k);
      ic.save();
      ic.strokeStyle = "#f1b24a";
      ic.lineWidth = 3;
      ic.strokeRect(wc * cell + 2.5, wr * cell + 2.5, cell - 5, cell - 5);
      ic.restore();
    }
    const { row: oi, col: oj } = drawMapUpTo(outCanvas, bases.out, i, ho, wo, outCell, 3);
    winT.set(a.windows, k, k, { offset: i * k * k, highlight: m.type === "max" ? a.argmax[i] : -1 });
    const n = a.counts[i];
    const v = a.values[i];
    where.textContent = `Window at rows ${r0}–${r0 + k - 1}, columns ${c0}–${c0 + k - 1}${partial ? " (partial: — marks cells past the map)" : ""} → output row ${oi}, column ${oj}.`;
    if (m.type === "max") valueL.textContent = `max of the ${n} values = ${fmt(v)}`;
    else {
      const vals = [];
      for (let t = 0; t < k * k; t++) {
        const x = a.windows[i * k * k + t];
        if (!Number.isNaN(x)) vals.push(fmt(x));
      }
      valueL.textContent = `mean of the ${n} cells inside the map = (${vals.join(" + ")}) / ${n} = ${fmt(v)}`;
    }
    valueL.dataset.value = String(v);
  }

  onWidthChange(stage, () => {
    if (!data) return;
    layout();
    player.go(player.index, { quiet: true });
  }, 50);

  return { player, source, runner };
}
