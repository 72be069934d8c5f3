// The bench page's main thread: starts the two workers and exposes `window.bench` for
// tools/bench.py, which calls it through Playwright's page.evaluate. All timing happens
// inside the workers; this file only routes messages.
//
// window.bench.pyReady                      Promise<{loadMs}> (Pyodide + numpy + pycore)
// window.bench.py(request)                  bench_cases.run_json(request) -> object
// window.bench.tfInfo()                     TF.js version, backends, wasm SIMD/threads
// window.bench.tf({case, kind, sizes, backends, repeats, warmup})
//     -> {backend: {ms, maxAbsDiff, maxAbsRef} | {error}} on pycore's own inputs
// window.bench.pool({case, sizes, settings, splits, counts, repeats, warmup})
//     a conv case on pools of 1, 2 and all workers (pool.mjs; `counts` defaults to
//     1, 2 and navigator.hardwareConcurrency capped at POOL_CAP), each pool's result
//     checked bit for bit against one conv2d call in the bench worker -> see poolBench;
//     `reuse: false` gives every call new buffers (what handing them back saves)

import { ConvPool, compareBits } from "./pool.mjs";

const statusEl = document.querySelector("[data-testid=bench-status]");
const logEl = document.querySelector("[data-testid=bench-log]");

function log(line) {
  logEl.textContent += line + "\n";
}

function setStatus(state) {
  statusEl.dataset.state = state;
  statusEl.textContent = state;
}

class Rpc {
  constructor(url, options, waitForReady) {
    this.worker = new Worker(url, options);
    this.next = 1;
    this.pending = new Map();
    this.ready = waitForReady
      ? new Promise((resolve, reject) => {
          this.onReady = resolve;
          this.onLoadError = reject;
        })
      : Promise.resolve({});
    this.worker.onmessage = (ev) => {
      const msg = ev.data;
      if (msg.ready) return this.onReady?.(msg);
      if (msg.loadError) return this.onLoadError?.(new Error(msg.loadError));
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg);
      else p.reject(new Error(msg.error));
    };
    this.worker.onerror = (ev) => {
      const err = new Error(ev.message || `worker ${url} failed`);
      this.onLoadError?.(err);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  call(msg, transfer = [], timeoutMs = 300_000) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`timed out after ${timeoutMs} ms: ${msg.op}`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }
}

const py = new Rpc(new URL("./py_worker.mjs", import.meta.url), { type: "module" }, true);
const tfw = new Rpc(new URL("./tfjs_worker.js", import.meta.url), {}, false);

function shapesFor(kind, s) {
  if (kind === "conv") {
    return { x: [s.c_in, s.h, s.w], w: [s.c_out, s.c_in, s.k, s.k], k: s.k, out: [s.h, s.w, s.c_out] };
  }
  return { x: [s.c, s.h, s.w], w: [0], k: s.k, out: [Math.floor(s.h / s.k), Math.floor(s.w / s.k), s.c] };
}

/** The most workers a pool gets, whatever navigator.hardwareConcurrency says. */
const POOL_CAP = 4;
const poolWorkers = []; // py_worker.mjs instances, started on first use, kept for the page's life

async function startPoolWorkers(n) {
  const t0 = performance.now();
  while (poolWorkers.length < n) {
    poolWorkers.push(new Rpc(new URL("./py_worker.mjs", import.meta.url), { type: "module" }, true));
  }
  await Promise.all(poolWorkers.slice(0, n).map((w) => w.ready));
  return performance.now() - t0;
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null;
};

/**
 * -> {hardwareConcurrency, all, counts, startMs, hold: [{sendMs, holdMs, totalMs}],
 *     runs: {"rows:2": {parts, check: {bitEqual, mismatches, maxAbsDiff}, ms: [...],
 *            stitchMs: [...], lastStitchMs: [...] (after the last reply), perPart: [{sendMs, computeMs, copyMs, replyMs} medians],
 *            aloneComputeMs: [...] (part 0 on its own, the others idle)}}}
 * The counts are interleaved within each repeat, so all of them see the same machine load.
 */
async function poolBench({ case: caseId, sizes, settings, splits, counts, repeats, warmup, reuse = true }) {
  const hw = navigator.hardwareConcurrency || 1;
  const all = Math.min(POOL_CAP, hw);
  const wanted = counts ?? [...new Set([1, 2, all])].sort((a, b) => a - b);
  const { arrays } = await py.call({
    op: "arrays", case: caseId, sizes: JSON.stringify(sizes), settings: JSON.stringify(settings),
  });
  const [x, w, ref] = arrays; // ref: one conv2d call in the bench worker
  const shape = [sizes.c_in, sizes.h, sizes.w];
  const wshape = [sizes.c_out, sizes.c_in, sizes.k, sizes.k];
  const startMs = await startPoolWorkers(Math.max(...wanted));
  const hold = await new ConvPool(poolWorkers.slice(0, Math.max(...wanted))).hold(x, shape);
  const configs = [];
  for (const split of splits) {
    for (const n of wanted) {
      const plan = await window.bench.py({ op: "pool_plan", shape, wshape, settings, split, parts: n });
      if (plan.error) throw new Error(plan.error);
      const pool = new ConvPool(poolWorkers.slice(0, plan.ranges.length));
      const first = await pool.conv(plan, w, wshape, settings); // stitched, to check it
      const check = compareBits(first.out, ref);
      pool.release(first);
      configs.push({ key: `${split}:${n}`, split, n, plan, pool, check, runs: [], alone: [] });
    }
  }
  // A split over filters leaves each map whole in its part: timed as a page would use it,
  // without a stitch. Bands must be stitched.
  const once = async (c) => {
    const r = await c.pool.conv(c.plan, w, wshape, settings, { stitch: c.split === "rows" });
    if (reuse) c.pool.release(r); // else every call gets new buffers (to measure what reuse saves)
    return r;
  };
  for (let i = 0; i < warmup; i++) for (const c of configs) await once(c);
  for (let i = 0; i < repeats; i++) {
    for (const c of configs) {
      c.runs.push(await once(c));
      if (c.plan.ranges.length > 1) {
        const request = JSON.stringify({ wshape, settings, split: c.split, range: c.plan.ranges[0] });
        c.alone.push((await poolWorkers[0].call({ op: "part", w, request })).computeMs);
      }
    }
  }
  const runs = {};
  for (const c of configs) {
    const perPart = c.plan.ranges.map((_, p) => Object.fromEntries(
      ["sendMs", "computeMs", "copyMs", "replyMs"].map((k) => [k, median(c.runs.map((r) => r.steps[p][k]))])));
    runs[c.key] = {
      split: c.split, workers: c.n, parts: c.plan.ranges.length, ranges: c.plan.ranges, check: c.check,
      stitched: c.runs.some((r) => r.stitched),
      ms: c.runs.map((r) => r.totalMs), stitchMs: c.runs.map((r) => r.stitchMs),
      lastStitchMs: c.runs.map((r) => r.lastStitchMs), perPart, reuse,
      aloneComputeMs: c.alone,
    };
    log(`${caseId} pool ${c.key}: ${median(runs[c.key].ms).toFixed(1)} ms` +
        ` (bit-equal to one conv2d: ${c.check.bitEqual})`);
  }
  return { hardwareConcurrency: hw, all, cap: POOL_CAP, counts: wanted, startMs, hold, runs };
}

window.bench = {
  pyReady: py.ready,

  async py(request) {
    const { json } = await py.call({ op: "json", request: JSON.stringify(request) });
    return JSON.parse(json);
  },

  async tfInfo() {
    return (await tfw.call({ op: "info" })).info;
  },

  async tf({ case: caseId, kind, sizes, backends, repeats, warmup }) {
    const { arrays } = await py.call({ op: "arrays", case: caseId, sizes: JSON.stringify(sizes) });
    const [x, w, ref] = arrays;
    const shapes = shapesFor(kind, sizes);
    const out = {};
    for (const backend of backends) {
      try {
        // structured clone: each backend gets its own copy of pycore's inputs
        const r = await tfw.call({ op: "time", backend, kind, shapes, x, w, ref, repeats, warmup });
        out[backend] = { ms: r.ms, maxAbsDiff: r.maxAbsDiff, maxAbsRef: r.maxAbsRef, backend: r.backend };
        log(`${caseId} tfjs-${backend}: ${r.ms.map((v) => v.toFixed(1)).join(", ")} ms`);
      } catch (e) {
        out[backend] = { error: String(e?.message ?? e) };
        log(`${caseId} tfjs-${backend}: ${e}`);
      }
    }
    return out;
  },

  pool: poolBench,
};

py.ready.then(
  (r) => {
    log(`Pyodide + pycore ready in ${r.loadMs.toFixed(0)} ms`);
    setStatus("ready");
  },
  (e) => {
    log(`Pyodide failed: ${e.message}`);
    setStatus("error");
  },
);
