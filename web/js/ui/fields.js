// Labelled form fields (a <label> holding its control and an optional hint).
import { el } from "./dom.js";
import { parseCell } from "./cells.js";

/** Give a <select> the options [value, label] (replacing any it had) and select `value`. */
export function fillSelect(sel, options, value) {
  sel.replaceChildren(...options.map(([v, text]) => new Option(text, String(v))));
  sel.value = String(value);
}

/** A labelled <select>; options as [value, label] pairs. */
export function selectField(label, testid, options, value, { hint, onChange } = {}) {
  const sel = el("select", { dataset: { testid } });
  fillSelect(sel, options, value);
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
