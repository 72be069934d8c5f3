// The kernel-cell parser (ui/cells.js) and the filter helpers built on it
// (convolution/kernel-editor.js): typed text in, numbers out, never evaluated.
import test from "node:test";
import assert from "node:assert/strict";
import { parseCell, cellText } from "../../web/js/ui/cells.js";
import { parseFilter, resizeCells } from "../../web/js/convolution/kernel-editor.js";

test("parseCell reads decimals, exponents, fractions and the typographic minus", () => {
  assert.deepEqual(parseCell("1/16"), { ok: true, value: 0.0625 });
  assert.deepEqual(parseCell(" -0.5 "), { ok: true, value: -0.5 });
  assert.deepEqual(parseCell("\u22122"), { ok: true, value: -2 });
  assert.deepEqual(parseCell("1e-3"), { ok: true, value: 0.001 });
  assert.deepEqual(parseCell(".25"), { ok: true, value: 0.25 });
  assert.deepEqual(parseCell("-3/8"), { ok: true, value: -0.375 });
  assert.deepEqual(parseCell("+7."), { ok: true, value: 7 });
});

test("parseCell refuses what is not a plain number, with a reason naming the text", () => {
  assert.deepEqual(parseCell(""), { ok: false, reason: "is empty" });
  assert.deepEqual(parseCell("   "), { ok: false, reason: "is empty" });
  assert.deepEqual(parseCell("abc"), { ok: false, reason: '"abc" is not a number' });
  assert.deepEqual(parseCell("1/2/3"), { ok: false, reason: '"1/2/3" is not a number' });
  assert.deepEqual(parseCell("2*3"), { ok: false, reason: '"2*3" is not a number' });
  assert.deepEqual(parseCell("0x10"), { ok: false, reason: '"0x10" is not a number' });
  assert.deepEqual(parseCell("1/0"), { ok: false, reason: '"1/0" is not a finite number' });
  assert.deepEqual(parseCell("1e999"), { ok: false, reason: '"1e999" is not a finite number' });
});

test("cellText writes small dyadic fractions as a/b and other values short", () => {
  assert.equal(cellText(3), "3");
  assert.equal(cellText(-4), "-4");
  assert.equal(cellText(0.5), "1/2");
  assert.equal(cellText(0.0625), "1/16");
  assert.equal(cellText(-0.75), "-3/4");
  assert.equal(cellText(0.125), "1/8");
  assert.equal(cellText(0.1), "0.1");
  assert.equal(cellText(1 / 3), "0.333333");
  // what cellText writes, parseCell reads back
  for (const v of [0.0625, -0.75, 0.1, 2.5, -7]) assert.equal(parseCell(cellText(v)).value, v);
});

test("parseFilter gives every cell's value and lists the bad cells by index", () => {
  const { values, errors } = parseFilter({ name: "f", rows: 1, cols: 3, cells: ["1", "x", "1/2"] });
  assert.deepEqual(Array.from(values), [1, 0, 0.5]);
  assert.deepEqual(errors, [{ index: 1, reason: '"x" is not a number' }]);
  assert.ok(values instanceof Float64Array);
});

test("resizeCells keeps the centred overlap and pads with zeros", () => {
  const f = { rows: 3, cols: 3, cells: ["1", "2", "3", "4", "5", "6", "7", "8", "9"] };
  assert.deepEqual(resizeCells(f, 1, 1), ["5"]);
  assert.deepEqual(resizeCells(f, 2, 2), ["5", "6", "8", "9"]);
  assert.deepEqual(resizeCells(f, 3, 5), ["0", "1", "2", "3", "0", "0", "4", "5", "6", "0", "0", "7", "8", "9", "0"]);
  const big = resizeCells(f, 5, 5);
  assert.equal(big.length, 25);
  assert.deepEqual([big[6], big[12], big[18]], ["1", "5", "9"]);
  assert.equal(big.filter((c) => c === "0").length, 16);
});
