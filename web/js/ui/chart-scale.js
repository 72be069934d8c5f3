// The arithmetic of a line chart: the range an axis shows, its "nice" ticks (1, 2 or 5
// times a power of ten) and the map from data to pixels. Pure functions, no DOM.

/**
 * Ticks for an axis from lo to hi: about `count` of them, at a step of 1, 2 or 5 × 10^k,
 * and the range widened to whole steps so the ticks sit at both ends.
 * @returns {{lo: number, hi: number, step: number, ticks: number[]}}
 */
export function niceTicks(lo, hi, count = 5) {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new Error(`axis range must be finite, got ${lo}…${hi}`);
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    // one value: a range of one unit of its size around it
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.5;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw * (1 - 1e-9));
  const a = Math.floor(lo / step + 1e-9) * step;
  const b = Math.ceil(hi / step - 1e-9) * step;
  const ticks = [];
  for (let i = 0, n = Math.round((b - a) / step); i <= n; i++) ticks.push(roundTo(a + i * step, step));
  return { lo: ticks[0], hi: ticks[ticks.length - 1], step, ticks };
}

// Tick values without float noise (0.30000000000000004 -> 0.3).
function roundTo(v, step) {
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(v.toFixed(Math.min(20, digits)));
}

/** The smallest and largest finite y of every series ({points: [[x, y], ...]}), or null. */
export function extent(series, axis = 1) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    for (const p of s.points) {
      const v = p[axis];
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  }
  return lo <= hi ? { lo, hi } : null;
}

/** A linear map from [d0, d1] onto [r0, r1] (pixels; r1 < r0 for a y axis). */
export function linear(d0, d1, r0, r1) {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** A tick label: at most the decimals the step needs (0.25 step: "0.25"; 2 step: "4"). */
export function tickLabel(v, step) {
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  const t = v.toFixed(decimals);
  return Number(t) === 0 ? "0" : t.replace("-", "−");
}
