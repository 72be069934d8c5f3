// Receptive field: hover or focus a pixel of any layer's map (pooled and deeper layers
// included) and see the region of the input it depends on. pycore's receptive_field
// returns, for every layer, the input interval of every output row and column, so the
// page only looks them up: no geometry formula is re-typed here.
// (convolution/receptive-hover.js does the same on the "Convolution & pooling" tab's maps.)
import { el } from "../ui/dom.js";
import { fmt, rangeText as span } from "../ui/format.js";
import { numberOf } from "../ui/fields.js";
import { grid, sizeCanvas, cellSize, blit, outline, cellAt } from "../ui/canvas.js";
import { onWidthChange } from "../ui/schedule.js";
import { sourcePicker } from "./source-picker.js";
import { numberTable, gridTable } from "./tables.js";
import { makeRunner } from "./runner.js";
import { mapLegend, markKey } from "./legend.js";
import { hint } from "./card.js";

// Layers in network spec format (pycore.network): a pool's padding is at most half its window.
const CONV = { type: "conv2d", kernel_size: 3, stride: 1, padding: 1, dilation: 1 };
const POOL = { type: "maxpool", kernel_size: 2, stride: 2, padding: 0 };
const DEFAULT = [CONV, POOL, CONV, POOL];
// The number fields of a layer: spec key, test id suffix, label, smallest value.
const FIELDS = [["kernel_size", "k", "size", 1], ["stride", "s", "stride", 1], ["padding", "p", "pad", 0], ["dilation", "d", "dil.", 1]];

// "3×3" for 3 or [3, 3], "3×5" for [3, 5] ([height, width])
const sizeText = (k) => (Array.isArray(k) ? `${k[0]}×${k[1]}` : `${k}×${k}`);

/** One layer of meta.layers (a normalized spec entry) in words; typeText: options' stack type labels. */
function describeLayer(L, typeText) {
  const p = Array.isArray(L.padding) ? L.padding[0] : L.padding;
  const dilation = L.dilation ?? 1;
  return `${typeText[L.type]} ${sizeText(L.kernel_size)}, stride ${L.stride}${p ? `, padding ${p}` : ""}${dilation > 1 ? `, dilation ${dilation}` : ""}`;
}

export function mountReceptive(card, ctx, name) {
  hint(card, "Each pixel of a feature map depends on a region of the input: its receptive field. One 3×3 convolution sees 3×3 pixels; after pooling and more convolutions, a single pixel sees a much larger region. Hover over (or focus, then use the arrow keys on) any pixel of any layer below. The region it depends on is outlined on the input. Where it reaches past the border, the rest of it is padding.");
  const source = sourcePicker(ctx, { name, maxSize: ctx.options.limits.explorers.VIEW_GRID_MAX, size: 32, onChange: () => runner.run() });
  const typeText = Object.fromEntries(ctx.options.stack_types.map((t) => [t.value, t.label]));
  const STACK = ctx.options.limits.explorers.STACK; // the largest value of each number field
  const MAX_LAYERS = ctx.options.limits.explorers.MAX_LAYERS;
  let layers = DEFAULT.map((l) => ({ ...l }));
  const list = el("div", { class: "rf-layers", dataset: { testid: `${name}-layers` } });
  let rows = []; // per layer: its row and its controls by settings key (type, kernel_size, ...)
  function renderLayers() {
    rows = [];
    list.replaceChildren(...layers.map((L, i) => {
      const type = el("select", { dataset: { testid: `${name}-type` }, "aria-label": `Layer ${i + 1} type` });
      for (const t of ctx.options.stack_types) type.add(new Option(t.label, t.value));
      type.value = L.type;
      const num = ([key, testid, label, min]) => {
        const inp = el("input", { type: "number", min, max: STACK[key], value: L[key] ?? 0, dataset: { testid: `${name}-${testid}` }, "aria-label": `Layer ${i + 1} ${label}` });
        inp.addEventListener("input", () => {
          L[key] = numberOf(inp);
          runner.run();
        });
        return el("label", {}, label, inp);
      };
      const [size, stride, pad, dl] = FIELDS.map(num);
      dl.hidden = L.type !== "conv2d";
      type.addEventListener("change", () => {
        L.type = type.value;
        if (L.type !== "conv2d") {
          delete L.dilation;
          L.padding = Math.min(L.padding || 0, Math.floor(L.kernel_size / 2));
        } else L.dilation ??= 1;
        renderLayers();
        runner.run();
      });
      const rm = el("button", { type: "button", class: "secondary", "aria-label": `Remove layer ${i + 1}`, title: "Remove", dataset: { testid: `${name}-remove` } }, "×");
      rm.disabled = layers.length === 1;
      rm.addEventListener("click", () => {
        layers.splice(i, 1);
        renderLayers();
        runner.run();
      });
      const row = el("div", { class: "rf-layer", dataset: { testid: `${name}-layer` } },
        el("label", {}, `layer ${i + 1}`, type), size, stride, pad, dl, rm);
      const [kernel_size, strideIn, padIn, dilIn] = [size, stride, pad, dl].map((lab) => lab.querySelector("input"));
      rows.push({ row, type, kernel_size, stride: strideIn, padding: padIn, dilation: dilIn });
      return row;
    }));
  }
  const addConv = el("button", { type: "button", class: "secondary", dataset: { testid: `${name}-add-conv` } }, "+ conv 3×3");
  const addPool = el("button", { type: "button", class: "secondary", dataset: { testid: `${name}-add-pool` } }, "+ max pool 2×2");
  const reset = el("button", { type: "button", class: "secondary", dataset: { testid: `${name}-reset` } }, "Reset");
  addConv.addEventListener("click", () => {
    if (layers.length < MAX_LAYERS) layers.push({ ...CONV });
    renderLayers();
    runner.run();
  });
  addPool.addEventListener("click", () => {
    if (layers.length < MAX_LAYERS) layers.push({ ...POOL });
    renderLayers();
    runner.run();
  });
  reset.addEventListener("click", () => {
    layers = DEFAULT.map((l) => ({ ...l }));
    renderLayers();
    runner.run();
  });
  renderLayers();
  const controls = el("div", { class: "x-controls" }, source.element,
    el("fieldset", { class: "source" }, el("legend", {}, "Layers (each conv: one filter, no activation)"), list,
      el("div", { class: "add-filter" }, addConv, addPool, reset)));

  const inCanvas = el("canvas", { role: "img", dataset: { testid: `${name}-input` }, "aria-label": "The input, with the receptive field outlined" });
  const inCap = el("figcaption", {}, "input");
  const inLegend = el("div");
  const inTable = gridTable(`${name}-input-table`); // the grids for screen readers
  const key = markKey([["rf-in", "the region the chosen pixel depends on"], ["rf-full", "its full field, where it reaches into padding"],
    ["rf-out", "input it does not read"]], `${name}-key`);
  const maps = el("div", { class: "x-figs", dataset: { testid: `${name}-maps` } });
  const readout = el("div", { class: "rf-readout", dataset: { testid: `${name}-readout` }, "aria-live": "polite" },
    el("p", { class: "hint" }, "Hover over a pixel of a layer's map, or focus a map and use the arrow keys."));
  const winT = numberTable(`${name}-window`, "window values");
  const kerT = numberTable(`${name}-kernel`, "kernel");
  const prodT = numberTable(`${name}-products`, "products");
  const sumL = el("p", { class: "big-sum", dataset: { testid: `${name}-sum` } });
  const firstBox = el("div", { class: "arith", dataset: { testid: `${name}-first` }, hidden: true },
    el("div", { class: "arith-tables" }, winT.element, el("span", { class: "op" }, "×"), kerT.element, el("span", { class: "op" }, "="), prodT.element), sumL);
  const stage = el("div", { class: "x-stage" },
    el("div", { class: "x-figs" }, el("figure", {}, inCanvas, inCap, inLegend, key, inTable.element)), readout, firstBox, maps);
  card.append(el("div", { class: "x-layout" }, controls, stage));

  let data = null;
  let inBase = null;
  let cell = 8;
  const sel = { layer: null, row: 0, col: 0 };
  // "layers.2.stride": layer 3's stride field, its message under its row; "layers.2": the
  // row's type; "layers": the add buttons
  const addRow = addConv.parentElement;
  function controlOf(field) {
    const own = source.control(field);
    if (own) return own;
    const [top, index, key] = field.split(".");
    if (top !== "layers") return null;
    const r = rows[Number(index)];
    if (index === undefined || !r) return { control: addConv, anchor: addRow };
    return { control: r[key] ?? r.type, anchor: r.row };
  }
  const runner = makeRunner(ctx, { key: name, fn: "receptive_field", host: card, source, controls: controlOf, collect: () => ({
    ...source.params(), layers: layers.map((L) => ({ ...L })), maps: true,
  }), onResult: (result) => {
    data = result;
    build();
    if (sel.layer !== null && sel.layer < result.meta.layers.length) select(sel.layer, sel.row, sel.col);
    else clearSelection();
  } });

  const mapCanvases = [];
  let builds = 0;
  function build() {
    const { meta: m, arrays: a } = data;
    const [h, w] = m.in_shape;
    const avail = Math.max(140, stage.clientWidth - 8);
    cell = cellSize(Math.min(380, avail), Math.max(h, w), 3, 16);
    inBase = grid(a.input, h, w, { cell, mode: "gray", lo: m.range[0], hi: m.range[1] });
    inCap.textContent = `input ${h}×${w}`;
    inTable.set(a.input, h, w, `The input (${h} rows, ${w} columns)`);
    inLegend.replaceChildren(mapLegend("gray", m.range[0], m.range[1], { testid: `${name}-legend`, what: "input" }));
    mapCanvases.length = 0;
    maps.replaceChildren(...m.layers.map((L, i) => {
      const [lh, lw] = L.shape;
      const mc = cellSize(Math.min(170, avail), Math.max(lh, lw), 3, 24);
      const canvas = el("canvas", { tabindex: "0", class: "hoverable", dataset: { testid: `${name}-map`, layer: i, shape: `${lh},${lw}` },
        "aria-label": `Layer ${i + 1}, ${describeLayer(L, typeText)}: ${lh} by ${lw}. Arrow keys choose a pixel.` });
      const base = grid(a[L.map], lh, lw, { cell: mc, mode: "gray", lo: L.range[0], hi: L.range[1] });
      canvas._base = base;
      canvas._cell = mc;
      drawMapCanvas(canvas, L, null);
      wireMap(canvas, i);
      mapCanvases.push(canvas);
      return el("figure", {}, canvas, el("figcaption", {}, el("strong", {}, `layer ${i + 1}`), ` ${describeLayer(L, typeText)}${L.kernel_name ? ` (${L.kernel_name})` : ""} → ${lh}×${lw}`, el("br"), `receptive field ${L.full_size[0]}×${L.full_size[1]}`),
        mapLegend("gray", L.range[0], L.range[1], { testid: `${name}-legend`, what: `layer ${i + 1}'s map` }), mapTable(L, i));
    }));
    drawInput(null);
    maps.dataset.builds = String(++builds); // for tests: hovering redraws, never rebuilds
  }

  function mapTable(L, i) {
    const t = gridTable(`${name}-map-table`);
    t.set(data.arrays[L.map], L.shape[0], L.shape[1], `Layer ${i + 1}'s map (${L.shape[0]} rows, ${L.shape[1]} columns)`);
    return t.element;
  }

  function drawMapCanvas(canvas, L, pix) {
    const [lh, lw] = L.shape;
    const mc = canvas._cell;
    const c2 = sizeCanvas(canvas, lw * mc, lh * mc);
    blit(c2, canvas._base, 0, 0, lw * mc, lh * mc);
    if (pix) outline(c2, pix.row, pix.col, pix.row + 1, pix.col + 1, mc, { color: "#ffd400", width: 2 });
  }

  function drawInput(region) {
    const [h, w] = data.meta.in_shape;
    const c2 = sizeCanvas(inCanvas, w * cell, h * cell);
    blit(c2, inBase, 0, 0, w * cell, h * cell);
    if (!region) return;
    const [r0, r1, c0, c1] = region.inside;
    const [fr0, fr1, fc0, fc1] = region.full;
    c2.save();
    c2.fillStyle = "rgba(0,0,0,.35)";
    c2.fillRect(0, 0, w * cell, r0 * cell);
    c2.fillRect(0, r1 * cell, w * cell, (h - r1) * cell);
    c2.fillRect(0, r0 * cell, c0 * cell, (r1 - r0) * cell);
    c2.fillRect(c1 * cell, r0 * cell, (w - c1) * cell, (r1 - r0) * cell);
    c2.restore();
    if (fr0 < r0 || fr1 > r1 || fc0 < c0 || fc1 > c1) outline(c2, fr0, fc0, fr1, fc1, cell, { color: "#f1b24a", width: 2, dash: [5, 4] });
    outline(c2, r0, c0, r1, c1, cell, { color: "#ffd400", width: 3 });
  }

  function clearSelection() {
    sel.layer = null;
    firstBox.hidden = true;
    if (data) drawInput(null);
  }

  function select(li, row, col) {
    if (!data) return;
    const { meta: m, arrays: a } = data;
    const L = m.layers[li];
    row = Math.max(0, Math.min(L.shape[0] - 1, row));
    col = Math.max(0, Math.min(L.shape[1] - 1, col));
    Object.assign(sel, { layer: li, row, col });
    const inside = [a[L.rs][row], a[L.re][row], a[L.cs][col], a[L.ce][col]];
    const full = [a[L.frs][row], a[L.fre][row], a[L.fcs][col], a[L.fce][col]];
    drawInput({ inside, full });
    mapCanvases.forEach((c, i) => drawMapCanvas(c, m.layers[i], i === li ? { row, col } : null));
    const rh = inside[1] - inside[0];
    const rw = inside[3] - inside[2];
    const fh = full[1] - full[0];
    const fw = full[3] - full[2];
    const clipped = rh !== fh || rw !== fw;
    const value = a[L.map][row * L.shape[1] + col];
    readout.replaceChildren(
      el("p", { dataset: { testid: `${name}-region`, region: inside.join(","), size: `${rh},${rw}`, full: full.join(",") } },
        el("strong", {}, `Layer ${li + 1}, row ${row}, column ${col}`), ` (value ${fmt(value)}) depends on input rows ${span(inside[0], inside[1])}, columns ${span(inside[2], inside[3])}: `,
        el("strong", { dataset: { testid: `${name}-rsize` } }, `${rh}×${rw} pixels`), "."),
      el("p", { class: "hint" }, clipped
        ? `Its full receptive field is ${fh}×${fw} (dashed); the part past the border is padding, which holds no information from the image.`
        : `That is this layer's full receptive field, ${fh}×${fw}.${m.layers.slice(0, li + 1).some((x) => (x.dilation ?? 1) > 1) ? " With dilation the region has gaps: not every pixel in it is read." : ""}`),
    );
    // a first-layer convolution pixel: its exact window and sum
    const first = m.first;
    if (li === 0 && L.type === "conv2d" && first) {
      const [kh, kw] = first.kernel_shape;
      const i = row * L.shape[1] + col;
      winT.set(a[first.windows], kh, kw, { offset: i * kh * kw });
      kerT.set(a[first.kernel], kh, kw);
      prodT.set(a[first.products], kh, kw, { offset: i * kh * kw });
      const s = a[first.sums][i];
      sumL.textContent = `sum of the products = ${fmt(s)} (no bias, no activation): the pixel's value, ${fmt(value)}`;
      sumL.dataset.value = String(s);
      firstBox.hidden = false;
    } else firstBox.hidden = true;
  }

  function wireMap(canvas, li) {
    canvas.addEventListener("pointermove", (ev) => {
      const L = data.meta.layers[li];
      const c = cellAt(canvas, ev, L.shape[0], L.shape[1]);
      if (c && (sel.layer !== li || sel.row !== c.row || sel.col !== c.col)) select(li, c.row, c.col);
    });
    canvas.addEventListener("focus", () => {
      const L = data.meta.layers[li];
      if (sel.layer !== li) select(li, Math.floor(L.shape[0] / 2), Math.floor(L.shape[1] / 2));
    });
    canvas.addEventListener("keydown", (ev) => {
      const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
      if (!(ev.key in moves)) return;
      ev.preventDefault();
      select(li, sel.row + moves[ev.key][0], sel.col + moves[ev.key][1]);
    });
  }

  onWidthChange(stage, () => {
    if (!data) return;
    build();
    if (sel.layer !== null) select(sel.layer, sel.row, sel.col);
  }, 80);
  return { runner, source, select };
}
