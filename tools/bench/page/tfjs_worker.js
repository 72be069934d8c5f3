// Benchmark worker: TensorFlow.js (npm @tensorflow/tfjs-core, -backend-cpu, -backend-wasm,
// copied by tools/bench.py into ./tfjs/), the peer reference for pycore's conv2d and
// pooling. A classic worker, because the UMD bundles are loaded with importScripts. The
// UMD core registers no chained ops (tensor.transpose()), so only tf.* functions are used.
//
// request {id, op: "info"} -> {id, ok, info}
//         {id, op: "time", backend, kind, shapes, x, w, ref, repeats, warmup}
//           kind "conv" | "max" | "avg"; x (C, H, W), w (C_out, C_in, k, k) and ref
//           (pycore's output, (C_out, H', W')) as Float32Array; the inputs are transposed
//           to TF.js's NHWC / HWIO outside the timing.
//           -> {id, ok, ms: [...], maxAbsDiff, maxAbsRef, backend}
/* global tf */ // the UMD bundles define it
importScripts("./tfjs/tf-core.min.js", "./tfjs/tf-backend-cpu.min.js", "./tfjs/tf-backend-wasm.min.js");

tf.wasm.setWasmPaths(new URL("./tfjs/", self.location.href).href);

async function useBackend(name) {
  if (tf.getBackend() !== name) {
    const ok = await tf.setBackend(name);
    if (!ok) throw new Error(`TF.js backend ${name} failed to initialise`);
  }
  await tf.ready();
}

async function info() {
  const out = { version: tf.version_core, backends: {} };
  for (const name of ["cpu", "wasm"]) {
    try {
      await useBackend(name);
      out.backends[name] = { ok: true };
    } catch (e) {
      out.backends[name] = { ok: false, error: String(e?.message ?? e) };
    }
  }
  try {
    out.wasmSimd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
    out.wasmThreads = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
  } catch (e) {
    out.wasmFlagsError = String(e?.message ?? e);
  }
  out.crossOriginIsolated = self.crossOriginIsolated === true;
  return out;
}

async function timeOp({ backend, kind, shapes, x, w, ref, repeats, warmup }) {
  await useBackend(backend);
  const [C, H, W] = shapes.x;
  const xt = tf.tidy(() => tf.transpose(tf.tensor4d(x, [1, C, H, W]), [0, 2, 3, 1]));
  let wt = null;
  if (kind === "conv") wt = tf.tidy(() => tf.transpose(tf.tensor4d(w, shapes.w), [2, 3, 1, 0]));
  xt.dataSync();
  if (wt) wt.dataSync();
  const k = shapes.k;
  const run =
    kind === "conv" ? () => tf.conv2d(xt, wt, 1, "same")
    : kind === "max" ? () => tf.maxPool(xt, k, k, "valid")
    : () => tf.avgPool(xt, k, k, "valid");
  try {
    for (let i = 0; i < warmup; i++) {
      const y = run();
      y.dataSync();
      y.dispose();
    }
    const ms = [];
    let last = null;
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      const y = run(); // the cpu and wasm backends compute eagerly, inside this call
      ms.push(performance.now() - t0);
      if (last) last.dispose();
      last = y;
    }
    // Check the last result against pycore's (NHWC vs CHW), outside the timing.
    const got = last.dataSync();
    last.dispose();
    const [Ho, Wo, Co] = shapes.out; // pycore's output is (Co, Ho, Wo)
    let maxAbsDiff = 0;
    let maxAbsRef = 0;
    if (got.length !== ref.length) throw new Error(`TF.js output has ${got.length} values, pycore's ${ref.length}`);
    for (let c = 0; c < Co; c++) {
      for (let i = 0; i < Ho; i++) {
        for (let j = 0; j < Wo; j++) {
          const r = ref[(c * Ho + i) * Wo + j];
          const d = Math.abs(got[(i * Wo + j) * Co + c] - r);
          if (d > maxAbsDiff || Number.isNaN(d)) maxAbsDiff = d;
          if (Math.abs(r) > maxAbsRef) maxAbsRef = Math.abs(r);
        }
      }
    }
    return { ms, maxAbsDiff, maxAbsRef, backend: tf.getBackend() };
  } finally {
    xt.dispose();
    if (wt) wt.dispose();
  }
}

self.onmessage = async (ev) => {
  const { id, op } = ev.data;
  try {
    if (op === "info") self.postMessage({ id, ok: true, info: await info() });
    else if (op === "time") self.postMessage({ id, ok: true, ...(await timeOp(ev.data)) });
    else throw new Error(`unknown op ${op}`);
  } catch (e) {
    self.postMessage({ id, ok: false, error: String(e?.message ?? e) });
  }
};
