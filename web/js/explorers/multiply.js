// Multiply and sum: the single step a filter does at one position, on two small
// editable matrices (pycore's multiply_sum). Defaults: the notebook's 1..9 and 9..1.
import { el } from "../ui/dom.js";
import { fmt } from "../ui/format.js";
import { selectField } from "../ui/fields.js";
import { matrixEditor, numberTable } from "./tables.js";
import { makeRunner, fieldError } from "./runner.js";
import { hint } from "./card.js";
import { wholeRange } from "../ui/choices.js";

const A0 = [1, 2, 3, 4, 5, 6, 7, 8, 9];
const B0 = [9, 8, 7, 6, 5, 4, 3, 2, 1];

export function mountMultiply(card, ctx, name) {
  hint(card, "The one operation a filter repeats at every position: multiply each pair of cells that lie on top of each other, then add up the products. Think of A as the image patch under the filter and B as the filter's weights. Edit any cell.");
  // up to 5×5, which fits beside B and the products; pycore allows up to its MAX_KERNEL
  const sides = wholeRange(1, ctx.options.limits.explorers.MAX_KERNEL, 5).map((n) => [n, String(n)]);
  const rows = selectField("Rows", `${name}-rows`, sides, 3);
  const cols = selectField("Columns", `${name}-cols`, sides, 3);
  const a = matrixEditor({ rows: 3, cols: 3, values: A0, testid: `${name}-a`, label: "Matrix A", onChange: () => runner.run() });
  const b = matrixEditor({ rows: 3, cols: 3, values: B0, testid: `${name}-b`, label: "Matrix B", onChange: () => runner.run() });
  const reset = el("button", { type: "button", class: "secondary", dataset: { testid: `${name}-reset` } }, "Back to 1..9 and 9..1");
  const resize = () => {
    const r = Number(rows.input.value);
    const c = Number(cols.input.value);
    const fill = (vals, n) => Array.from({ length: n }, (_, i) => vals[i % vals.length]);
    a.set(fill(A0, r * c), r, c);
    b.set(fill(B0, r * c).reverse(), r, c);
    runner.run();
  };
  rows.input.addEventListener("change", resize);
  cols.input.addEventListener("change", resize);
  reset.addEventListener("click", () => {
    rows.input.value = "3";
    cols.input.value = "3";
    a.set(A0, 3, 3);
    b.set(B0, 3, 3);
    runner.run();
  });
  const prod = numberTable(`${name}-products`, "A × B, cell by cell");
  const sum = el("p", { class: "big-sum", dataset: { testid: `${name}-sum` }, "aria-live": "polite" });
  const prodFig = el("figure", {}, prod.element);
  const result = el("div", { class: "mul-result" }, sum);
  const box = el("div", { class: "x-figs mul" },
    el("figure", {}, el("figcaption", {}, "A"), a.element),
    el("span", { class: "op", "aria-hidden": "true" }, "×"),
    el("figure", {}, el("figcaption", {}, "B"), b.element),
    el("span", { class: "op", "aria-hidden": "true" }, "="),
    prodFig);
  card.append(el("div", { class: "grid2 mul-size" }, rows.label, cols.label), box, result, reset);

  const editors = { a, b };
  const controlOf = (f) => {
    const m = editors[f.split(".")[0]];
    return m ? { control: m.element, anchor: m.element } : null;
  };
  const runner = makeRunner(ctx, { key: name, fn: "multiply_sum", host: card, stale: [result, prodFig], controls: controlOf, collect: () => {
    const ra = a.read();
    const rb = b.read();
    if (ra.errors.length) throw fieldError(ra.errors[0], "a");
    if (rb.errors.length) throw fieldError(rb.errors[0], "b");
    return { a: { rows: ra.rows, cols: ra.cols, values: ra.values }, b: { rows: rb.rows, cols: rb.cols, values: rb.values } };
  }, onResult: ({ meta, arrays }) => {
    const [r, c] = meta.shape;
    const p = arrays.products;
    prod.set(p, r, c);
    sum.textContent = `sum = ${Array.from(p, (v) => fmt(v)).join(" + ").replace(/\+ −/g, "− ")} = ${fmt(meta.sum)}`;
    sum.dataset.value = String(meta.sum);
  } }); // stale: the matrices are the controls, only the products and the sum go out of date
  return { runner };
}
