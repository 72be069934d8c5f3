// The training progress bar's arithmetic (ui/progress-math.js).
import test from "node:test";
import assert from "node:assert/strict";
import { keepRecent, stepsPerSecond, secondsLeft, fmtDuration, position } from "../../web/js/ui/progress-math.js";

test("steps per second over the kept window", () => {
  const samples = [0, 1, 2, 3, 4, 5].map((i) => ({ t: i * 1000, step: i * 20 }));
  assert.equal(stepsPerSecond(samples), 20);
  const kept = keepRecent(samples, 2500);
  assert.deepEqual(kept.map((s) => s.t), [2000, 3000, 4000, 5000]); // spans at least the window
  assert.equal(stepsPerSecond(kept), 20);
  // a faster recent spell shows in the recent rate, not the overall one
  const mixed = [{ t: 0, step: 0 }, { t: 1000, step: 10 }, { t: 2000, step: 60 }, { t: 3000, step: 110 }];
  assert.equal(stepsPerSecond(keepRecent(mixed, 2000)), 50);
  assert.ok(Math.abs(stepsPerSecond(mixed) - 110 / 3) < 1e-12);
});

test("too few samples or no time passed: the rate is unknown", () => {
  assert.equal(stepsPerSecond([]), null);
  assert.equal(stepsPerSecond([{ t: 5, step: 1 }]), null);
  assert.equal(stepsPerSecond([{ t: 5, step: 1 }, { t: 5, step: 3 }]), null);
  assert.deepEqual(keepRecent([{ t: 0, step: 0 }, { t: 9000, step: 9 }], 1000).length, 2);
});

test("time left", () => {
  assert.equal(secondsLeft(100, 20), 5);
  assert.equal(secondsLeft(0, null), 0);
  assert.equal(secondsLeft(10, null), null);
  assert.equal(secondsLeft(10, 0), null);
});

test("durations read as people say them", () => {
  assert.equal(fmtDuration(0.3), "<1 s");
  assert.equal(fmtDuration(42.4), "42 s");
  assert.equal(fmtDuration(185), "3 min 05 s");
  assert.equal(fmtDuration(3720), "1 h 02 min");
  assert.equal(fmtDuration(null), "—");
});

test("position: the epoch under way and its batches", () => {
  const p = { totalSteps: 450, stepsPerEpoch: 45, epochs: 10 };
  assert.deepEqual(position({ ...p, step: 0 }), { fraction: 0, epoch: 1, stepInEpoch: 0 });
  assert.deepEqual(position({ ...p, step: 1 }), { fraction: 1 / 450, epoch: 1, stepInEpoch: 1 });
  assert.deepEqual(position({ ...p, step: 45 }), { fraction: 0.1, epoch: 1, stepInEpoch: 45 });
  assert.deepEqual(position({ ...p, step: 46 }), { fraction: 46 / 450, epoch: 2, stepInEpoch: 1 });
  assert.deepEqual(position({ ...p, step: 450 }), { fraction: 1, epoch: 10, stepInEpoch: 45 });
});
