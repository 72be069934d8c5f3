// The bench page's main thread: starts the two workers and exposes `window.bench` for
// tools/bench.py, which calls it through Playwright's page.evaluate. All timing happens
// inside the workers; this file only routes messages.
//
// window.bench.pyReady                      Promise<{loadMs}> (Pyodide + numpy + pycore)
// window.bench.py(request)                  bench_cases.run_json(request) -> object
// window.bench.tfInfo()                     TF.js version, backends, wasm SIMD/threads
// window.bench.tf({case, kind, sizes, backends, repeats, warmup})
//     -> {backend: {ms, maxAbsDiff, maxAbsRef} | {error}} on pycore's own inputs

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
