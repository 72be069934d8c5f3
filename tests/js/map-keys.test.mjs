// The Convolution tab's keys: the kernel editor's arrow keys (kernel-editor.js cellMove:
// which cell a key moves to in a rows × cols grid) and the pixel cursor on a map
// (receptive-hover.js cursorMove).
import test from "node:test";
import assert from "node:assert/strict";
import { cellMove } from "../../web/js/convolution/kernel-editor.js";
import { cursorMove } from "../../web/js/convolution/receptive-hover.js";

test("arrows move one cell, and stop at the grid's edges", () => {
  // 2 rows × 3 columns: 0 1 2 / 3 4 5
  assert.equal(cellMove("ArrowRight", 0, 2, 3), 1);
  assert.equal(cellMove("ArrowDown", 1, 2, 3), 4);
  assert.equal(cellMove("ArrowLeft", 4, 2, 3), 3);
  assert.equal(cellMove("ArrowUp", 5, 2, 3), 2);
  assert.equal(cellMove("ArrowRight", 2, 2, 3), null); // no wrap to the next row
  assert.equal(cellMove("ArrowLeft", 3, 2, 3), null);
  assert.equal(cellMove("ArrowUp", 0, 2, 3), null);
  assert.equal(cellMove("ArrowDown", 5, 2, 3), null);
  assert.equal(cellMove("ArrowDown", 0, 1, 1), null);
});

test("left and right move only from that end of the text; Ctrl+Home and Ctrl+End jump", () => {
  assert.equal(cellMove("ArrowLeft", 4, 3, 3, { atStart: false }), null);
  assert.equal(cellMove("ArrowRight", 4, 3, 3, { atEnd: false }), null);
  assert.equal(cellMove("ArrowDown", 4, 3, 3, { atStart: false, atEnd: false }), 7);
  assert.equal(cellMove("Home", 4, 3, 3, { ctrl: true }), 0);
  assert.equal(cellMove("End", 4, 3, 3, { ctrl: true }), 8);
  assert.equal(cellMove("Home", 4, 3, 3), null); // Home alone moves the caret in the cell
  assert.equal(cellMove("Home", 0, 3, 3, { ctrl: true }), null);
  assert.equal(cellMove("a", 4, 3, 3), null);
});

test("the pixel cursor: 1 pixel, 10 with Page Up/Down or Shift, kept on the map", () => {
  assert.deepEqual(cursorMove("ArrowRight", false, 5, 5, 30, 40), { row: 5, col: 6 });
  assert.deepEqual(cursorMove("ArrowRight", true, 5, 5, 30, 40), { row: 5, col: 15 });
  assert.deepEqual(cursorMove("PageDown", false, 5, 5, 30, 40), { row: 15, col: 5 });
  assert.deepEqual(cursorMove("PageUp", false, 15, 5, 30, 40), { row: 5, col: 5 });
  assert.deepEqual(cursorMove("PageUp", false, 4, 5, 30, 40), { row: 0, col: 5 });
  assert.deepEqual(cursorMove("PageDown", false, 25, 5, 30, 40), { row: 29, col: 5 });
  assert.deepEqual(cursorMove("ArrowLeft", true, 5, 3, 30, 40), { row: 5, col: 0 });
  assert.deepEqual(cursorMove("ArrowUp", true, 12, 3, 30, 40), { row: 2, col: 3 });
  assert.deepEqual(cursorMove("Home", false, 7, 9, 30, 40), { row: 7, col: 0 });
  assert.deepEqual(cursorMove("End", false, 7, 9, 30, 40), { row: 7, col: 39 });
  assert.equal(cursorMove("Enter", false, 7, 9, 30, 40), null);
});
