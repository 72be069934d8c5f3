// Shared pieces of the explorers: DOM helpers, the input picker (random grid, digit,
// or a crop of the user's image), grids of numbers drawn on canvases, editable
// matrices, and the step player. Nothing here computes a result: every number comes
// from pycore (pycore/explain.py) through the worker client.
import { colorOf, modeRange, fmt } from "../render.js";
import { parseCell, cellText } from "../kernel-editor.js";

export { fmt, cellText };

/** el("div", {class: "x", dataset: {testid: "y"}, onclick: fn}, child, "text", ...) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k === "style") node.style.cssText = v;
    else if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else if (k === "text") node.textContent = v;
    else if (v === true) node.setAttribute(k, "");
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export const tid = (root, id) => root.querySelector(`[data-testid="${id}"]`);

let uid = 0;
export const uniqueId = (p) => `${p}-${++uid}`;

/** A labelled <select>; options as [value, label] pairs. */
/**
 * One explorer's card: a titled section with its short explanation, appended to root.
 * Ids follow one scheme: section#x-KEY, h2#xh-KEY, data-testid "explorer-KEY".
 */
export function explorerCard(root, key, title, hint) {
  const card = el("section", { class: "card explorer", id: `x-${key}`, dataset: { testid: `explorer-${key}` }, "aria-labelledby": `xh-${key}` });
  card.append(el("h2", { id: `xh-${key}` }, title), el("p", { class: "hint" }, hint));
  root.append(card);
  return card;
}

export function selectField(label, testid, options, value, { hint, onChange } = {}) {
  const sel = el("select", { dataset: { testid } });
  for (const [v, text] of options) sel.add(new Option(text, String(v)));
  sel.value = String(value);
  if (onChange) sel.addEventListener("change", () => onChange(sel.value));
  const lab = el("label", {}, label, sel, hint ? el("small", {}, hint) : null);
  return { label: lab, input: sel };
}

/** A labelled number input (integers unless step says otherwise). */
export function numberField(label, testid, value, { min, max, step = 1, hint, onChange } = {}) {
  const input = el("input", { type: "number", min, max, step, value, dataset: { testid }, inputmode: "numeric" });
  if (onChange) {
    input.addEventListener("input", () => onChange(input.value));
  }
  const lab = el("label", {}, label, input, hint ? el("small", {}, hint) : null);
  return { label: lab, input };
}

/** Read a number input; NaN for empty or not a number (pycore names the control). */
export function numberOf(input) {
  const t = input.value.trim();
  if (t === "") return NaN;
  const r = parseCell(t);
  return r.ok ? r.value : NaN;
}

export function debounce(fn, ms = 0) {
  let t = null;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

// ----------------------------------------------------------------------------- grids

/**
 * Pick a cell size so a grid of `cols` cells fits `width` CSS pixels.
 * @returns {number} whole pixels between lo and hi
 */
export function cellSize(width, cols, lo = 4, hi = 40) {
  if (!(width > 0)) width = 320;
  return Math.max(lo, Math.min(hi, Math.floor(width / Math.max(1, cols))));
}

/** Size a canvas for CSS size (w, h) at the device pixel ratio; returns its 2-D context scaled to CSS px. */
export function sizeCanvas(canvas, w, h) {
  const dpr = Math.min(2, window.devicePixelRatio || 1);
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  canvas.style.width = `${w}px`;
  canvas.style.height = `${h}px`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

/**
 * Paint a (h, w) grid of values, one square per value, onto an offscreen canvas.
 * @param {Float32Array} data  row-major
 * @param {{cell:number, mode?:string, lo?:number, hi?:number, numbers?:boolean, rgb?:boolean, nanColor?:string}} o
 *   With `rgb`, data is (3, h, w) in [0, 1].
 * @returns {HTMLCanvasElement}
 */
export function paintGrid(data, h, w, o) {
  const cell = o.cell;
  const dpr = Math.min(2, window.devicePixelRatio || 1);
  const c = document.createElement("canvas");
  c.width = Math.round(w * cell * dpr);
  c.height = Math.round(h * cell * dpr);
  const ctx = c.getContext("2d");
  ctx.scale(dpr, dpr);
  const mode = o.mode || "gray";
  const { lo, hi } = o.rgb ? { lo: 0, hi: 1 } : modeRange(mode, o.lo ?? 0, o.hi ?? 1);
  const n = h * w;
  for (let i = 0; i < n; i++) {
    const r = Math.floor(i / w);
    const col = i % w;
    let rgb;
    if (o.rgb) {
      rgb = [0, 1, 2].map((ch) => Math.round(Math.min(1, Math.max(0, data[ch * n + i])) * 255));
    } else if (Number.isNaN(data[i])) {
      ctx.fillStyle = o.nanColor || "#fff";
      ctx.fillRect(col * cell, r * cell, cell, cell);
      continue;
    } else {
      rgb = colorOf(mode, data[i], lo, hi);
    }
    ctx.fillStyle = `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`;
    ctx.fillRect(col * cell, r * cell, cell, cell);
    if (o.numbers && !o.rgb) {
      const light = rgb[0] * 0.3 + rgb[1] * 0.59 + rgb[2] * 0.11 > 140;
      ctx.fillStyle = light ? "#1d2330" : "#fff";
      ctx.font = `${Math.max(8, Math.floor(cell * 0.32))}px ui-monospace, monospace`;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(short(data[i]), col * cell + cell / 2, r * cell + cell / 2);
    }
  }
  if (cell >= 6) {
    ctx.strokeStyle = "rgba(0,0,0,.12)";
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let r = 0; r <= h; r++) {
      ctx.moveTo(0, r * cell + 0.5);
      ctx.lineTo(w * cell, r * cell + 0.5);
    }
    for (let col = 0; col <= w; col++) {
      ctx.moveTo(col * cell + 0.5, 0);
      ctx.lineTo(col * cell + 0.5, h * cell);
    }
    ctx.stroke();
  }
  return c;
}

/** Very short number for inside a cell: 2 significant digits. */
export function short(v) {
  if (Number.isNaN(v)) return "";
  if (v === 0) return "0";
  const a = Math.abs(v);
  let s;
  if (a >= 100) s = String(Math.round(v));
  else if (a >= 10) s = v.toFixed(0);
  else if (a >= 1) s = v.toFixed(1);
  else s = v.toFixed(2).replace(/^(-?)0\./, "$1.");
  return s.replace("-", "−");
}

/** Tint the padding band of a padded grid drawn at `cell` px; outline the real input. */
export function drawPadding(ctx, pads, hp, wp, cell) {
  const { top, bottom, left, right } = pads;
  ctx.save();
  ctx.fillStyle = "rgba(241, 178, 74, 0.55)";
  if (top) ctx.fillRect(0, 0, wp * cell, top * cell);
  if (bottom) ctx.fillRect(0, (hp - bottom) * cell, wp * cell, bottom * cell);
  if (left) ctx.fillRect(0, top * cell, left * cell, (hp - top - bottom) * cell);
  if (right) ctx.fillRect((wp - right) * cell, top * cell, right * cell, (hp - top - bottom) * cell);
  if (top || bottom || left || right) {
    ctx.strokeStyle = "#8a4b00";
    ctx.lineWidth = 2;
    ctx.setLineDash([5, 3]);
    ctx.strokeRect(left * cell + 1, top * cell + 1, (wp - left - right) * cell - 2, (hp - top - bottom) * cell - 2);
  }
  ctx.restore();
}

/** Outline a rectangle of cells [r0, r1) x [c0, c1). */
export function outline(ctx, r0, c0, r1, c1, cell, { color = "#2457c5", width = 3, dash = null, fill = null } = {}) {
  ctx.save();
  if (fill) {
    ctx.fillStyle = fill;
    ctx.fillRect(c0 * cell, r0 * cell, (c1 - c0) * cell, (r1 - r0) * cell);
  }
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  if (dash) ctx.setLineDash(dash);
  ctx.strokeRect(c0 * cell + width / 2, r0 * cell + width / 2, (c1 - c0) * cell - width, (r1 - r0) * cell - width);
  ctx.restore();
}

/** The (row, col) cell under a pointer event on a canvas drawn as h x w cells. */
export function cellAt(canvas, ev, h, w) {
  const r = canvas.getBoundingClientRect();
  const x = ((ev.clientX - r.left) / r.width) * w;
  const y = ((ev.clientY - r.top) / r.height) * h;
  if (x < 0 || y < 0 || x >= w || y >= h) return null;
  return { row: Math.floor(y), col: Math.floor(x) };
}

// ----------------------------------------------------------------------------- tables of numbers

/**
 * A k x k table of numbers whose cells are reused between updates (fast stepping).
 * @returns {{element: HTMLTableElement, set(values: ArrayLike<number>, rows, cols, opts?)}}
 */
export function numberTable(testid, caption) {
  const table = el("table", { class: "nums", dataset: { testid } });
  if (caption) table.append(el("caption", {}, caption));
  const body = el("tbody");
  table.append(body);
  let shape = "";
  let cells = [];
  return {
    element: table,
    set(values, rows, cols, { offset = 0, highlight = -1, classes = null } = {}) {
      const key = `${rows}x${cols}`;
      if (key !== shape) {
        shape = key;
        body.replaceChildren();
        cells = [];
        for (let r = 0; r < rows; r++) {
          const tr = el("tr");
          for (let c = 0; c < cols; c++) {
            const td = el("td");
            cells.push(td);
            tr.append(td);
          }
          body.append(tr);
        }
      }
      for (let i = 0; i < rows * cols; i++) {
        const v = values[offset + i];
        const td = cells[i];
        const text = Number.isNaN(v) ? "—" : fmt(v);
        if (td.textContent !== text) td.textContent = text;
        td.dataset.v = String(v);
        const cls = (i === highlight ? "hi " : "") + (classes ? classes[i] || "" : "") + (Number.isNaN(v) ? " none" : "");
        if (td.className !== cls.trim()) td.className = cls.trim();
      }
    },
  };
}

/**
 * Editable matrix of text cells parsed with the kernel editor's parseCell.
 * @param {{rows:number, cols:number, values:number[], testid:string, label:string, onChange:Function}} o
 */
export function matrixEditor(o) {
  const box = el("div", { class: "matrix-edit", role: "group", "aria-label": o.label, dataset: { testid: o.testid } });
  let rows = o.rows;
  let cols = o.cols;
  let inputs = [];
  // o.digits: significant digits shown for generated values (a typed value is kept as typed)
  const show = (v) => (o.digits && !Number.isInteger(v) ? String(Number(v.toPrecision(o.digits))) : cellText(v));
  function build(values) {
    box.replaceChildren();
    box.style.gridTemplateColumns = `repeat(${cols}, minmax(2.1rem, 3.2rem))`;
    inputs = [];
    for (let i = 0; i < rows * cols; i++) {
      const inp = el("input", {
        type: "text", inputmode: "decimal", autocomplete: "off", spellcheck: "false",
        "aria-label": `${o.label}: row ${Math.floor(i / cols) + 1}, column ${(i % cols) + 1}`,
        dataset: { testid: `${o.testid}-cell`, row: Math.floor(i / cols), col: i % cols },
      });
      inp.value = show(values[i] ?? 0);
      inp.addEventListener("input", () => {
        const r = parseCell(inp.value);
        inp.classList.toggle("invalid", !r.ok);
        inp.setAttribute("aria-invalid", r.ok ? "false" : "true");
        o.onChange?.();
      });
      inputs.push(inp);
      box.append(inp);
    }
  }
  build(o.values);
  return {
    element: box,
    /** {values, errors: ["row r, column c: reason"]} */
    read() {
      const values = [];
      const errors = [];
      inputs.forEach((inp, i) => {
        const r = parseCell(inp.value);
        if (r.ok) values.push(r.value);
        else {
          values.push(NaN);
          errors.push(`${o.label}, row ${Math.floor(i / cols) + 1}, column ${(i % cols) + 1}: ${r.reason}`);
        }
      });
      return { values, errors, rows, cols };
    },
    set(values, r = rows, c = cols) {
      if (r !== rows || c !== cols || inputs.length !== r * c) {
        rows = r;
        cols = c;
        build(values);
      } else {
        inputs.forEach((inp, i) => {
          inp.value = show(values[i]);
          inp.classList.remove("invalid");
        });
      }
    },
    get shape() {
      return [rows, cols];
    },
  };
}

// ----------------------------------------------------------------------------- input picker

const SCALES = [1, 2, 4, 8, 16, 32];

/**
 * Where an explorer's input comes from: a seeded random grid, a digit, or a crop of
 * the user's image (grid size, zoom-out factor, channel, and where, by clicking or
 * with the arrow keys on a thumbnail).
 * @param {object} ctx   appContext
 * @param {{name:string, maxSize:number, size:number, rgb?:boolean, onChange:Function, allowDigit?:boolean}} o
 */
export function sourcePicker(ctx, o) {
  const state = { source: null, touched: false, row: 0, col: 0, placed: false, preferred: o.size };
  const wrap = el("fieldset", { class: "source", dataset: { testid: `${o.name}-source` } });
  wrap.append(el("legend", {}, "Input"));
  const kinds = [["image", "a crop of your image"], ["random", "a random grid"]];
  if (o.allowDigit !== false) kinds.push(["digit", "a handwritten-style digit (8×8)"]);
  const src = selectField("Input", `${o.name}-input`, kinds, "random");
  const size = numberField("Grid size", `${o.name}-size`, o.size, { min: 2, max: o.maxSize });
  const seed = numberField("Seed", `${o.name}-seed`, 0, { min: 0, max: 99999 });
  const digit = selectField("Digit", `${o.name}-digit`, [...Array(10).keys()].map((d) => [d, String(d)]), 3);
  const scale = selectField("Zoom out (mean of)", `${o.name}-scale`, SCALES.map((s) => [s, s === 1 ? "none (1 px)" : `${s}×${s} px → 1`]), 1);
  const chanOpts = [["gray", "gray (mean of R, G, B)"], ["red", "red"], ["green", "green"], ["blue", "blue"]];
  if (o.rgb) chanOpts.unshift(["rgb", "colour (R, G, B)"]);
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
  if (image()) src.input.value = "image";
  sync();

  return {
    element: wrap,
    /** The params pycore.explain's _source reads (and __image when the image is needed). */
    params() {
      const kind = src.input.value;
      const p = { source: kind };
      if (kind === "random") Object.assign(p, { size: numberOf(size.input), seed: numberOf(seed.input) });
      else if (kind === "digit") p.digit = Number(digit.input.value);
      else Object.assign(p, { __image: true, size: numberOf(size.input), scale: Number(scale.input.value), row: state.row, col: state.col, channel: channel.input.value });
      return p;
    },
    needsImage: () => src.input.value === "image",
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

// ----------------------------------------------------------------------------- runner

const STALE_NOTE = "Not updated: see the message above. What is dimmed here is for the previous settings.";

/**
 * Mark an explorer's output as out of date (its latest computation failed), or current again.
 * The note goes first in `target`; the rest is dimmed, its text (which describes the old
 * settings) hidden by explorers.css, and it leaves the keyboard and screen-reader order
 * (inert) until the next success. Without `note` (a second target) only the dimming applies.
 * @param {HTMLElement} target  e.g. the explorer's .x-stage
 * @param {boolean} stale
 * @param {{note?: boolean, testid?: string}} o
 */
export function setStale(target, stale, { note = true, testid } = {}) {
  if (!target) return;
  let n = target.querySelector(":scope > .x-stale-note");
  if (stale && note && !n) {
    n = el("p", { class: "x-stale-note", dataset: { testid } }, STALE_NOTE);
    target.prepend(n);
  }
  if (n) n.hidden = !(stale && note);
  target.classList.toggle("x-stale", stale);
  for (const c of target.children) if (c !== n) c.inert = stale;
  if (stale) target.dataset.stale = "true";
  else delete target.dataset.stale;
}

/**
 * Run one explorer's pycore call with the latest settings: stale results are dropped.
 * A failure is shown inside the explorer (above its output, which is marked out of date,
 * see setStale) and mirrored on the shared banner, prefixed with the explorer's title,
 * only while the Explorers tab is on screen; both clear on the next success.
 * @param {{stale?: HTMLElement[]}} o  the output to mark out of date (default: host's .x-stage)
 */
export function makeRunner(ctx, name, fn, collect, onResult, host = null, o = {}) {
  let lastGood = null;
  let renders = 0;
  let inline = null;
  let message = null; // the explorer's current problem, or null
  const key = `explorer-${name}`;
  const title = host?.querySelector("h2")?.textContent || name;
  const targets = o.stale || (host ? [...host.querySelectorAll(".x-stage")] : []);
  const onScreen = () => {
    const panel = host?.closest('[role="tabpanel"]');
    return !(panel && panel.hidden);
  };
  // the banner: only while the Explorers tab is on screen, and named
  const mirror = () => ctx.setError(key, message && onScreen() ? `${title}: ${message}` : null);
  function show(text) {
    message = text || null;
    if (host) {
      if (!inline) {
        inline = el("p", { class: "x-error", role: "status", dataset: { testid: `${name}-error` } });
        host.querySelector("h2")?.after(inline);
      }
      inline.textContent = message ? message[0].toUpperCase() + message.slice(1) : "";
      inline.hidden = !message;
    }
    mirror();
  }
  // A problem with the computation: the output no longer matches the controls.
  function report(text) {
    show(text);
    targets.forEach((t, i) => setStale(t, !!text && !!lastGood, { note: i === 0, testid: `${name}-stale` }));
    if (host) {
      if (text) host.dataset.failed = "true";
      else delete host.dataset.failed;
    }
  }
  // Leaving the tab takes the message off the banner; coming back puts it there again.
  // (The tabs switch with history.pushState, which fires no hashchange: watch the panel.)
  const panel = host?.closest('[role="tabpanel"]');
  if (panel) new MutationObserver(() => message && mirror()).observe(panel, { attributes: true, attributeFilter: ["hidden"] });
  async function run() {
    if (!ctx.isReady()) return;
    let args;
    try {
      args = collect();
    } catch (e) {
      report(e.message);
      return;
    }
    if (!args) return;
    if (args.__image && !ctx.getImage()) {
      report("No image yet: load one in the “Convolution & pooling” tab, or choose a random grid as the input.");
      return;
    }
    let result;
    try {
      result = await ctx.client.latest(key, fn, args);
    } catch (e) {
      if (e.kind === "Restart") return;
      report(e.message);
      return;
    }
    if (result.stale) return;
    report(null);
    lastGood = result;
    onResult(result);
    if (host) {
      // For tests and the benchmark: what was computed, and how many times.
      host.dataset.args = JSON.stringify(args, (k, v) => (k === "__image" ? undefined : v));
      host.dataset.renders = String(++renders);
    }
  }
  const schedule = debounce(run, 0);
  ctx.onReady(() => setTimeout(schedule, 0));
  if (ctx.isReady()) setTimeout(schedule, 0);
  /** notice(text): a message about a button press (the output stays current); cleared by the next success. */
  return { run: schedule, now: run, last: () => lastGood, notice: show, failed: () => !!message };
}

// ----------------------------------------------------------------------------- player

/**
 * Steps 0..count-1 with play/pause, step, first/last, a scrubber and a speed control.
 * Keyboard on `keyTarget`: ←/→ (and ↑/↓) step, Space plays/pauses, Home/End jump.
 * `render(i, {playing})` draws step i; `announce(i)` returns the text for screen readers.
 */
export class Player {
  constructor(name, { render, announce, speed = 4 }) {
    this.name = name;
    this.render = render;
    this.announce = announce;
    this.count = 0;
    this.index = 0;
    this.playing = false;
    this.raf = 0;
    const b = (label, testid, text, fn) => el("button", { type: "button", class: "secondary", "aria-label": label, title: label, dataset: { testid }, onclick: fn }, text);
    this.firstBtn = b("First position", `${name}-first`, "|◀", () => this.go(0));
    this.backBtn = b("Step back", `${name}-back`, "◀", () => this.go(this.index - 1));
    this.playBtn = b("Play", `${name}-play`, "▶ Play", () => this.toggle());
    this.fwdBtn = b("Step forward", `${name}-fwd`, "▶", () => this.go(this.index + 1));
    this.lastBtn = b("Last position", `${name}-last`, "▶|", () => this.go(this.count - 1));
    this.scrub = el("input", { type: "range", min: 0, max: 0, value: 0, step: 1, dataset: { testid: `${name}-scrub` }, "aria-label": "Position" });
    this.scrub.addEventListener("input", () => this.go(Number(this.scrub.value)));
    this.speed = el("input", { type: "range", min: 1, max: 60, value: speed, step: 1, dataset: { testid: `${name}-speed` }, "aria-label": "Speed in steps per second" });
    this.speedOut = el("output", {}, `${speed}/s`);
    this.speed.addEventListener("input", () => (this.speedOut.textContent = `${this.speed.value}/s`));
    this.status = el("p", { class: "step-status", dataset: { testid: `${name}-step` } });
    this.live = el("p", { class: "sr-only", "aria-live": "polite", dataset: { testid: `${name}-live` } });
    this.element = el("div", { class: "player" },
      el("div", { class: "player-buttons", role: "group", "aria-label": "Playback" }, this.firstBtn, this.backBtn, this.playBtn, this.fwdBtn, this.lastBtn),
      el("label", { class: "scrub" }, "Position ", this.scrub),
      el("label", { class: "speed" }, "Speed ", this.speed, this.speedOut),
      this.status, this.live);
  }

  /** Handle the explorer's keys on `target` (not while typing in a field). */
  bindKeys(target) {
    target.addEventListener("keydown", (ev) => {
      if (target.classList.contains("x-stale")) return; // out of date: nothing to step through
      const t = ev.target;
      if (t.matches?.("input[type=text], input[type=number], select, textarea")) return;
      if (t.matches?.("input[type=range]") && t !== this.scrub && ev.key !== " ") return;
      if (t === this.scrub && ev.key !== " ") return; // the range steps by itself
      if (t.tagName === "BUTTON" && (ev.key === " " || ev.key === "Enter")) return; // buttons click
      const k = ev.key;
      if (k === "ArrowRight" || k === "ArrowDown") this.go(this.index + 1);
      else if (k === "ArrowLeft" || k === "ArrowUp") this.go(this.index - 1);
      else if (k === " " || k === "Spacebar") this.toggle();
      else if (k === "Home") this.go(0);
      else if (k === "End") this.go(this.count - 1);
      else return;
      ev.preventDefault();
    });
  }

  setCount(n, keep = true) {
    this.count = n;
    this.scrub.max = String(Math.max(0, n - 1));
    const i = keep ? Math.min(this.index, n - 1) : 0;
    this.go(Math.max(0, i), { quiet: true });
  }

  go(i, { quiet = false } = {}) {
    if (this.count === 0) return;
    i = Math.max(0, Math.min(this.count - 1, i));
    this.index = i;
    this.scrub.value = String(i);
    this.render(i, { playing: this.playing });
    this.status.textContent = this.announce(i);
    if (!this.playing && !quiet) this.live.textContent = this.status.textContent;
    this.backBtn.disabled = i === 0;
    this.firstBtn.disabled = i === 0;
    this.fwdBtn.disabled = i === this.count - 1;
    this.lastBtn.disabled = i === this.count - 1;
  }

  toggle() {
    if (this.playing) this.pause();
    else this.play();
  }

  play() {
    if (this.count === 0) return;
    if (this.index >= this.count - 1) this.go(0, { quiet: true });
    this.playing = true;
    this.playBtn.textContent = "⏸ Pause";
    this.playBtn.setAttribute("aria-label", "Pause");
    this.live.textContent = "Playing";
    let last = performance.now();
    let acc = 0;
    const tick = (now) => {
      if (!this.playing) return;
      acc += ((now - last) / 1000) * Number(this.speed.value);
      last = now;
      if (acc >= 1) {
        const steps = Math.floor(acc);
        acc -= steps;
        this.go(this.index + steps);
        if (this.index >= this.count - 1) {
          this.pause();
          return;
        }
      }
      this.raf = requestAnimationFrame(tick);
    };
    this.raf = requestAnimationFrame(tick);
  }

  pause() {
    this.playing = false;
    cancelAnimationFrame(this.raf);
    this.playBtn.textContent = "▶ Play";
    this.playBtn.setAttribute("aria-label", "Play");
    this.live.textContent = this.status.textContent ? `Paused. ${this.status.textContent}` : "Paused";
  }
}

/** Draw part of an offscreen grid from paintGrid (device px) at CSS px (x, y, w, h). */
export function blit(ctx, base, x, y, w, h) {
  const dpr = base.width / base.cssW;
  if (w <= 0 || h <= 0) return;
  ctx.drawImage(base, x * dpr, y * dpr, w * dpr, h * dpr, x, y, w, h);
}

/** paintGrid, remembering its CSS width for blit. */
export function grid(data, h, w, o) {
  const c = paintGrid(data, h, w, o);
  c.cssW = w * o.cell;
  return c;
}

/** Hatch cells [r0, r1) x [c0, c1). */
export function hatch(ctx, r0, c0, r1, c1, cell, color = "rgba(192, 57, 43, .55)") {
  if (r1 <= r0 || c1 <= c0) return;
  ctx.save();
  ctx.beginPath();
  ctx.rect(c0 * cell, r0 * cell, (c1 - c0) * cell, (r1 - r0) * cell);
  ctx.clip();
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5;
  const x0 = c0 * cell;
  const y0 = r0 * cell;
  const w = (c1 - c0) * cell;
  const h = (r1 - r0) * cell;
  ctx.beginPath();
  for (let t = -h; t < w; t += 6) {
    ctx.moveTo(x0 + t, y0 + h);
    ctx.lineTo(x0 + t + h, y0);
  }
  ctx.stroke();
  ctx.restore();
}
