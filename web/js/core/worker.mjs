// The worker owns Pyodide. It is the only place Python runs; the page talks to it
// through client.js with the message shape of protocol.js (fn names a function in
// pycore.api; `image: true` passes the current image first). `meta` is a plain object,
// `arrays` a list of Float32Arrays whose buffers are transferred (not copied) to the page.
// Every PyProxy made here is destroyed.
import { PYODIDE_BASE, startPyodide, loadPackages } from "./pyodide-loader.js";

let pyodide = null;
let api = null;
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
  const sizes = {};
  for (const name of ["numpy", "pycore"]) {
    if (pkgs[name]) sizes[name] = await sizeOf(base + pkgs[name].file_name);
  }
  await loadPackages(pyodide, ["numpy", "pycore"], (name) => progress(name, name, sizes[name] ?? null));
  api = pyodide.pyimport("pycore.api");
}

// Convert a value from the page into Python. Plain objects become dicts and typed
// arrays become memoryviews (pycore.api accepts both), so no Python source text is
// ever built from user data.
function toPy(value) {
  return pyodide.toPy(value);
}

// Unpack {"meta": dict, "arrays": [ndarray, ...]} into JS and free every proxy.
function unpack(result) {
  const metaProxy = result.get("meta");
  const arraysProxy = result.get("arrays");
  const meta = metaProxy.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
  metaProxy.destroy();
  const arrays = [];
  const n = arraysProxy.length;
  for (let i = 0; i < n; i++) {
    const a = arraysProxy.get(i);
    const buf = a.getBuffer("f32");
    arrays.push(buf.data.slice()); // copy out of the wasm heap before release
    buf.release();
    a.destroy();
  }
  arraysProxy.destroy();
  result.destroy();
  return { meta, arrays };
}

// Calls that keep state in the worker rather than in Python.
const local = {
  set_image(args) {
    const { rgba, width, height } = args;
    const py = toPy(rgba);
    try {
      const img = api.prepare_image(py, height, width);
      if (imageProxy) imageProxy.destroy();
      imageProxy = img;
    } finally {
      py.destroy();
    }
    return { meta: { width, height }, arrays: [] };
  },
};

function call(fn, args, withImage) {
  if (local[fn]) return local[fn](args);
  const f = api[fn];
  if (!f || fn.startsWith("_")) throw new Error(`unknown worker call ${fn}`);
  const pyArgs = toPy(args ?? {});
  try {
    const result = withImage ? f(imageProxy, pyArgs) : f(pyArgs);
    try {
      return unpack(result);
    } catch (e) {
      result.destroy?.();
      throw e;
    }
  } finally {
    pyArgs.destroy?.();
    f.destroy();
  }
}

// Python's ValueError/TypeError carry the user-facing message on their last line.
function describeError(e) {
  const kind = e?.type || e?.name || "Error";
  let text = String(e?.message ?? e);
  if (e?.type) {
    const lines = text.trim().split("\n");
    text = lines[lines.length - 1].replace(/^\w+(Error|Exception): /, "");
  }
  return { kind, error: text };
}

const ready = load().then(
  () => post({ ready: true, version: api.__version__ ?? null }),
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
    const { meta, arrays } = call(fn, args, image);
    const ms = performance.now() - t0;
    post({ id, ok: true, meta, arrays, ms }, arrays.map((a) => a.buffer));
  } catch (e) {
    post({ id, ok: false, ...describeError(e) });
  }
};
