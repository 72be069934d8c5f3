// Pure drawing: arrays in, pixels out. No module state; every function takes all it needs.

/** The colour modes, in one place. `range` gives the values mapped to the ends of the scale. */
export const COLOR_MODES = [
  {
    id: "gray",
    label: "Gray, min–max",
    help: "Smallest value black, largest white.",
  },
  {
    id: "diverging",
    label: "Diverging",
    help: "Zero is white, negative blue, positive red: for maps with a sign.",
  },
  {
    id: "abs",
    label: "Absolute value",
    help: "Size of the response, whatever its sign: zero black, largest |value| white.",
  },
];

const NAN_RGB = [255, 0, 255]; // NaN is data; show it loudly rather than hide it.
const NEG_RGB = [33, 102, 172];
const MID_RGB = [247, 247, 247];
const POS_RGB = [178, 24, 43];

/**
 * The value range a colour mode maps onto its scale.
 * @param {string} mode  one of COLOR_MODES' ids
 * @param {number} vmin  smallest finite value of the map
 * @param {number} vmax  largest finite value of the map
 * @returns {{lo: number, hi: number}}
 */
export function modeRange(mode, vmin, vmax) {
  const m = Math.max(Math.abs(vmin), Math.abs(vmax));
  switch (mode) {
    case "gray":
      return { lo: vmin, hi: vmax };
    case "diverging":
      return { lo: -m, hi: m };
    case "abs":
      return { lo: 0, hi: m };
    default:
      throw new Error(`unknown colour mode ${mode}`);
  }
}

/**
 * Gray level 0..255 for v in [lo, hi]. A constant map (hi == lo) is drawn mid-gray.
 * The end-to-end tests re-derive pixels with this same rule.
 */
export function grayLevel(v, lo, hi) {
  if (!(hi > lo)) return 128;
  const t = (v - lo) / (hi - lo);
  return Math.round(Math.min(1, Math.max(0, t)) * 255);
}

function lerp(a, b, t) {
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t));
}

/** RGB for one value in a mode whose range is {lo, hi}. */
export function colorOf(mode, v, lo, hi) {
  if (Number.isNaN(v)) return NAN_RGB;
  switch (mode) {
    case "gray": {
      const g = grayLevel(v, lo, hi);
      return [g, g, g];
    }
    case "abs": {
      const g = grayLevel(Math.abs(v), lo, hi);
      return [g, g, g];
    }
    case "diverging": {
      if (!(hi > 0)) return MID_RGB;
      const t = Math.max(-1, Math.min(1, v / hi));
      return t < 0 ? lerp(MID_RGB, NEG_RGB, -t) : lerp(MID_RGB, POS_RGB, t);
    }
    default:
      throw new Error(`unknown colour mode ${mode}`);
  }
}

/**
 * Draw a (height, width) float map onto a canvas at its true size.
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
      if (v !== v) {
        px[j] = NAN_RGB[0];
        px[j + 1] = NAN_RGB[1];
        px[j + 2] = NAN_RGB[2];
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

/** Short number for labels: 3 significant digits, no trailing noise. */
export function fmt(v) {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  if (v === 0) return "0";
  const a = Math.abs(v);
  const s = a >= 1e4 || a < 1e-3 ? v.toExponential(2) : String(Number(v.toPrecision(3)));
  return s.replace("-", "−");
}
