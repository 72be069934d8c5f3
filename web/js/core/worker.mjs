// The worker owns Pyodide. It is the only place Python runs; the page talks to it
// through client.js with the message shape of protocol.js. Its only Python entry is
// pycore.page: page.call(fn, image, params), where `image` is the current image when the
// request says `image: true`, else None. `meta` arrives as a plain object, `arrays` as
// {name: Float32Array} whose buffers are transferred (not copied) to the page.
// Every PyProxy made here is destroyed.
import { PYODIDE_BASE, startPyodide, loadPackages, importModule } from "./pyodide-loader.js";

let pyodide = null;
let page = null; // the pycore.page module
// The current image lives here as a Python ndarray (3, H, W) float32 in [0, 1], so
// an edit to a kernel does not resend the pixels.
let imageProxy = null;

function post(msg, transfer = []) {
  self.postMessage(msg, transfer);
}

function progress(stage, detail, bytes = null) {
  post({ progress: { stage, detail, bytes } });
}

async function sizeOf(url) {
  // HEAD is served by our static server and by any static host; a failure only
  // loses the size label, never the load.
  try {
    const r = await fetch(url, { method: "HEAD" });
    const n = Number(r.headers.get("content-length"));
    return Number.isFinite(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

// Pyodide does not always reject when its wasm is missing (it can wait forever), so
// the files it cannot do without are checked first, for a message that names them.
async function checkServed(url) {
  let r;
  try {
    r = await fetch(url, { method: "HEAD" });
  } catch (e) {
    throw new Error(`${url.split("/").slice(-2).join("/")} could not be fetched (${e.message})`, { cause: e });
  }
  if (!r.ok) throw new Error(`${url.split("/").slice(-2).join("/")} is missing (HTTP ${r.status})`);
  const n = Number(r.headers.get("content-length"));
  return Number.isFinite(n) && n > 0 ? n : null;
}

async function load() {
  const base = PYODIDE_BASE;
  const wasmBytes = await checkServed(base + "pyodide.asm.wasm");
  for (const f of ["pyodide.asm.js", "python_stdlib.zip", "pyodide-lock.json"]) await checkServed(base + f);
  progress("runtime", "Python runtime (Pyodide)", wasmBytes);
  pyodide = await startPyodide(base);
  const lock = await (await fetch(base + "pyodide-lock.json")).json();
  const pkgs = lock.packages || {};
  // openblas: the shared library pycore.blas calls for matrix products (numpy has no BLAS here)
  const names = ["numpy", "openblas", "pycore"];
  const sizes = await Promise.all(names.map((n) => (pkgs[n] ? sizeOf(base + pkgs[n].file_name) : null)));
  const bytes = sizes.every((n) => n) ? sizes.reduce((a, b) => a + b, 0) : null;
  await loadPackages(pyodide, names, () => progress("packages", names.join(", "), bytes));
  importModule(pyodide, "numpy").destroy(); // its own stage in the start-up figures
  page = importModule(pyodide, "pycore.page");
}

// Convert a value from the page into Python. Plain objects become dicts and typed
// arrays become memoryviews (pycore.page accepts both), so no Python source text is
// ever built from user data.
function toPy(value) {
  return pyodide.toPy(value);
}

// Unpack {"meta": dict, "arrays": {name: ndarray}} into JS and free every proxy.
function unpack(result) {
  const metaProxy = result.get("meta");
  const arraysProxy = result.get("arrays");
  try {
    const meta = metaProxy.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
    const arrays = {};
    for (const name of arraysProxy) { // a dict iterates over its keys (str -> JS string)
      const a = arraysProxy.get(name);
      try {
        if (failNextCopy) {
          failNextCopy = false;
          void new Float32Array(new ArrayBuffer(8), -1955060904); // what a heap past 2 GB gives
        }
        const buf = a.getBuffer("f32");
        try {
          arrays[name] = buf.data.slice(); // copy out of the wasm heap before release
        } finally {
          buf.release(); // also when the copy fails (out of memory): the page keeps working
        }
      } finally {
        a.destroy();
      }
    }
    return { meta, arrays };
  } finally {
    metaProxy.destroy();
    arraysProxy.destroy();
  }
}

// Calls that keep state in the worker rather than in Python. Both make the worker's
// current image and return it as arrays.image (the page draws that working image).
function keepImage(img) {
  if (imageProxy) imageProxy.destroy();
  imageProxy = img;
}

// Pillow's wheel is loaded (integrity-checked, like numpy's) only for a file that needs it.
let pillow = null;
const needPillow = () => (pillow ??= loadPackages(pyodide, ["pillow"]).catch((e) => {
  pillow = null;
  throw new Error(`Pillow, which reads this file, could not be loaded: ${e.message}`);
}));

const local = {
  set_image(args) {
    const { rgba, width, height, max_side = 0 } = args;
    const py = toPy(rgba);
    try {
      keepImage(page.prepare_image(py, height, width, max_side));
    } finally {
      py.destroy();
    }
    const buf = imageProxy.getBuffer("f32");
    try {
      const [, h, w] = buf.shape;
      return { meta: { source: [width, height], size: [w, h] }, arrays: { image: buf.data.slice() } };
    } finally {
      buf.release();
    }
  },
  async decode_file(args) {
    await needPillow();
    const pyArgs = toPy(args);
    let result;
    try {
      result = page.call("decode_file", null, pyArgs);
    } finally {
      pyArgs.destroy?.();
    }
    try {
      const arraysProxy = result.get("arrays");
      try {
        keepImage(arraysProxy.get("image"));
      } finally {
        arraysProxy.destroy();
      }
      return unpack(result);
    } finally {
      result.destroy();
    }
  },
};

function call(fn, args, withImage) {
  if (local[fn]) return local[fn](args);
  if (TEST_HOOKS && testCalls[fn]) return testCalls[fn]();
  const pyArgs = toPy(args ?? {});
  let result;
  try {
    result = page.worker_call(fn, withImage ? imageProxy : null, pyArgs); // an unknown fn: meta.error names it
  } finally {
    pyArgs.destroy?.();
  }
  try {
    return unpack(result);
  } finally {
    result.destroy();
  }
}

// Python's ValueError/TypeError carry the user-facing message on their last line.
function describeError(e, fn) {
  const kind = e?.type || e?.name || "Error";
  let text = String(e?.message ?? e);
  if (e?.type) {
    const lines = text.trim().split("\n");
    text = lines[lines.length - 1].replace(/^\w+(Error|Exception): /, "");
  } else if (isOutOfMemory(e)) {
    return { kind: "MemoryError", error: outOfMemory(fn) };
  }
  return { kind, error: text };
}

// JavaScript's side of running out of memory: copying a result out of (or an image into)
// a wasm heap grown past 2 GB gives "Start offset -1955060904 is outside the bounds of the
// buffer", a failed allocation "Array buffer allocation failed". (A RangeError is also a
// stack overflow, which is not this.)
function isOutOfMemory(e) {
  return e instanceof RangeError && /outside the bounds|allocation failed|Invalid typed array length|Invalid array buffer length|out of memory/i.test(e.message);
}

// pycore.page words the message (what to make smaller for this call); if even that fails,
// the same advice in short.
function outOfMemory(fn) {
  try {
    return page.out_of_memory_message(fn === "set_image" ? "prepare_image" : fn);
  } catch {
    return `Out of memory in ${fn}: try a smaller working size for the image, or fewer filters.`;
  }
}

// After a fatal error (a wasm trap, an abort) Pyodide's every entry throws "Pyodide already
// fatally failed": the page must start a new worker.
function pyodideDead() {
  try {
    void pyodide.globals;
    return false;
  } catch {
    return true;
  }
}

// Test-only calls, honoured only when the page started this worker with ?test-hooks
// (the page does so only when its own address has ?test-hooks): an error no handler
// catches, a worker that never answers again, and a result too big to copy.
const TEST_HOOKS = new URL(self.location.href).searchParams.has("test-hooks");
let failNextCopy = false; // the next result's copy fails as if memory had run out
const testCalls = {
  __test_fail_next_copy() {
    failNextCopy = true;
    return { meta: {}, arrays: {} };
  },
  __test_crash() {
    setTimeout(() => {
      throw new Error("crash asked for by a test");
    }, 0);
    return { meta: {}, arrays: {} };
  },
  __test_hang() {
    for (;;); // never returns: only terminate() ends this worker
  },
};

const ready = load().then(
  () => post({ ready: true }), // the version comes with the page's first call, options
  (e) => {
    post({ loadError: String(e?.message ?? e) });
    throw e;
  },
);

self.onmessage = async (ev) => {
  const { id, fn, args, image } = ev.data;
  try {
    await ready;
  } catch {
    post({ id, ok: false, error: "Python did not load", kind: "LoadError" });
    return;
  }
  try {
    if (image && !imageProxy) throw new Error("no image loaded yet");
    const t0 = performance.now();
    const { meta, arrays } = await call(fn, args, image);
    // (a result may hold an "error" of its own, e.g. network_trace's broken stack: only
    // worker_call's {error, kind, field} is a refusal)
    if (typeof meta?.error === "string" && typeof meta.kind === "string" && "field" in meta) {
      // a bad setting, as data (pycore.page.worker_call): field names the control it came from
      post({ id, ok: false, error: meta.error, kind: meta.kind, field: meta.field ?? null, fatal: false });
      return;
    }
    const ms = performance.now() - t0;
    post({ id, ok: true, meta, arrays, ms }, Object.values(arrays).map((a) => a.buffer));
  } catch (e) {
    post({ id, ok: false, ...describeError(e, fn), fatal: pyodideDead() });
  }
};
