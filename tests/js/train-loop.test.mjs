// The Train tab's slice loop (train/loop.js) against a fake worker whose slices the test
// lets land one at a time.
import test from "node:test";
import assert from "node:assert/strict";
import { sliceLoop } from "../../web/js/train/loop.js";

function fakeWorker(total = 5) {
  const w = { calls: 0, step: 0, pending: [] };
  w.runSlice = () => {
    w.calls++;
    return new Promise((resolve, reject) => w.pending.push({ resolve, reject }));
  };
  // let the oldest slice land, one batch trained
  w.land = async () => {
    const p = w.pending.shift();
    w.step++;
    p.resolve({ meta: { step: w.step, state: w.step >= total ? "done" : "running" } });
    await new Promise((r) => setTimeout(r, 0));
  };
  w.fail = async (message) => {
    w.pending.shift().reject(new Error(message));
    await new Promise((r) => setTimeout(r, 0));
  };
  return w;
}

function recorder(w) {
  const seen = { slices: [], stops: [] };
  const loop = sliceLoop({
    runSlice: w.runSlice,
    onSlice: (r) => seen.slices.push(r.meta.step),
    onStop: (why, e) => seen.stops.push(e ? `${why}: ${e.message}` : why),
  });
  return { loop, seen };
}

test("slices follow each other until done", async () => {
  const w = fakeWorker(3);
  const { loop, seen } = recorder(w);
  assert.equal(loop.start(), true);
  assert.equal(loop.start(), false, "one run at a time");
  for (let i = 0; i < 3; i++) await w.land();
  assert.deepEqual(seen.slices, [1, 2, 3]);
  assert.deepEqual(seen.stops, ["done"]);
  assert.equal(w.calls, 3, "no slice after the last");
  assert.equal(loop.running(), false);
});

test("pause: the slice in flight lands and counts, then nothing more is asked", async () => {
  const w = fakeWorker(10);
  const { loop, seen } = recorder(w);
  loop.start();
  await w.land();
  const paused = loop.pause();
  assert.equal(w.calls, 2, "the second slice was already in flight");
  await w.land();
  await paused;
  assert.deepEqual(seen.slices, [1, 2]);
  assert.deepEqual(seen.stops, ["paused"]);
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(w.calls, 2);
  // resume
  loop.start();
  await w.land();
  assert.deepEqual(seen.slices, [1, 2, 3]);
});

test("cancel drops the slice in flight; an error stops the run and says why", async () => {
  const w = fakeWorker(10);
  const { loop, seen } = recorder(w);
  loop.start();
  const cancelled = loop.cancel();
  assert.equal(loop.running(), false);
  await w.land();
  await cancelled;
  assert.deepEqual(seen.slices, [], "the cancelled slice is not shown");
  assert.deepEqual(seen.stops, []);
  loop.start();
  await w.fail("bad learning rate");
  assert.deepEqual(seen.stops, ["error: bad learning rate"]);
  assert.equal(loop.running(), false);
});
