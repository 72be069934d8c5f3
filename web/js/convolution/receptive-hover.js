// The receptive field on the panel's own maps: hover (or focus + arrow keys) over a
// feature map or pooled map and the input region it depends on is outlined on the input
// image, with its size; for a feature-map pixel the window sum is shown too. From the
// keyboard the pixel cursor moves 1 pixel with the arrow keys and 10 with Page Up/Down
// (rows) or Shift+arrows; Home/End go to the row's ends. Each move is announced briefly.
// pycore's receptive_field computes the region for the panel's current settings.
import { el } from "../ui/dom.js";
import { cellAt } from "../ui/canvas.js";
import { fmt, rangeText as span } from "../ui/format.js";

/**
 * Works by event delegation on the maps box, whose canvases are redrawn on every change.
 * @param {{client, getImage: Function, getSettings: Function, maps: HTMLElement, input: HTMLCanvasElement}} o
 *   getSettings: the panel's settings (see convolution/index.js)
 */
export function wireReceptiveHover({ client, getImage, getSettings, maps, input }) {
  const wrap = input.parentElement;
  const overlay = el("div", { class: "rf-overlay", hidden: true, dataset: { testid: "rf-conv-overlay" } });
  // the full sentence is read on demand (it is long); a move announces only where it is
  const readout = el("p", { class: "rf-conv-readout hint", hidden: true, dataset: { testid: "rf-conv-readout" } });
  const announce = el("p", { class: "visually-hidden", role: "status", dataset: { testid: "rf-conv-announce" } });
  wrap.append(overlay);
  wrap.append(readout);
  maps.after(announce);
  let current = null; // {canvas, row, col}
  const POOL_LAYER = { max: "maxpool", avg: "avgpool" }; // the panel's pool type -> the spec's layer type

  // The layers behind the map `canvas` belongs to: its filter's convolution, then the pooling.
  function layersFor(canvas, settings) {
    const card = canvas.closest('[data-testid="map-card"]');
    const cards = [...maps.querySelectorAll('[data-testid="map-card"]')];
    const filter = settings.filters[cards.indexOf(card)];
    if (!filter) return null;
    const kernel = filter.valid ? { rows: filter.rows, cols: filter.cols, values: Array.from(filter.values) } : null;
    // network spec entries; a pair is [height, width]
    const { stride, dilation, padding, pool } = settings.params;
    const layers = [{ type: "conv2d", kernel_size: [filter.rows, filter.cols], stride, dilation, padding }];
    if (pool.type !== "none") {
      layers.push({ type: POOL_LAYER[pool.type], kernel_size: pool.kernel_size, stride: pool.stride, padding: pool.padding, ceil_mode: pool.ceil_mode });
    }
    return { layers, kernel };
  }

  async function show(canvas, row, col) {
    current = { canvas, row, col };
    const settings = getSettings();
    const spec = layersFor(canvas, settings);
    if (!spec || !getImage()) return;
    const layer = canvas.dataset.testid === "pooled" ? 1 : 0;
    if (layer === 1 && spec.layers.length < 2) return;
    const target = { layer, row, col };
    if (layer === 0 && spec.kernel) target.kernel = spec.kernel;
    let result;
    try {
      result = await client.latest("rf-conv", "receptive_field", {
        source: "full", channel: settings.params.channel, maps: false, layers: spec.layers, target,
        padding_mode: settings.params.padding_mode,
      }, { image: true });
    } catch {
      return; // settings mid-edit: the panel reports its own errors
    }
    if (result.stale || !current || current.canvas !== canvas || current.row !== row || current.col !== col) return;
    const m = result.meta;
    const L = m.layers[layer];
    if (L.shape.join(",") !== canvas.dataset.shape) return; // the maps are being redrawn
    const t = m.target;
    const [r0, r1, c0, c1] = t.region;
    const [h, w] = m.in_shape;
    const sx = input.clientWidth / w;
    const sy = input.clientHeight / h;
    Object.assign(overlay.style, {
      left: `${input.offsetLeft + c0 * sx}px`, top: `${input.offsetTop + r0 * sy}px`,
      width: `${Math.max(2, (c1 - c0) * sx)}px`, height: `${Math.max(2, (r1 - r0) * sy)}px`,
    });
    overlay.hidden = false;
    const what = layer === 0 ? "Feature-map" : "Pooled";
    let text = `${what} pixel (row ${row}, column ${col}) of “${canvas.dataset.label}” depends on input rows ${span(r0, r1)}, columns ${span(c0, c1)}: ${r1 - r0}×${c1 - c0} pixels`;
    if (t.full_size[0] !== t.size[0] || t.full_size[1] !== t.size[1]) text += ` (its full receptive field is ${t.full_size[0]}×${t.full_size[1]}; the rest is padding)`;
    text += ".";
    if (layer === 0 && t.sum !== undefined) text += ` Window × kernel summed: ${fmt(t.sum)} (before the activation).`;
    if (settings.params.padding_mode === "circular") text += " With circular padding, edge pixels also read the opposite border.";
    readout.textContent = text;
    readout.dataset.row = String(row);
    readout.dataset.col = String(col);
    readout.dataset.region = t.region.join(",");
    readout.dataset.size = t.size.join(",");
    if (t.sum !== undefined) readout.dataset.sum = String(t.sum);
    else delete readout.dataset.sum;
    // keep the text away from the outlined region
    const lower = (r0 + r1) / 2 > h / 2;
    readout.classList.toggle("at-top", lower);
    readout.classList.toggle("at-bottom", !lower);
    readout.hidden = false;
  }

  function hide() {
    current = null;
    overlay.hidden = true;
    readout.hidden = true;
  }

  const MAPS = ["fmap", "pooled", "pre-map"];
  const isMap = (t) => t instanceof HTMLCanvasElement && MAPS.includes(t.dataset.testid);
  maps.addEventListener("pointermove", (ev) => {
    const c = ev.target;
    if (!isMap(c)) return;
    const cell = cellAt(c, ev, c.height, c.width);
    if (cell && !(current && current.canvas === c && current.row === cell.row && current.col === cell.col)) show(c, cell.row, cell.col);
  });
  maps.addEventListener("pointerout", (ev) => {
    if (isMap(ev.target) && !ev.target.matches(":focus")) hide();
  });
  maps.addEventListener("focusin", (ev) => {
    const c = ev.target;
    if (isMap(c)) show(c, Math.floor(c.height / 2), Math.floor(c.width / 2));
  });
  maps.addEventListener("focusout", (ev) => isMap(ev.target) && hide());
  maps.addEventListener("keydown", (ev) => {
    const c = ev.target;
    if (!isMap(c) || !current || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const move = cursorMove(ev.key, ev.shiftKey, current.row, current.col, c.height, c.width);
    if (!move) return;
    ev.preventDefault();
    if (move.row === current.row && move.col === current.col) return;
    show(c, move.row, move.col);
    announce.textContent = `Row ${move.row}, column ${move.col}.`;
  });
  // Make the panel's map canvases focusable (they are redrawn on every change).
  new MutationObserver(() => {
    hide();
    for (const c of maps.querySelectorAll(MAPS.map((t) => `canvas[data-testid="${t}"]`).join(", "))) {
      if (!c.hasAttribute("tabindex")) {
        c.tabIndex = 0;
        c.title = "Hover, or focus and use the arrow keys (Page Up/Down or Shift: 10 pixels): the input region this pixel depends on is outlined on the input image";
      }
    }
  }).observe(maps, { childList: true });
}

/**
 * Where a key moves the pixel cursor at (row, col) on an h × w map, kept on the map:
 * arrows 1 pixel (10 with Shift), Page Up/Down 10 rows, Home/End the row's first and last
 * pixel; null for any other key.
 * @returns {{row: number, col: number} | null}
 */
export function cursorMove(key, shift, row, col, h, w) {
  const step = shift ? 10 : 1;
  const moves = {
    ArrowLeft: [0, -step], ArrowRight: [0, step], ArrowUp: [-step, 0], ArrowDown: [step, 0],
    PageUp: [-10, 0], PageDown: [10, 0],
  };
  if (key === "Home") return { row, col: 0 };
  if (key === "End") return { row, col: w - 1 };
  if (!(key in moves)) return null;
  const [dr, dc] = moves[key];
  return { row: Math.max(0, Math.min(h - 1, row + dr)), col: Math.max(0, Math.min(w - 1, col + dc)) };
}
