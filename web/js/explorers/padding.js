// Padding: the same input padded in each mode, the border drawn, and the "same" rule
// p = d(k-1)/2 explained with the current numbers (pycore's padded_view).
import { el } from "../ui/dom.js";
import { selectField } from "../ui/fields.js";
import { grid, sizeCanvas, cellSize, blit, drawPadding, drawNumbers } from "../ui/canvas.js";
import { onWidthChange } from "../ui/schedule.js";
import { sourcePicker } from "./source-picker.js";
import { makeRunner } from "./runner.js";
import { hint } from "./card.js";
import { wholeRange } from "../ui/choices.js";

const MODES = {
  zeros: "zeros: the added cells are 0 (black).",
  reflect: "reflect: a mirror at the edge, without repeating the edge cell (needs padding smaller than the input).",
  replicate: "replicate: the edge cell is repeated outwards.",
  circular: "circular: the input wraps around, so the left border shows the right edge.",
};

export function mountPadding(card, ctx, name) {
  hint(card, "Padding adds cells around the input before the filter slides, so windows can be centred on the edge pixels and the feature map need not shrink. What the new cells contain is the padding mode. The dashed line is the original border.");

  const lim = ctx.options.limits.explorers;
  const L = lim.PADDING;
  const source = sourcePicker(ctx, { name, maxSize: lim.VIEW_GRID_MAX, size: 12, rgb: true, onChange: () => runner.run() });
  const pad = selectField("Padding (cells per side)", `${name}-padding`, wholeRange(0, L.padding).map((p) => [p, String(p)]), 2);
  // every size to 7, then the odd ones up to pycore's limit
  const sizes = wholeRange(1, L.kernel_size).filter((v) => v <= 7 || v % 2);
  const k = selectField("Kernel size (for “same”)", `${name}-kernel`, sizes.map((v) => [v, `${v}×${v}`]), 5);
  const d = selectField("Dilation", `${name}-dilation`, wholeRange(1, L.dilation, 3).map((v) => [v, String(v)]), 1);
  const sameBtn = el("button", { type: "button", class: "secondary", dataset: { testid: `${name}-use-same` } }, "Use the “same” padding");
  for (const f of [pad, k, d]) f.input.addEventListener("change", () => runner.run());
  sameBtn.addEventListener("click", () => {
    const m = runner.last()?.meta;
    if (!m) return;
    if (!m.same.symmetric) {
      runner.notice(`A ${m.same.kernel_size}×${m.same.kernel_size} kernel needs ${m.same.before} cell(s) before and ${m.same.after} after: one number cannot do both. Choose an odd kernel size.`);
      return;
    }
    pad.input.value = String(Math.min(L.padding, m.same.before));
    runner.run();
  });
  const controls = el("div", { class: "x-controls" }, source.element,
    el("fieldset", { class: "source" }, el("legend", {}, "Padding"), el("div", { class: "grid2" }, pad.label, k.label, d.label), sameBtn));

  const figs = el("div", { class: "padding-grid", dataset: { testid: `${name}-modes` } });
  const rule = el("div", { class: "formula", dataset: { testid: `${name}-same` }, "aria-live": "polite" });
  const stage = el("div", { class: "x-stage" }, figs, rule);
  card.append(el("div", { class: "x-layout" }, controls, stage));

  const own = { padding: pad.input, kernel_size: k.input, dilation: d.input };
  const runner = makeRunner(ctx, { key: name, fn: "padded_view", host: card, source, controls: (f) => source.control(f) ?? own[f] ?? null, collect: () => ({
    ...source.params(), padding: Number(pad.input.value), kernel_size: Number(k.input.value), dilation: Number(d.input.value),
  }), onResult: (result) => {
    draw(result);
    explain(result.meta);
  } });

  function draw(result) {
    const { meta: m, arrays: a } = result;
    const [hp, wp] = m.padded_shape;
    const avail = Math.max(140, figs.clientWidth || stage.clientWidth || 300);
    const cols = avail >= 700 ? 4 : avail >= 420 ? 2 : 1;
    const side = Math.min(260, (avail - (cols - 1) * 13) / cols);
    const cell = cellSize(side, Math.max(hp, wp), 2, 24);
    const rgb = m.channels === 3;
    figs.replaceChildren(...m.modes.map((mode) => {
      const fig = el("figure", { dataset: { testid: `${name}-figure`, mode: mode.mode } });
      if (mode.array == null) { // Python None arrives as undefined
        fig.append(el("p", { class: "na" }, `${mode.mode}: not possible here. ${mode.error}`));
      } else {
        const canvas = el("canvas", { role: "img", dataset: { testid: `${name}-canvas`, mode: mode.mode },
          "aria-label": `${mode.mode} padding: ${m.in_shape[0]}×${m.in_shape[1]} padded by ${m.padding} to ${hp}×${wp}` });
        const base = grid(a[mode.array], hp, wp, { cell, rgb, mode: "gray", lo: m.range[0], hi: m.range[1] });
        const p = m.padding;
        // lighter tint than the sliding window's; the numbers go over it, in a colour that reads on it
        const bctx = base.getContext("2d");
        bctx.globalAlpha = 0.45;
        drawPadding(bctx, { top: p, bottom: p, left: p, right: p }, hp, wp, cell);
        bctx.globalAlpha = 1;
        if (!rgb && cell >= 24) drawNumbers(base, a[mode.array], hp, wp, cell);
        const c2 = sizeCanvas(canvas, wp * cell, hp * cell);
        blit(c2, base, 0, 0, wp * cell, hp * cell);
        if (p) {
          c2.strokeStyle = "#1d2330";
          c2.setLineDash([4, 3]);
          c2.lineWidth = 1.5;
          c2.strokeRect(p * cell + 0.75, p * cell + 0.75, (wp - 2 * p) * cell - 1.5, (hp - 2 * p) * cell - 1.5);
        }
        fig.append(canvas);
      }
      fig.append(el("figcaption", {}, el("strong", {}, mode.mode), " — ", MODES[mode.mode].split(": ")[1]));
      return fig;
    }));
  }

  function explain(m) {
    const s = m.same;
    const [h, w] = m.in_shape;
    const parts = [];
    const dk = s.dilation > 1 ? `${s.dilation}·(${s.kernel_size} − 1)` : `(${s.kernel_size} − 1)`;
    if (s.odd) {
      parts.push(el("p", { dataset: { testid: `${name}-rule` } }, el("strong", {}, "“Same” padding: "),
        `at stride 1, a ${s.kernel_size}×${s.kernel_size} kernel${s.dilation > 1 ? ` with dilation ${s.dilation}` : ""} spans ${s.span} cells, so it needs p = ${dk} / 2 = ${s.before} cell${s.before === 1 ? "" : "s"} on each side to keep the ${h}×${w} input at ${s.rows.size}×${s.cols.size}:`),
      el("ul", {}, el("li", {}, "rows: ", el("code", {}, s.rows.formula)), el("li", {}, "columns: ", el("code", {}, s.cols.formula))));
    } else {
      parts.push(el("p", { dataset: { testid: `${name}-rule` } }, el("strong", {}, "“Same” padding with an even kernel: "),
        `a ${s.kernel_size}×${s.kernel_size} kernel has no centre cell. It needs ${dk} = ${s.total} padding cells in all, which cannot split evenly: PyTorch puts ${s.before} before (top, left) and ${s.after} after (bottom, right). The rule p = (k − 1) / 2 is for odd k.`),
      el("ul", {}, el("li", {}, "rows: ", el("code", {}, s.rows.formula))));
    }
    if (m.current.error) {
      parts.push(el("p", { dataset: { testid: `${name}-current` } }, `With padding ${m.padding}: ${m.current.error}`));
    } else {
      const r = m.current.rows.size;
      const c = m.current.cols.size;
      const verdict = r === h && c === w ? "the same size as the input" : r < h ? `${h - r} smaller than the input on each axis` : `${r - h} larger than the input on each axis`;
      parts.push(el("p", { dataset: { testid: `${name}-current` } }, `With your padding p = ${m.padding} at stride 1, the ${s.kernel_size}×${s.kernel_size} kernel gives a ${r}×${c} feature map, ${verdict}: `,
        el("code", {}, m.current.rows.formula)));
    }
    rule.replaceChildren(...parts);
  }

  onWidthChange(stage, () => {
    const r = runner.last();
    if (r) draw(r);
  }, 80);
  return { source, runner };
}
