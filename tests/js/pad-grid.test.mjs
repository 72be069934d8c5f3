// The drawing pad's arithmetic (ui/pad-grid.js): cursor, cells, ink.
import test from "node:test";
import assert from "node:assert/strict";
import { PAD_CELLS, moveCursor, cellRect, inkOf, grayOf, cellInk, toggleAction, hasInk } from "../../web/js/ui/pad-grid.js";

test("arrow keys move the cursor and stop at the edges; other keys do not move it", () => {
  assert.deepEqual(moveCursor({ row: 3, col: 3 }, "ArrowUp"), { row: 2, col: 3 });
  assert.deepEqual(moveCursor({ row: 3, col: 3 }, "ArrowRight"), { row: 3, col: 4 });
  assert.deepEqual(moveCursor({ row: 0, col: 0 }, "ArrowLeft"), { row: 0, col: 0 });
  assert.deepEqual(moveCursor({ row: 7, col: 7 }, "ArrowDown"), { row: 7, col: 7 });
  assert.equal(moveCursor({ row: 1, col: 1 }, " "), null);
});

test("cells tile the pad exactly, whatever its size", () => {
  for (const size of [256, 250, 225, 8]) {
    const covered = new Uint8Array(size * size);
    for (let r = 0; r < PAD_CELLS; r++) for (let c = 0; c < PAD_CELLS; c++) {
      const q = cellRect(r, c, size);
      for (let y = q.y; y < q.y + q.h; y++) for (let x = q.x; x < q.x + q.w; x++) covered[y * size + x]++;
    }
    assert.ok(covered.every((v) => v === 1), `size ${size}`);
  }
  assert.deepEqual(cellRect(2, 5, 256), { x: 160, y: 64, w: 32, h: 32 });
});

function pad(size, paint) {
  // a white RGBA pad with black where paint(x, y)
  const rgba = new Uint8ClampedArray(size * size * 4).fill(255);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    if (paint(x, y)) rgba.fill(0, (y * size + x) * 4, (y * size + x) * 4 + 3);
  }
  return rgba;
}

test("ink and gray from RGBA; the ink of a cell; what Space does there", () => {
  const rgba = new Uint8ClampedArray([255, 255, 255, 255, 0, 0, 0, 255, 30, 60, 90, 255]);
  assert.deepEqual(Array.from(inkOf(rgba)).map((v) => +v.toFixed(6)), [0, 1, +(1 - 180 / 765).toFixed(6)]);
  assert.deepEqual(Array.from(grayOf(rgba)), [255, 0, 60]);
  const size = 64; // 8 px cells
  const rgbaCell = pad(size, (x, y) => x >= 8 && x < 16 && y < 8); // cell (0, 1) black
  const ink = inkOf(rgbaCell);
  assert.equal(cellInk(ink, size, 0, 1), 1);
  assert.equal(cellInk(ink, size, 0, 0), 0);
  assert.equal(toggleAction(ink, size, 0, 1), "clear");
  assert.equal(toggleAction(ink, size, 1, 1), "ink");
  // a loop-based twin of cellInk on a random pad
  let s = 3;
  const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  const noisy = inkOf(pad(size, () => rand() < 0.3));
  for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) {
    let sum = 0;
    for (let y = r * 8; y < r * 8 + 8; y++) for (let x = c * 8; x < c * 8 + 8; x++) sum += noisy[y * size + x];
    assert.ok(Math.abs(cellInk(noisy, size, r, c) - sum / 64) < 1e-9);
  }
  assert.equal(hasInk(inkOf(pad(size, () => false))), false);
  assert.equal(hasInk(ink), true);
});
