// Saying that a map holds values that are not finite (+∞, −∞, NaN: an overflow): the note
// beside the map, with a swatch of each kind's colour, and pycore's sentence
// (nonfinite.text, shown as text, never as HTML). Rendering only.
import { el } from "./dom.js";
import { NONFINITE_KEY } from "./colormap.js";
import { fmtInt } from "./format.js";

function swatch(rgb) {
  const s = el("span", { class: "nf-swatch", "aria-hidden": "true" });
  s.style.background = `rgb(${rgb.join(",")})`;
  return s;
}

/** The legend entries for the kinds `counts` holds (every kind when counts is null). */
export function nonfiniteKey(counts = null) {
  return NONFINITE_KEY.filter((k) => !counts || counts[k.kind] > 0).map((k) =>
    el("span", { class: "nf-key" }, swatch(k.rgb), ` ${k.label}${counts ? ` ${fmtInt(counts[k.kind])}` : ""}`));
}

/**
 * The note for one map, or null when all its values are finite.
 * @param {{any: boolean, posinf: number, neginf: number, nan: number, text: string} | null} nonfinite  pycore's counts
 * @param {string} [what]  the map's name, put before the sentence ("output: ...")
 */
export function nonfiniteNote(nonfinite, what = "") {
  if (!nonfinite || !nonfinite.any) return null;
  return el("p", {
    class: "nonfinite-note",
    role: "note",
    dataset: { testid: "nonfinite", posinf: String(nonfinite.posinf), neginf: String(nonfinite.neginf), nan: String(nonfinite.nan) },
  }, ...nonfiniteKey(nonfinite), el("span", { class: "nf-text" }, `${what ? `${what}: ` : ""}${nonfinite.text}.`));
}

/**
 * The notes for several named arrays (an explorer's meta.nonfinite: {name: counts}, or
 * one counts object), the arrays in `names` order; [] when all are finite.
 * @param {object | null} nonfinite
 * @param {Record<string, string>} [labels]  how to call each array (default: its name)
 */
export function nonfiniteNotes(nonfinite, labels = {}) {
  if (!nonfinite) return [];
  if ("any" in nonfinite) return [nonfiniteNote(nonfinite)].filter(Boolean);
  return Object.entries(nonfinite).map(([name, counts]) => nonfiniteNote(counts, labels[name] || name)).filter(Boolean);
}
