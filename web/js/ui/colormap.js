// The colour maps: how a value becomes a colour in each mode (the list of modes, with their
// labels and help, is pycore's options.color_modes). Pure functions, no DOM.

// Values that are not finite are data (an overflow, inf − inf): each has a colour of its
// own that no colour mode uses, whatever the mode, and the legend names them.
export const NAN_RGB = [255, 0, 255];
export const POSINF_RGB = [255, 200, 0];
export const NEGINF_RGB = [0, 170, 90];
/** The legend's entries for values that are not finite, in the order of pycore's nonfinite counts. */
export const NONFINITE_KEY = [
  { kind: "posinf", label: "+∞", rgb: POSINF_RGB },
  { kind: "neginf", label: "−∞", rgb: NEGINF_RGB },
  { kind: "nan", label: "NaN", rgb: NAN_RGB },
];

/** The colour of a value that is not finite; null for a finite one. */
export function nonfiniteRGB(v) {
  if (v === Infinity) return POSINF_RGB;
  if (v === -Infinity) return NEGINF_RGB;
  if (Number.isNaN(v)) return NAN_RGB;
  return null;
}
const NEG_RGB = [33, 102, 172];
const MID_RGB = [247, 247, 247];
const POS_RGB = [178, 24, 43];

/**
 * The value range a colour mode maps onto its scale.
 * @param {string} mode  a colour mode's value: gray, diverging or abs
 * @param {number | null | undefined} vmin  smallest finite value of the map (pycore's None,
 *   null or undefined here: it has none)
 * @param {number | null} vmax  largest finite value of the map
 * @returns {{lo: number, hi: number}}  hi == lo when there is nothing to scale (drawn mid-scale)
 */
export function modeRange(mode, vmin, vmax) {
  if (!Number.isFinite(vmin) || !Number.isFinite(vmax)) {
    if (!["gray", "diverging", "abs"].includes(mode)) throw new Error(`unknown colour mode ${mode}`);
    return { lo: 0, hi: 0 };
  }
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
  const special = nonfiniteRGB(v);
  if (special) return special;
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
 * One range for several maps: the smallest vmin and the largest vmax among the finite ones
 * (a map with no finite value, pycore's None, adds nothing).
 * @param {{vmin: number|null, vmax: number|null}[]} ranges
 * @returns {{vmin: number|null, vmax: number|null}}  nulls when no map has a finite value
 */
export function sharedRange(ranges) {
  let vmin = Infinity;
  let vmax = -Infinity;
  for (const r of ranges) {
    if (Number.isFinite(r.vmin)) vmin = Math.min(vmin, r.vmin);
    if (Number.isFinite(r.vmax)) vmax = Math.max(vmax, r.vmax);
  }
  return vmin <= vmax ? { vmin, vmax } : { vmin: null, vmax: null };
}

/**
 * The values a colour bar names, for a mode's range {lo, hi} (modeRange's): both ends, and
 * zero where it falls inside with room to name it (the diverging bar's white middle).
 * @returns {{value: number, at: number}[]}  at: 0 (left end) .. 1 (right end), in order
 */
export function legendTicks(mode, lo, hi) {
  if (!["gray", "diverging", "abs"].includes(mode)) throw new Error(`unknown colour mode ${mode}`);
  if (!(hi > lo)) return [{ value: lo, at: 0.5 }]; // a constant map is drawn mid-scale
  const ticks = [{ value: lo, at: 0 }];
  const zero = -lo / (hi - lo);
  if (lo < 0 && hi > 0 && zero >= 0.2 && zero <= 0.8) ticks.push({ value: 0, at: zero });
  ticks.push({ value: hi, at: 1 });
  return ticks;
}
