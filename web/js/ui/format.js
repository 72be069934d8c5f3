// Number formatting for labels, cells and tables. Pure functions.

/** Short number for labels: 3 significant digits, no trailing noise, a typographic minus. */
export function fmt(v) {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  if (v === 0) return "0";
  const a = Math.abs(v);
  const s = a >= 1e4 || a < 1e-3 ? v.toExponential(2) : String(Number(v.toPrecision(3)));
  return s.replace("-", "−");
}

/**
 * A map's value range as a label: "0 … 4.26", or what to say when pycore found no finite
 * value (vmin/vmax None: null or undefined here), rather than a range that is not there.
 */
export function fmtRange(vmin, vmax) {
  if (!Number.isFinite(vmin) || !Number.isFinite(vmax)) return "no finite values";
  return `${fmt(vmin)} … ${fmt(vmax)}`;
}

/** Very short number for inside a grid cell: about 2 significant digits. */
export function short(v) {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  if (v === 0) return "0";
  const a = Math.abs(v);
  let s;
  if (a >= 100) s = String(Math.round(v));
  else if (a >= 10) s = v.toFixed(0);
  else if (a >= 1) s = v.toFixed(1);
  else s = v.toFixed(2).replace(/^(-?)0\./, "$1.");
  return s.replace("-", "−");
}

/** Group digits: 854362 -> "854,362". */
export function fmtInt(n) {
  return Number(n).toLocaleString("en-US");
}

/** 96959120 -> "97.0 M", 854362 -> "854 k", small numbers as they are. */
export function fmtShort(n) {
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (a >= 1e4) return `${Math.round(n / 1e3)} k`;
  return fmtInt(n);
}

/** A duration: "<0.1 ms", "3.4 ms", "120 ms". */
export function fmtMs(ms) {
  if (ms < 0.1) return "<0.1 ms";
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  return `${Math.round(ms)} ms`;
}

/** "1 row", "3 rows". */
export function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The half-open interval [a, b) as text: "3" or "3–7". */
export function rangeText(a, b) {
  return b - a === 1 ? `${a}` : `${a}–${b - 1}`;
}
