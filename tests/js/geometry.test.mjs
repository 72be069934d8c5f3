// The output-size text (convolution/geometry.js): which maps share an explanation and
// what is said about the rows and columns a floor drops or a ceil keeps.
import test from "node:test";
import assert from "node:assert/strict";
import { groupBySize, axisNote, headline } from "../../web/js/convolution/geometry.js";

test("maps with the same window size share one block, in first-seen order", () => {
  const a = { label: "edge", kernel: [3, 3] };
  const b = { label: "big", kernel: [5, 5] };
  const c = { label: "blur", kernel: [3, 3] };
  const d = { label: "wide", kernel: [3, 5] };
  assert.deepEqual(groupBySize([a, b, c, d]), [
    { entry: a, labels: ["edge", "blur"] },
    { entry: b, labels: ["big"] },
    { entry: d, labels: ["wide"] },
  ]);
  assert.deepEqual(groupBySize([]), []);
});

test("what a floor drops and a ceil keeps, per axis", () => {
  assert.equal(axisNote({ dropped: 0, overhang: 0 }, "row"), null);
  assert.deepEqual(axisNote({ dropped: 1, overhang: 0 }, "row"), { dropped: true, text: " — the last row never fits a whole window and is dropped" });
  assert.deepEqual(axisNote({ dropped: 2, overhang: 0 }, "column"), { dropped: true, text: " — the last 2 columns never fit a whole window and are dropped" });
  assert.deepEqual(axisNote({ dropped: 0, overhang: 1 }, "row"), { dropped: false, text: " — ceil mode keeps a partial window that reaches 1 row past the edge" });
  assert.deepEqual(axisNote({ dropped: 0, overhang: 3 }, "column"), { dropped: false, text: " — ceil mode keeps a partial window that reaches 3 columns past the edge" });
});

test("the headline names the shape, the window and the rounding", () => {
  const floor = { shape: [10, 12], kernel: [3, 3], geometry: { rows: { ceil_mode: false } } };
  assert.deepEqual(headline(floor, "Feature map", "kernel", ""), {
    title: "Feature map: 10×12",
    text: " with a 3×3 kernel. Output size = ⌊(n + 2·padding − dilation·(k−1) − 1) / stride⌋ + 1:",
  });
  const ceil = { shape: [5, 6], kernel: [2, 2], geometry: { rows: { ceil_mode: true } } };
  assert.deepEqual(headline(ceil, "Pooled map", "window", " (edge, blur)"), {
    title: "Pooled map: 5×6",
    text: " with a 2×2 window (edge, blur). Output size = ⌈(n + 2·padding − dilation·(k−1) − 1) / stride⌉ + 1:",
  });
});
