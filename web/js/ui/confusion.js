// A confusion matrix as a table: one row per true class, one column per predicted class,
// each cell the number of test images, shaded by its share of the row (the diagonal, the
// right answers, in green; mistakes in red) with its number in black or white, whichever
// reads better on that shade (4.5:1 at least), and each class's accuracy at the row's end.
import { el } from "./dom.js";

const WHITE = [255, 255, 255];
const HIT = [30, 122, 60]; // green: right answers
const MISS = [192, 57, 43]; // red: mix-ups

/** A cell's background: its colour laid over white, stronger the larger its share of the row. */
export function cellColour(hit, share) {
  const alpha = hit ? 0.1 + 0.4 * share : 0.15 + 0.85 * share;
  const c = hit ? HIT : MISS;
  return c.map((v, k) => Math.round(WHITE[k] + (v - WHITE[k]) * alpha));
}

/** WCAG relative luminance of an sRGB colour [r, g, b] 0..255. */
export function luminance(rgb) {
  const [r, g, b] = rgb.map((v) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * The text colour on `rgb` with the higher contrast: black or white. One of the two always
 * reaches 4.58:1 (the worst background, luminance 0.179, gives both that).
 */
export function inkOn(rgb) {
  const l = luminance(rgb);
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? "#000" : "#fff";
}

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
      if (n) {
        const bg = cellColour(i === j, share);
        td.style.background = `rgb(${bg.join(",")})`;
        td.style.color = inkOn(bg);
      }
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
