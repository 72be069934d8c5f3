// The line chart's axes (ui/chart-scale.js): nice ticks, data extents, the pixel map.
import test from "node:test";
import assert from "node:assert/strict";
import { niceTicks, extent, linear, tickLabel } from "../../web/js/ui/chart-scale.js";

test("ticks are 1, 2 or 5 times a power of ten and cover the range", () => {
  assert.deepEqual(niceTicks(0, 1, 5), { lo: 0, hi: 1, step: 0.2, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] });
  assert.deepEqual(niceTicks(0, 10, 5).ticks, [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(0.13, 2.31, 5), { lo: 0, hi: 2.5, step: 0.5, ticks: [0, 0.5, 1, 1.5, 2, 2.5] });
  assert.deepEqual(niceTicks(1, 450, 5).ticks, [0, 100, 200, 300, 400, 500]);
  assert.deepEqual(niceTicks(-3, 7, 2).ticks, [-5, 0, 5, 10]);
});

test("ticks on seeded random ranges: a nice step, evenly spaced, enclosing the data", () => {
  let s = 7;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let k = 0; k < 300; k++) {
    const a = (rand() - 0.5) * 10 ** (rand() * 8 - 4);
    const b = a + rand() * 10 ** (rand() * 8 - 4);
    const count = 2 + Math.floor(rand() * 8);
    const t = niceTicks(a, b, count);
    const mantissa = t.step / 10 ** Math.floor(Math.log10(t.step) + 1e-12);
    assert.ok([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-9), `step ${t.step}`);
    assert.ok(t.lo <= a + Math.abs(a) * 1e-12 && t.hi >= b - Math.abs(b) * 1e-12, `[${t.lo}, ${t.hi}] holds [${a}, ${b}]`);
    assert.ok(t.ticks.length <= 2 * count + 2, `${t.ticks.length} ticks for ${count}`);
    for (let i = 1; i < t.ticks.length; i++) {
      assert.ok(Math.abs(t.ticks[i] - t.ticks[i - 1] - t.step) <= t.step * 1e-6);
    }
  }
});

test("a single value gets a range around it; reversed ranges are put in order", () => {
  const t = niceTicks(2, 2, 4);
  assert.ok(t.lo < 2 && t.hi > 2);
  assert.deepEqual(niceTicks(0, 0, 2).ticks, [-1, 0, 1]);
  assert.deepEqual(niceTicks(10, 0, 5).ticks, niceTicks(0, 10, 5).ticks);
  assert.throws(() => niceTicks(0, NaN), /finite/);
});

test("extent skips NaN and empty series; linear maps the ends", () => {
  assert.deepEqual(extent([{ points: [[0, 3], [1, NaN], [2, -1]] }, { points: [] }, { points: [[5, 9]] }]), { lo: -1, hi: 9 });
  assert.deepEqual(extent([{ points: [[0, 3], [4, 1]] }], 0), { lo: 0, hi: 4 });
  assert.equal(extent([{ points: [] }]), null);
  const y = linear(0, 2, 100, 0);
  assert.equal(y(0), 100);
  assert.equal(y(2), 0);
  assert.equal(y(1), 50);
  assert.equal(linear(1, 1, 5, 9)(1), 5);
});

test("tick labels have the decimals the step needs", () => {
  assert.equal(tickLabel(0.6000000001, 0.2), "0.6");
  assert.equal(tickLabel(0.25, 0.05), "0.25");
  assert.equal(tickLabel(400, 100), "400");
  assert.equal(tickLabel(-0.0000001, 0.5), "0");
  assert.equal(tickLabel(-1.5, 0.5), "−1.5");
});
