// Convolution vs cross-correlation: what CNNs compute lays the kernel over the image
// as written (cross-correlation); a true convolution first flips it (rotates it 180°).
// A switch shows both; pycore's flip_compare computes both outputs.
import { el } from "../ui/dom.js";
import { fmt } from "../ui/format.js";
import { selectField } from "../ui/fields.js";
import { grid, sizeCanvas, cellSize, blit } from "../ui/canvas.js";
import { onWidthChange } from "../ui/schedule.js";
import { sourcePicker } from "./source-picker.js";
import { matrixEditor, numberTable, gridTable } from "./tables.js";
import { makeRunner } from "./runner.js";
import { mapLegend } from "./legend.js";
import { hint, kernelChoice, typedKernel, kernelControl } from "./card.js";
import { choices } from "../ui/choices.js";

// The fixed 3×3 kernels of pycore's library this explorer offers, asymmetric ones first.
const PRESETS = ["sobel_x", "sobel_y", "emboss", "edge", "prewitt_x", "blur", "sharpen", "laplacian", "outline", "identity"];

export function mountFlip(card, ctx, name) {
  hint(card, "Deep-learning libraries (and the tutorial) slide the kernel over the image as written: strictly, that is cross-correlation. The convolution of mathematics flips the kernel first, upside down and left to right. For a symmetric kernel that changes nothing; for an asymmetric one the output changes. A network does not care: it would simply learn the flipped weights.");
  const source = sourcePicker(ctx, { name, maxSize: ctx.options.limits.explorers.VIEW_GRID_MAX, size: 24, onChange: () => runner.run() });
  const preset = selectField("Kernel", `${name}-preset`, choices(ctx.options.kernels, { only: PRESETS, label: (e) => e.value }), "sobel_x");
  const kernel = kernelChoice(() => runner.run());
  const editor = matrixEditor({ rows: 3, cols: 3, values: [-1, 0, 1, -2, 0, 2, -1, 0, 1], testid: `${name}-kernel`, label: "Kernel", onChange: kernel.useTyped });
  preset.input.addEventListener("change", kernel.usePreset);
  const sw = el("button", { type: "button", role: "switch", "aria-checked": "false", dataset: { testid: `${name}-switch` }, id: `${name}-switch` });
  const swLabel = el("label", { class: "switch", for: `${name}-switch` }, sw, el("span", {}, "Flip the kernel (true convolution)"));
  sw.addEventListener("click", () => {
    sw.setAttribute("aria-checked", sw.getAttribute("aria-checked") === "true" ? "false" : "true");
    const r = runner.last();
    if (r) show(r);
  });
  const controls = el("div", { class: "x-controls" }, source.element,
    el("fieldset", { class: "source" }, el("legend", {}, "Kernel"), el("div", { class: "grid2" }, preset.label), editor.element));

  const asWritten = numberTable(`${name}-as-written`, "kernel as written");
  const flipped = numberTable(`${name}-flipped`, "flipped (rotated 180°)");
  const inCanvas = el("canvas", { role: "img", dataset: { testid: `${name}-input` }, "aria-label": "The input" });
  const outCanvas = el("canvas", { role: "img", dataset: { testid: `${name}-output` } });
  const diffCanvas = el("canvas", { role: "img", dataset: { testid: `${name}-diff` }, "aria-label": "Convolution minus cross-correlation" });
  const outCap = el("figcaption");
  const diffCap = el("figcaption");
  const legends = { input: el("div"), output: el("div"), diff: el("div") };
  const tables = { input: gridTable(`${name}-input-table`), output: gridTable(`${name}-output-table`), diff: gridTable(`${name}-diff-table`) };
  const verdict = el("p", { class: "big-sum", dataset: { testid: `${name}-verdict` }, "aria-live": "polite" });
  const stage = el("div", { class: "x-stage" }, swLabel,
    el("div", { class: "arith-tables" }, asWritten.element, el("span", { class: "op", "aria-hidden": "true" }, "→"), flipped.element),
    el("div", { class: "x-figs" }, el("figure", {}, inCanvas, el("figcaption", {}, "input"), legends.input, tables.input.element),
      el("figure", {}, outCanvas, outCap, legends.output, tables.output.element),
      el("figure", {}, diffCanvas, diffCap, legends.diff, tables.diff.element)),
    verdict);
  card.append(el("div", { class: "x-layout" }, controls, stage));

  const controlOf = (f) => source.control(f) ?? kernelControl(f, editor, { preset: preset.input });
  const runner = makeRunner(ctx, { key: name, fn: "flip_compare", host: card, source, controls: controlOf, collect: () => {
    const p = source.params();
    p.kernel = kernel.typed ? typedKernel(editor) : { preset: preset.input.value };
    return p;
  }, onResult: (result) => {
    if (!kernel.typed) editor.set(Array.from(result.arrays.kernel), 3, 3);
    show(result);
  } });

  function show({ meta: m, arrays: a }) {
    const on = sw.getAttribute("aria-checked") === "true";
    asWritten.set(a.kernel, 3, 3);
    flipped.set(a.flipped, 3, 3);
    asWritten.element.classList.toggle("in-use", !on);
    flipped.element.classList.toggle("in-use", on);
    asWritten.element.querySelector("caption").textContent = on ? "kernel as written" : "kernel as written (in use)";
    flipped.element.querySelector("caption").textContent = on ? "flipped, rotated 180° (in use)" : "flipped (rotated 180°)";
    const [h, w] = m.input.shape;
    const [ho, wo] = m.out_shape;
    const avail = Math.max(140, stage.clientWidth - 8);
    const side = avail >= 640 ? Math.min(260, (avail - 40) / 3) : Math.min(300, avail);
    const cell = cellSize(side, Math.max(h, w), 2, 24);
    const draw = (canvas, data, hh, ww, mode, lo, hi) => {
      const base = grid(data, hh, ww, { cell, mode, lo, hi });
      blit(sizeCanvas(canvas, ww * cell, hh * cell), base, 0, 0, ww * cell, hh * cell);
    };
    draw(inCanvas, a.input, h, w, "gray", m.ranges.input[0], m.ranges.input[1]);
    draw(outCanvas, on ? a.conv : a.cross, ho, wo, "diverging", m.ranges.output[0], m.ranges.output[1]);
    draw(diffCanvas, a.diff, ho, wo, "diverging", m.ranges.diff[0], m.ranges.diff[1]);
    // one scale for both outputs, so flipping the switch changes colours only where values change
    const what = { input: "input", output: "output", diff: "difference" };
    for (const k of ["input", "output", "diff"]) {
      legends[k].replaceChildren(mapLegend(k === "input" ? "gray" : "diverging", m.ranges[k][0], m.ranges[k][1], { testid: `${name}-legend-${k}`, what: what[k] }));
    }
    tables.input.set(a.input, h, w, `The input (${h} rows, ${w} columns)`);
    tables.output.set(on ? a.conv : a.cross, ho, wo, `The ${on ? "convolution" : "cross-correlation"} output (${ho} rows, ${wo} columns)`);
    tables.diff.set(a.diff, ho, wo, `Convolution minus cross-correlation (${ho} rows, ${wo} columns)`);
    outCanvas.dataset.which = on ? "convolution" : "cross-correlation";
    outCanvas.setAttribute("aria-label", `${on ? "Convolution" : "Cross-correlation"} output`);
    outCap.textContent = on ? "convolution (flipped kernel)" : "cross-correlation (as written)";
    diffCap.textContent = `convolution − cross-correlation (largest |change| ${fmt(m.max_change)})`;
    verdict.dataset.symmetric = String(m.symmetric);
    verdict.dataset.maxChange = String(m.max_change);
    verdict.textContent = m.symmetric
      ? "This kernel is symmetric: flipping it gives the same kernel, so the output does not change at all (the difference is 0 everywhere)."
      : `This kernel is not symmetric: flipping it changes ${m.changed_pixels} of the ${ho * wo} output values, by up to ${fmt(m.max_change)}.`;
  }
  onWidthChange(stage, () => {
    const r = runner.last();
    if (r) show(r);
  }, 80);
  return { runner, source };
}
