// The bench page's worker pool (tools/bench/page/pool.mjs): the stitch of bands and filter
// ranges, each channel's map as a view, the bit-for-bit check, and a ConvPool over fake
// workers that cut their parts out of a known output (so the pool's plumbing, not pycore,
// is what is checked here; tests/e2e/test_bench_pool_page.py runs it on Pyodide workers).
import test from "node:test";
import assert from "node:assert/strict";
import { ConvPool, channelViews, compareBits, partLength, stitchParts } from "../../tools/bench/page/pool.mjs";

/** An output (C, H, W) whose every value names its cell: c * 10000 + r * 100 + col. */
function numbered(c, h, w) {
  const out = new Float32Array(c * h * w);
  for (let k = 0; k < c; k++) for (let r = 0; r < h; r++) for (let j = 0; j < w; j++) out[(k * h + r) * w + j] = k * 10000 + r * 100 + j;
  return out;
}

/** Part [lo, hi) of `full` (C, H, W), cut by index arithmetic independent of pool.mjs. */
function cut(full, [c, h, w], split, [lo, hi]) {
  const vals = [];
  for (let k = 0; k < c; k++) {
    for (let r = 0; r < h; r++) {
      const inside = split === "rows" ? r >= lo && r < hi : k >= lo && k < hi;
      if (inside) for (let j = 0; j < w; j++) vals.push(full[(k * h + r) * w + j]);
    }
  }
  return Float32Array.from(vals);
}

const PLANS = [
  { out: [3, 7, 5], split: "rows", ranges: [[0, 4], [4, 7]] },
  { out: [3, 7, 5], split: "rows", ranges: [[0, 3], [3, 5], [5, 7]] },
  { out: [2, 1, 4], split: "rows", ranges: [[0, 1]] },
  { out: [5, 4, 6], split: "filters", ranges: [[0, 2], [2, 4], [4, 5]] },
  { out: [8, 3, 3], split: "filters", ranges: [[0, 4], [4, 8]] },
];

test("stitchParts puts bands and filter ranges back where one output had them", () => {
  for (const plan of PLANS) {
    const full = numbered(...plan.out);
    const parts = plan.ranges.map((r) => cut(full, plan.out, plan.split, r));
    plan.ranges.forEach((_, i) => assert.equal(partLength(plan, i), parts[i].length));
    assert.deepEqual(stitchParts(plan, parts), full, JSON.stringify(plan));
    // into a handed-back buffer of the right size, which is then what comes back
    const into = new Float32Array(full.length).fill(-1);
    assert.equal(stitchParts(plan, parts, into), into);
    assert.deepEqual(into, full);
    // a buffer of the wrong size is not used
    assert.notEqual(stitchParts(plan, parts, new Float32Array(3)).length, 3);
  }
});

test("stitchParts refuses parts that do not fit the plan", () => {
  const plan = PLANS[0];
  const full = numbered(...plan.out);
  const parts = plan.ranges.map((r) => cut(full, plan.out, plan.split, r));
  assert.throws(() => stitchParts(plan, parts.slice(1)), /1 parts for a plan of 2/);
  assert.throws(() => stitchParts(plan, [parts[1], parts[0]]), /part 0 has 45 values, not 60/);
  assert.throws(() => stitchParts({ ...plan, split: "cols" }, parts), /unknown split cols/);
});

test("channelViews gives each filter's map from the filter parts, without copying", () => {
  const plan = PLANS[3];
  const full = numbered(...plan.out);
  const parts = plan.ranges.map((r) => cut(full, plan.out, plan.split, r));
  const maps = channelViews(plan, parts);
  assert.equal(maps.length, 5);
  maps.forEach((m, k) => assert.deepEqual(m, full.subarray(k * 24, (k + 1) * 24)));
  assert.equal(maps[3].buffer, parts[1].buffer); // a view into its part
  assert.throws(() => channelViews(PLANS[0], []), /only a split over filters/);
});

test("compareBits tells bit-equal arrays from ones that differ, -0 and NaN included", () => {
  const a = Float32Array.from([1, 2, 0, NaN]);
  assert.deepEqual(compareBits(a, Float32Array.from(a)), { bitEqual: true, mismatches: 0, maxAbsDiff: 0 });
  const b = Float32Array.from([1, 2.5, -0, NaN]);
  const r = compareBits(a, b);
  assert.equal(r.bitEqual, false);
  assert.equal(r.mismatches, 2); // 2 vs 2.5, and +0 vs -0 (equal as numbers, not as bits)
  assert.equal(r.maxAbsDiff, 0.5);
  assert.equal(compareBits(a, new Float32Array(3)).bitEqual, false);
});

/** A worker that answers "part" with its cut of `full`, into the buffer it was handed. */
function fakeWorker(full, shape, log) {
  return {
    async call(msg, transfer = []) {
      assert.equal(msg.op, "part");
      const req = JSON.parse(msg.request);
      const part = cut(full, shape, req.split, req.range);
      let out = part;
      if (msg.into) {
        assert.deepEqual(transfer, [msg.into.buffer]); // handed back by transfer, not cloned
        assert.equal(msg.into.length, part.length);
        msg.into.set(part);
        out = msg.into;
      }
      log.push({ range: req.range, reused: Boolean(msg.into) });
      const now = performance.timeOrigin + performance.now();
      return { part: out, computeMs: 1, copyMs: 0.5, receivedAt: now, repliedAt: now };
    },
  };
}

test("ConvPool: one part per worker, stitched, and the buffers reused once released", async () => {
  for (const plan of PLANS) {
    const full = numbered(...plan.out);
    const log = [];
    const pool = new ConvPool(plan.ranges.map(() => fakeWorker(full, plan.out, log)));
    const first = await pool.conv(plan, new Float32Array(1), [1, 1, 1, 1], {});
    assert.deepEqual(first.out, full);
    assert.equal(first.steps.length, plan.ranges.length);
    assert.deepEqual(log.map((l) => l.range), plan.ranges);
    assert.ok(log.every((l) => !l.reused));
    pool.release(first);
    const second = await pool.conv(plan, new Float32Array(1), [1, 1, 1, 1], {});
    assert.deepEqual(second.out, full);
    assert.ok(log.slice(plan.ranges.length).every((l) => l.reused));
    if (first.stitched) assert.equal(second.out, first.out); // the same output buffer again
  }
  const plan = PLANS[4];
  const full = numbered(...plan.out);
  const pool = new ConvPool(plan.ranges.map(() => fakeWorker(full, plan.out, [])));
  const r = await pool.conv(plan, new Float32Array(1), [1, 1, 1, 1], {}, { stitch: false });
  assert.equal(r.out, null);
  r.maps.forEach((m, k) => assert.deepEqual(m, full.subarray(k * 9, (k + 1) * 9)));
  await assert.rejects(new ConvPool([pool.workers[0]]).conv(plan, null, [], {}), /a plan of 2 parts for 1 workers/);
});

test("ConvPool stitches each band as it arrives, and times the stitch after the last reply", async () => {
  const plan = PLANS[1];
  const full = numbered(...plan.out);
  const pool = new ConvPool(plan.ranges.map(() => fakeWorker(full, plan.out, [])));
  const r = await pool.conv(plan, new Float32Array(1), [1, 1, 1, 1], {});
  assert.deepEqual(r.out, full);
  assert.ok(r.stitched && r.stitchMs >= 0 && r.lastStitchMs >= 0 && r.lastStitchMs <= r.totalMs);
  // new buffers every call when none are handed back
  const again = await pool.conv(plan, new Float32Array(1), [1, 1, 1, 1], {});
  assert.notEqual(again.out, r.out);
  assert.deepEqual(again.out, full);
});
