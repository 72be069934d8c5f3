// Drawing on canvases: arrays in, pixels out. No module state; every function takes all
// it needs. drawMap/drawRGBA draw at true size (one pixel per value); paintGrid and the
// helpers after it draw grids of cells (one square per value) for the explorers.
import { colorOf, modeRange, nonfiniteRGB } from "./colormap.js";
import { short } from "./format.js";

/**
 * Draw a (height, width) float map onto a canvas at its true size. The colours are scaled
 * to the finite range [vmin, vmax] (pycore's, finite cells only; null when none is
 * finite); +∞, −∞ and NaN cells get their own colours (ui/colormap.js NONFINITE_KEY).
 * @param {HTMLCanvasElement} canvas
 * @param {Float32Array} data  row-major, length width*height
 */
export function drawMap(canvas, data, width, height, mode, vmin, vmax) {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(width, height);
  const px = img.data;
  const { lo, hi } = modeRange(mode, vmin, vmax);
  const n = width * height;
  if (mode === "gray" || mode === "abs") {
    // The hot path for big maps: no per-pixel array allocation.
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    const abs = mode === "abs";
    for (let i = 0, j = 0; i < n; i++, j += 4) {
      let v = data[i];
      if (v !== v || v === Infinity || v === -Infinity) {
        const c = nonfiniteRGB(v);
        px[j] = c[0];
        px[j + 1] = c[1];
        px[j + 2] = c[2];
      } else {
        if (abs) v = Math.abs(v);
        let g = scale ? Math.round((v - lo) * scale) : 128;
        g = g < 0 ? 0 : g > 255 ? 255 : g;
        px[j] = px[j + 1] = px[j + 2] = g;
      }
      px[j + 3] = 255;
    }
  } else {
    for (let i = 0, j = 0; i < n; i++, j += 4) {
      const c = colorOf(mode, data[i], lo, hi);
      px[j] = c[0];
      px[j + 1] = c[1];
      px[j + 2] = c[2];
      px[j + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}

/** Draw an RGBA image (Uint8ClampedArray) at its true size. */
export function drawRGBA(canvas, rgba, width, height) {
  canvas.width = width;
  canvas.height = height;
  canvas.getContext("2d").putImageData(new ImageData(rgba, width, height), 0, 0);
}

/** A horizontal colour bar for a mode; labels are set by the caller. */
export function drawLegend(canvas, mode) {
  const w = 128;
  canvas.width = w;
  canvas.height = 1;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(w, 1);
  const { lo, hi } = modeRange(mode, mode === "abs" ? 0 : -1, 1);
  for (let x = 0; x < w; x++) {
    const v = lo + ((hi - lo) * x) / (w - 1);
    const c = colorOf(mode, v, lo, hi);
    img.data.set([c[0], c[1], c[2], 255], x * 4);
  }
  ctx.putImageData(img, 0, 0);
}

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
 * @param {{cell:number, mode?:string, lo?:number|null, hi?:number|null, numbers?:boolean, rgb?:boolean}} o
 *   With `rgb`, data is (3, h, w) in [0, 1]. lo/hi: the finite range (null: none is
 *   finite); +∞, −∞ and NaN cells have their own colours, as in drawMap.
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
  const { lo, hi } = o.rgb ? { lo: 0, hi: 1 } : modeRange(mode, o.lo === undefined ? 0 : o.lo, o.hi === undefined ? 1 : o.hi);
  const n = h * w;
  for (let i = 0; i < n; i++) {
    const r = Math.floor(i / w);
    const col = i % w;
    let rgb;
    if (o.rgb) {
      rgb = [0, 1, 2].map((ch) => Math.round(Math.min(1, Math.max(0, data[ch * n + i])) * 255));
    } else {
      rgb = colorOf(mode, data[i], lo, hi);
    }
    ctx.fillStyle = `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`;
    ctx.fillRect(col * cell, r * cell, cell, cell);
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
  if (o.numbers && !o.rgb) drawNumbers(c, data, h, w, cell);
  return c;
}

/** WCAG relative luminance of an sRGB colour [r, g, b] in 0..255. */
export function luminance(rgb) {
  const lin = (v) => {
    const x = v / 255;
    return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2]);
}

/** WCAG contrast ratio of two relative luminances (1..21). */
export function contrastRatio(la, lb) {
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/**
 * Black or white, whichever contrasts more with every colour in `backgrounds` (the worst
 * one counts): one of them always reaches 4.6:1 against any single colour.
 * @param {number[][]} backgrounds  [r, g, b] colours the text sits on
 * @returns {"#000" | "#fff"}
 */
export function textColorOn(backgrounds) {
  const ls = backgrounds.map(luminance);
  const onBlack = Math.min(...ls.map((l) => contrastRatio(l, 0)));
  const onWhite = Math.min(...ls.map((l) => contrastRatio(l, 1)));
  return onBlack >= onWhite ? "#000" : "#fff";
}

/**
 * Write each cell's value on a grid canvas from grid()/paintGrid, over whatever is drawn
 * on it already (tints, hatching): the text colour is picked from the pixels it will sit
 * on (four points inside the cell's corners), so numbers keep their contrast.
 * @param {HTMLCanvasElement} c  an offscreen grid (device px; cell is in CSS px)
 */
export function drawNumbers(c, data, h, w, cell) {
  const ctx = c.getContext("2d");
  const dpr = c.width / (w * cell);
  const px = ctx.getImageData(0, 0, c.width, c.height).data;
  const at = (x, y) => {
    const j = (Math.min(c.height - 1, Math.round(y * dpr)) * c.width + Math.min(c.width - 1, Math.round(x * dpr))) * 4;
    return [px[j], px[j + 1], px[j + 2]];
  };
  const inset = Math.max(2, cell * 0.18);
  ctx.save();
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.font = `${Math.max(8, Math.floor(cell * 0.32))}px ui-monospace, monospace`;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  for (let r = 0; r < h; r++) {
    for (let col = 0; col < w; col++) {
      const x0 = col * cell;
      const y0 = r * cell;
      ctx.fillStyle = textColorOn([at(x0 + inset, y0 + inset), at(x0 + cell - inset, y0 + inset),
        at(x0 + inset, y0 + cell - inset), at(x0 + cell - inset, y0 + cell - inset), at(x0 + cell / 2, y0 + inset)]);
      ctx.fillText(short(data[r * w + col]), x0 + cell / 2, y0 + cell / 2);
    }
  }
  ctx.restore();
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

/**
 * A map filled in up to step i (row-major), the rest left light, step i outlined: how a
 * sliding window's output grows. `base` is the whole map from grid().
 * @returns {{row: number, col: number}}  the cell of step i
 */
export function drawMapUpTo(canvas, base, i, ho, wo, cell, width) {
  const ctx = sizeCanvas(canvas, wo * cell, ho * cell);
  ctx.fillStyle = "#eef0f4";
  ctx.fillRect(0, 0, wo * cell, ho * cell);
  const row = Math.floor(i / wo);
  const col = i % wo;
  blit(ctx, base, 0, 0, wo * cell, row * cell);
  blit(ctx, base, 0, row * cell, (col + 1) * cell, cell);
  outline(ctx, row, col, row + 1, col + 1, cell, { color: "#2457c5", width });
  return { row, col };
}
