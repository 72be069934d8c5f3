// A confusion matrix as a table: one row per true class, one column per predicted class,
// each cell the number of test images, shaded by its share of the row (the diagonal, the
// right answers, in green; mistakes in red), and each class's accuracy at the row's end.
import { el } from "./dom.js";

/**
 * @param {number[][]} matrix  (K, K) counts, row = true class, column = predicted
 * @param {string[]} classes   K class names
 * @param {{caption?: string, testid?: string}} o
 * @returns {HTMLTableElement}
 */
export function confusionTable(matrix, classes, o = {}) {
  const k = classes.length;
  const head = el("tr", {},
    el("th", { scope: "col", className: "cm-corner" }, el("span", { className: "cm-axis" }, "true ↓ predicted →")),
    ...classes.map((c) => el("th", { scope: "col" }, c)),
    el("th", { scope: "col", className: "cm-acc" }, "right"));
  const rows = matrix.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    const cells = row.map((n, j) => {
      const share = total ? n / total : 0;
      const cls = n === 0 ? "cm-zero" : i === j ? "cm-hit" : "cm-miss";
      const td = el("td", { className: cls, dataset: { true: String(i), predicted: String(j), count: String(n) },
        title: `${n} of ${total} test images of ${classes[i]} predicted as ${classes[j]}` }, String(n));
      if (n) td.style.setProperty("--share", share.toFixed(3));
      return td;
    });
    const acc = total ? `${Math.round((100 * row[i]) / total)}%` : "—";
    return el("tr", {}, el("th", { scope: "row" }, classes[i]), ...cells, el("td", { className: "cm-acc" }, acc));
  });
  const correct = matrix.reduce((a, row, i) => a + row[i], 0);
  const all = matrix.flat().reduce((a, b) => a + b, 0);
  return el("table", { className: "cm", dataset: { testid: o.testid || "confusion", correct: String(correct), total: String(all) } },
    el("caption", {}, o.caption || `Confusion matrix: ${correct} of ${all} right. Rows: the true class; columns: the class the network chose.`),
    el("thead", {}, head), el("tbody", {}, ...rows.slice(0, k)));
}
