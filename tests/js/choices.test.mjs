// Option lists from pycore's `options` payload (ui/choices.js).
import test from "node:test";
import assert from "node:assert/strict";
import { choices, labels, wholeRange } from "../../web/js/ui/choices.js";

const MODES = [
  { value: "zeros", label: "zeros" },
  { value: "reflect", label: "reflect (mirror, edge not repeated)" },
  { value: "replicate", label: "replicate (repeat the edge pixel)" },
  { value: "circular", label: "circular (wrap around)" },
];

test("choices: every entry as [value, label], in pycore's order", () => {
  assert.deepEqual(choices(MODES), [["zeros", "zeros"], ["reflect", "reflect (mirror, edge not repeated)"],
    ["replicate", "replicate (repeat the edge pixel)"], ["circular", "circular (wrap around)"]]);
  assert.deepEqual(choices([]), []);
});

test("choices: a view's subset keeps its own order; except and label", () => {
  assert.deepEqual(choices(MODES, { only: ["circular", "zeros"] }), [["circular", "circular (wrap around)"], ["zeros", "zeros"]]);
  assert.deepEqual(choices(MODES, { except: ["reflect", "circular"] }).map(([v]) => v), ["zeros", "replicate"]);
  assert.deepEqual(choices(MODES, { label: (e) => e.value }).map(([, t]) => t), ["zeros", "reflect", "replicate", "circular"]);
  const scales = [{ value: 1, label: "none (1 px)" }, { value: 2, label: "2×2 px → 1" }];
  assert.deepEqual(choices(scales, { only: [2] }), [[2, "2×2 px → 1"]]); // numbers stay numbers
});

test("choices: a value pycore does not offer is an error naming it", () => {
  assert.throws(() => choices(MODES, { only: ["zeros", "mirror"] }), /"mirror" is not one of pycore's options \(zeros, reflect, replicate, circular\)/);
  assert.throws(() => choices([{ value: 1, label: "1" }], { only: ["1"] }), /"1" is not one/); // no type coercion
});

test("labels: value -> label", () => {
  assert.deepEqual(labels(MODES.slice(0, 2)), { zeros: "zeros", reflect: "reflect (mirror, edge not repeated)" });
});

test("wholeRange: up to pycore's limit, or a control's shorter range within it", () => {
  assert.deepEqual(wholeRange(1, 7), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(wholeRange(0, 8), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(wholeRange(1, 8, 4), [1, 2, 3, 4]);
  assert.deepEqual(wholeRange(1, 3, 4), [1, 2, 3]); // the limit wins
  assert.deepEqual(wholeRange(2, 1), []);
});
