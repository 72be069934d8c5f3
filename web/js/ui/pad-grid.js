// The drawing pad's arithmetic: its pixels as ink, the 8×8 grid a keyboard user draws on
// (a cursor the arrow keys move, a cell that Space inks or clears) and which cells hold
// ink. Pure functions, no DOM.

export const PAD_CELLS = 8;

const MOVES = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };

/** The cursor after `key` (kept on the grid), or null when the key does not move it. */
export function moveCursor(cursor, key, cells = PAD_CELLS) {
  const d = MOVES[key];
  if (!d) return null;
  const clamp = (v) => Math.max(0, Math.min(cells - 1, v));
  return { row: clamp(cursor.row + d[0]), col: clamp(cursor.col + d[1]) };
}

/** The pixel rectangle of a grid cell on a square pad of `size` pixels (cells tile it exactly). */
export function cellRect(row, col, size, cells = PAD_CELLS) {
  const edge = (i) => Math.round((i * size) / cells);
  return { x: edge(col), y: edge(row), w: edge(col + 1) - edge(col), h: edge(row + 1) - edge(row) };
}

/**
 * RGBA pixels -> ink per pixel, 0 (white paper) .. 1 (black ink): 1 − mean(R, G, B) / 255.
 * @param {Uint8ClampedArray} rgba
 * @returns {Float32Array}
 */
export function inkOf(rgba) {
  const n = rgba.length / 4;
  const out = new Float32Array(n);
  for (let i = 0, j = 0; i < n; i++, j += 4) out[i] = 1 - (rgba[j] + rgba[j + 1] + rgba[j + 2]) / 765;
  return out;
}

/** RGBA pixels -> gray levels 0..255 (the mean of R, G and B): what the pad sends to Python. */
export function grayOf(rgba) {
  const n = rgba.length / 4;
  const out = new Uint8Array(n);
  for (let i = 0, j = 0; i < n; i++, j += 4) out[i] = Math.round((rgba[j] + rgba[j + 1] + rgba[j + 2]) / 3);
  return out;
}

/** The mean ink of one grid cell of a square pad (`ink` from inkOf, `size` × `size`). */
export function cellInk(ink, size, row, col, cells = PAD_CELLS) {
  const r = cellRect(row, col, size, cells);
  let sum = 0;
  for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) sum += ink[y * size + x];
  return sum / (r.w * r.h);
}

/** What Space does on a cell: clear it when it is mostly ink, else ink it. */
export function toggleAction(ink, size, row, col, cells = PAD_CELLS) {
  return cellInk(ink, size, row, col, cells) > 0.5 ? "clear" : "ink";
}

/** Whether any pixel holds ink (more than `threshold`). */
export function hasInk(ink, threshold = 0.05) {
  for (let i = 0; i < ink.length; i++) if (ink[i] > threshold) return true;
  return false;
}
