// Where an explorer's input comes from: a seeded random grid, a digit, or a crop of the
// page's current image.
import { el } from "../ui/dom.js";
import { sizeCanvas } from "../ui/canvas.js";
import { selectField, numberField, numberOf } from "../ui/fields.js";
import { debounce } from "../ui/schedule.js";
import { choices } from "../ui/choices.js";

/**
 * Where an explorer's input comes from: a seeded random grid, a digit, or a crop of
 * the user's image (grid size, zoom-out factor, channel, and where, by clicking or
 * with the arrow keys on a thumbnail).
 * The lists (sources, channels, zoom-outs) and the seed's limit are pycore's (ctx.options).
 * @param {object} ctx   appContext
 * @param {{name:string, maxSize:number, size:number, rgb?:boolean, onChange:Function, allowDigit?:boolean}} o
 *   maxSize: the largest grid (pycore's STEP_GRID_MAX or VIEW_GRID_MAX for the explorer)
 */
export function sourcePicker(ctx, o) {
  const { options } = ctx;
  const SCALES = options.scales.map((s) => s.value);
  const state = { source: null, touched: false, row: 0, col: 0, placed: false, preferred: o.size };
  const wrap = el("fieldset", { class: "source", dataset: { testid: `${o.name}-source` } });
  wrap.append(el("legend", {}, "Input"));
  const kinds = choices(options.sources, { except: o.allowDigit === false ? ["digit"] : [] });
  const src = selectField("Input", `${o.name}-input`, kinds, "random");
  const size = numberField("Grid size", `${o.name}-size`, o.size, { min: 2, max: o.maxSize });
  const seed = numberField("Seed", `${o.name}-seed`, 0, { min: 0, max: options.limits.explorers.MAX_SEED });
  const digit = selectField("Digit", `${o.name}-digit`, [...Array(10).keys()].map((d) => [d, String(d)]), 3);
  const scale = selectField("Zoom out (mean of)", `${o.name}-scale`, choices(options.scales), 1);
  const chanOpts = choices(options.explorer_channels, { except: o.rgb ? [] : ["rgb"] });
  const channel = selectField("Channel", `${o.name}-channel`, chanOpts, o.rgb ? "rgb" : "gray");
  const thumb = el("canvas", {
    class: "crop-thumb", tabindex: "0", role: "img", dataset: { testid: `${o.name}-crop` },
    "aria-label": "Where the crop is taken: click, or use the arrow keys to move it",
  });
  const where = el("p", { class: "hint", dataset: { testid: `${o.name}-crop-text` }, "aria-live": "polite" });
  const noImage = el("p", { class: "hint" }, "No image yet: choose one, drop one or use the sample photo in the “Convolution & pooling” tab.");
  const grid = el("div", { class: "grid2" });
  wrap.append(grid);
  const cropBox = el("div", { class: "crop-box" }, thumb, where, noImage);
  wrap.append(cropBox);
  // fields whose option text is long take the grid's whole width (nothing is cut off)
  src.label.classList.add("wide");
  channel.label.classList.add("wide");
  grid.append(src.label, size.label, seed.label, digit.label, scale.label, channel.label);

  const changed = debounce(() => o.onChange(), 0);
  src.input.addEventListener("change", () => {
    state.touched = true;
    sync();
    changed();
  });
  for (const f of [size.input, seed.input]) f.addEventListener("input", () => {
    if (f === size.input && numberOf(size.input) >= 2) state.preferred = numberOf(size.input);
    sync();
    changed();
  });
  for (const f of [digit.input, scale.input, channel.input]) f.addEventListener("change", () => {
    sync();
    changed();
  });

  function image() {
    return ctx.getImage();
  }
  function side() {
    return (numberOf(size.input) || 0) * Number(scale.input.value);
  }
  function clamp() {
    const img = image();
    if (!img) return;
    const s = side();
    state.row = Math.max(0, Math.min(state.row, img.height - s));
    state.col = Math.max(0, Math.min(state.col, img.width - s));
  }
  // A sensible first crop: the biggest zoom-out that keeps the crop within half the short side, centred.
  function place() {
    const img = image();
    if (!img) return;
    // the size the user chose (or the default), shrunk only as far as this image needs
    const short = Math.min(img.width, img.height);
    const n = Math.max(2, Math.min(state.preferred, short));
    size.input.value = String(n);
    let best = 1;
    for (const s of SCALES) if (n * s <= Math.min(img.width, img.height) * 0.6) best = s;
    scale.input.value = String(best);
    state.row = Math.floor((img.height - n * best) / 2);
    state.col = Math.floor((img.width - n * best) / 2);
    state.placed = true;
  }
  let thumbScale = 1;
  let thumbBase = null;
  function drawThumb() {
    const img = image();
    if (!img || src.input.value !== "image") return;
    const maxW = Math.min(260, Math.max(120, cropBox.clientWidth || 240));
    thumbScale = Math.min(1, maxW / img.width, 200 / img.height);
    const w = Math.max(1, Math.round(img.width * thumbScale));
    const h = Math.max(1, Math.round(img.height * thumbScale));
    if (!thumbBase || thumbBase.key !== `${img.name}|${img.width}|${img.height}|${w}`) {
      const full = document.createElement("canvas");
      full.width = img.width;
      full.height = img.height;
      full.getContext("2d").putImageData(new ImageData(new Uint8ClampedArray(img.rgba), img.width, img.height), 0, 0);
      thumbBase = { key: `${img.name}|${img.width}|${img.height}|${w}`, canvas: full };
    }
    const c2 = sizeCanvas(thumb, w, h);
    c2.imageSmoothingEnabled = true;
    c2.drawImage(thumbBase.canvas, 0, 0, w, h);
    const s = side();
    c2.strokeStyle = "#fff";
    c2.lineWidth = 3;
    c2.strokeRect(state.col * thumbScale, state.row * thumbScale, s * thumbScale, s * thumbScale);
    c2.strokeStyle = "#2457c5";
    c2.lineWidth = 1.5;
    c2.strokeRect(state.col * thumbScale, state.row * thumbScale, s * thumbScale, s * thumbScale);
    const dims = `${img.width}×${img.height} pixels (width × height)`;
    where.textContent = s > img.width || s > img.height
      ? `Your image is ${dims}: a ${s}×${s}-pixel crop does not fit.`
      : `Crop: rows ${state.row}–${state.row + s - 1}, columns ${state.col}–${state.col + s - 1} (${s}×${s} px). Your image: ${dims}.`;
  }
  function sync() {
    const kind = src.input.value;
    const img = image();
    seed.label.hidden = kind !== "random";
    size.label.hidden = kind === "digit";
    digit.label.hidden = kind !== "digit";
    scale.label.hidden = kind !== "image";
    channel.label.hidden = kind !== "image" && !(o.rgb && false);
    cropBox.hidden = kind !== "image";
    thumb.hidden = !img;
    where.hidden = !img;
    noImage.hidden = !!img;
    if (kind === "image" && img && !state.placed) place();
    clamp();
    drawThumb();
  }
  function moveTo(ev) {
    const img = image();
    if (!img) return;
    const r = thumb.getBoundingClientRect();
    const x = (ev.clientX - r.left) / thumbScale;
    const y = (ev.clientY - r.top) / thumbScale;
    const s = side();
    state.row = Math.round(y - s / 2);
    state.col = Math.round(x - s / 2);
    clamp();
    drawThumb();
    changed();
  }
  let dragging = false;
  thumb.addEventListener("pointerdown", (ev) => {
    dragging = true;
    thumb.setPointerCapture?.(ev.pointerId);
    moveTo(ev);
  });
  thumb.addEventListener("pointermove", (ev) => dragging && moveTo(ev));
  thumb.addEventListener("pointerup", () => (dragging = false));
  thumb.addEventListener("keydown", (ev) => {
    const stepPx = Math.max(1, Number(scale.input.value)) * (ev.shiftKey ? 8 : 1);
    const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    if (!(ev.key in moves)) return;
    ev.preventDefault();
    state.row += moves[ev.key][0] * stepPx;
    state.col += moves[ev.key][1] * stepPx;
    clamp();
    drawThumb();
    changed();
  });
  new ResizeObserver(() => drawThumb()).observe(cropBox);

  ctx.onImage(() => {
    state.placed = false;
    thumbBase = null;
    setTimeout(() => {
      // The user's image is what the explorers are for: switch to it unless they chose
      // otherwise (or it is too small to crop a grid from).
      const img = image();
      const usable = img && Math.min(img.width, img.height) >= 2;
      if (!state.touched) src.input.value = usable ? "image" : "random";
      sync();
      if (src.input.value === "image") changed();
    }, 0);
  });
  // Mounted once Python is up: an image loaded before then is chosen as it would have been.
  const img0 = image();
  if (img0) src.input.value = Math.min(img0.width, img0.height) >= 2 ? "image" : "random";
  sync();

  return {
    element: wrap,
    /** The source params pycore's explorers read (the runner passes the image when needsImage()). */
    params() {
      const kind = src.input.value;
      const p = { source: kind };
      if (kind === "random") Object.assign(p, { size: numberOf(size.input), seed: numberOf(seed.input) });
      else if (kind === "digit") p.digit = Number(digit.input.value);
      else Object.assign(p, { size: numberOf(size.input), scale: Number(scale.input.value), row: state.row, col: state.col, channel: channel.input.value });
      return p;
    },
    needsImage: () => src.input.value === "image",
    /** The control of one of the input's settings keys (source, size, seed, ...), or null. */
    control(field) {
      const own = { source: src.input, size: size.input, seed: seed.input, digit: digit.input, scale: scale.input, channel: channel.input, row: thumb, col: thumb };
      return own[field] ?? null;
    },
    hasImage: () => !!image(),
    set(values) {
      if (values.source) {
        src.input.value = values.source;
        state.touched = true;
      }
      if (values.size !== undefined) {
        size.input.value = String(values.size);
        state.preferred = values.size;
      }
      if (values.seed !== undefined) seed.input.value = String(values.seed);
      if (values.digit !== undefined) digit.input.value = String(values.digit);
      if (values.channel !== undefined) channel.input.value = values.channel;
      if (values.scale !== undefined) {
        scale.input.value = String(values.scale);
        state.placed = true;
      }
      if (values.row !== undefined) state.row = values.row;
      if (values.col !== undefined) state.col = values.col;
      if (values.fit) fitWhole();
      sync();
    },
    /** Zoom out as far as needed for the crop to cover as much of the image as possible. */
    fitWhole,
    redraw: sync,
  };

  function fitWhole() {
    const img = image();
    if (!img) return;
    const n = numberOf(size.input) || o.size;
    let best = 1;
    for (const s of SCALES) if (n * s <= Math.min(img.width, img.height)) best = s;
    scale.input.value = String(best);
    state.row = Math.floor((img.height - n * best) / 2);
    state.col = Math.floor((img.width - n * best) / 2);
    state.placed = true;
  }
}
