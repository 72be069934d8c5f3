// Typed numbers in grid cells: parsed, never evaluated. Accepted: decimals with an
// optional exponent ("-0.5", "1e-3", ".25") and simple fractions ("1/16", "-3/8"),
// because the notebook's blur is written in sixteenths. Pure functions, no DOM.

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parse one kernel cell.
 * @param {string} text
 * @returns {{ok: true, value: number} | {ok: false, reason: string}}
 */
export function parseCell(text) {
  const s = String(text).trim().replace(/\u2212/g, "-"); // accept the typographic minus
  if (s === "") return { ok: false, reason: "is empty" };
  const parts = s.split("/");
  if (parts.length > 2) return { ok: false, reason: `"${text}" is not a number` };
  if (!parts.every((p) => NUMBER.test(p.trim()))) return { ok: false, reason: `"${text}" is not a number` };
  const value = parts.length === 2 ? Number(parts[0]) / Number(parts[1]) : Number(parts[0]);
  if (!Number.isFinite(value)) return { ok: false, reason: `"${text}" is not a finite number` };
  return { ok: true, value };
}

/** Format a kernel value for a cell: short, exact where it can be. */
export function cellText(v) {
  if (Number.isInteger(v)) return String(v);
  // Small dyadic fractions (the notebook's blur is in sixteenths) read better as a/b.
  for (const d of [2, 4, 8, 16]) {
    const n = v * d;
    if (Math.abs(n - Math.round(n)) < 1e-12 && Math.abs(n) < 1000) return `${Math.round(n)}/${d}`;
  }
  return String(Number(v.toPrecision(6)));
}
