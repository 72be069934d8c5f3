// Benchmark worker: Pyodide + pycore, loaded by the product's own loader (js/core/
// pyodide-loader.js: same ../pyodide/ folder, same lock, checkIntegrity), plus
// tools/bench_cases.py, fetched as text and written to Pyodide's file system (never built
// from data). tools/bench.py copies dist/ into dist-bench/ and this page into
// dist-bench/bench/, so ../js/ is the product's js/ next to it.
//
// request  {id, op: "json", request: string}      -> {id, ok, json: string}
//          {id, op: "arrays", case, sizes: string, settings?: string}
//              -> {id, ok, arrays: [Float32Array x3]}
//          as a worker of the pool (pool.mjs; times on the shared clock, timeOrigin + now):
//          {id, op: "hold", x: Float32Array, shape: string} -> {id, ok, holdMs, receivedAt}
//              keeps the image (C, H, W) in Python for the next "part" calls
//          {id, op: "part", w: Float32Array, request: string, into?: Float32Array}
//              -> {id, ok, part: Float32Array, computeMs, copyMs, receivedAt, repliedAt}
//              bench_cases.pool_part: its band of output rows or range of filters, copied
//              into `into` (a part handed back to be reused) when its length fits
// on load  {ready: true, loadMs} | {loadError}
import { startPyodide, loadPackages } from "../js/core/pyodide-loader.js";

let cases = null;

async function load() {
  const t0 = performance.now();
  const pyodide = await startPyodide();
  await loadPackages(pyodide, ["numpy", "openblas", "pycore"]); // as the page's worker does
  const resp = await fetch(new URL("./bench_cases.py", import.meta.url));
  if (!resp.ok) throw new Error(`bench_cases.py: HTTP ${resp.status}`);
  const source = await resp.text();
  pyodide.FS.mkdirTree("/bench");
  pyodide.FS.writeFile("/bench/bench_cases.py", source, { encoding: "utf8" });
  const sys = pyodide.pyimport("sys");
  sys.path.insert(0, "/bench");
  sys.destroy();
  cases = pyodide.pyimport("bench_cases");
  return performance.now() - t0;
}

/** Milliseconds on a clock all of the page's threads share. */
const sharedNow = () => performance.timeOrigin + performance.now();

/**
 * A float32 ndarray's values copied out of the wasm heap (the proxy is destroyed): into
 * `into` when it has the right length (a buffer the caller handed back, whose pages are
 * already mapped), else into a new array.
 */
function floatsOut(a, into = null) {
  const buf = a.getBuffer("f32");
  try {
    if (into && into.length === buf.data.length) {
      into.set(buf.data);
      return into;
    }
    return buf.data.slice();
  } finally {
    buf.release();
    a.destroy();
  }
}

function part(w, request, into, receivedAt) {
  const t0 = performance.now();
  const a = cases.pool_part(w, request);
  const t1 = performance.now();
  const data = floatsOut(a, into);
  const t2 = performance.now();
  return { part: data, computeMs: t1 - t0, copyMs: t2 - t1, receivedAt, repliedAt: sharedNow() };
}

function arraysOf(caseId, sizes, settings = "") {
  const list = cases.peer_arrays(caseId, sizes, settings);
  const out = [];
  try {
    for (let i = 0; i < list.length; i++) out.push(floatsOut(list.get(i)));
  } finally {
    list.destroy();
  }
  return out;
}

const ready = load().then(
  (loadMs) => self.postMessage({ ready: true, loadMs }),
  (e) => {
    self.postMessage({ loadError: String(e?.message ?? e) });
    throw e;
  },
);

self.onmessage = async (ev) => {
  const receivedAt = sharedNow();
  const { id, op } = ev.data;
  try {
    await ready;
  } catch (e) {
    self.postMessage({ id, ok: false, error: "Pyodide did not load: " + String(e?.message ?? e) });
    return;
  }
  try {
    if (op === "json") {
      self.postMessage({ id, ok: true, json: cases.run_json(ev.data.request) });
    } else if (op === "arrays") {
      const arrays = arraysOf(ev.data.case, ev.data.sizes, ev.data.settings ?? "");
      self.postMessage({ id, ok: true, arrays }, arrays.map((a) => a.buffer));
    } else if (op === "hold") {
      const t0 = performance.now();
      cases.pool_hold_image(ev.data.x, ev.data.shape); // one copy into the wasm heap
      self.postMessage({ id, ok: true, holdMs: performance.now() - t0, receivedAt });
    } else if (op === "part") {
      const r = part(ev.data.w, ev.data.request, ev.data.into ?? null, receivedAt);
      self.postMessage({ id, ok: true, ...r }, [r.part.buffer]);
    } else {
      throw new Error(`unknown op ${op}`);
    }
  } catch (e) {
    self.postMessage({ id, ok: false, error: String(e?.message ?? e) });
  }
};
