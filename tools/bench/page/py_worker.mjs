// Benchmark worker: Pyodide + pycore, loaded by the product's own loader (js/core/
// pyodide-loader.js: same ../pyodide/ folder, same lock, checkIntegrity), plus
// tools/bench_cases.py, fetched as text and written to Pyodide's file system (never built
// from data). tools/bench.py copies dist/ into dist-bench/ and this page into
// dist-bench/bench/, so ../js/ is the product's js/ next to it.
//
// request  {id, op: "json", request: string}      -> {id, ok, json: string}
//          {id, op: "arrays", case, sizes: string} -> {id, ok, arrays: [Float32Array x3]}
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

function arraysOf(caseId, sizes) {
  const list = cases.peer_arrays(caseId, sizes);
  const out = [];
  try {
    for (let i = 0; i < list.length; i++) {
      const a = list.get(i);
      const buf = a.getBuffer("f32");
      out.push(buf.data.slice()); // copy out of the wasm heap
      buf.release();
      a.destroy();
    }
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
      const arrays = arraysOf(ev.data.case, ev.data.sizes);
      self.postMessage({ id, ok: true, arrays }, arrays.map((a) => a.buffer));
    } else {
      throw new Error(`unknown op ${op}`);
    }
  } catch (e) {
    self.postMessage({ id, ok: false, error: String(e?.message ?? e) });
  }
};
