// Starting Pyodide with numpy and pycore from this site's own pyodide/ folder (never a
// CDN), the same way for the page's worker (worker.mjs) and the benchmark's worker
// (tools/bench/page/py_worker.mjs, which imports this file from the copy of js/ next to it).
//
// Each start-up stage is recorded as a User Timing measure named `startup:<stage>` in the
// worker's own timeline (performance.getEntriesByType("measure")): `runtime` (download,
// wasm compile and start of Python with its stdlib), `packages` (download and unpack of the
// wheels, numpy's shared libraries linked), `import <module>`. The benchmark reads them.
import { loadPyodide } from "../../pyodide/pyodide.mjs";

/** The folder holding pyodide.mjs, its wasm, the stdlib, the lock and the wheels. */
export const PYODIDE_BASE = new URL("../../pyodide/", import.meta.url).href;

/** Prefix of the start-up measures (see the file's header). */
export const STARTUP_MEASURE = "startup:";

function measure(stage, start) {
  try {
    performance.measure(STARTUP_MEASURE + stage, { start, end: performance.now() });
  } catch {
    // A timeline that cannot take the entry only loses a figure, never the load.
  }
}

async function timed(stage, work) {
  const start = performance.now();
  try {
    return await work();
  } finally {
    measure(stage, start);
  }
}

/** Pyodide with the site's lock file; Python's stdout is dropped, its stderr warned. */
export function startPyodide(base = PYODIDE_BASE) {
  return timed("runtime", () => loadPyodide({
    indexURL: base,
    lockFileURL: base + "pyodide-lock.json",
    stdout: () => {},
    stderr: (s) => console.warn("[python]", s),
  }));
}

/**
 * Load packages with integrity checks, all in one loadPackage call: Pyodide resolves
 * their dependencies, downloads every wheel at once and links them in dependency order.
 * loadPackage reports a failed download or a sha256 mismatch through errorCallback and
 * resolves anyway; those are collected so the failure names the file.
 * @param {object} pyodide
 * @param {string[]} names
 * @param {(names: string[]) => void} [before]  called once, before the downloads start
 */
export async function loadPackages(pyodide, names, before = () => {}) {
  const problems = [];
  const opts = { checkIntegrity: true, messageCallback: () => {}, errorCallback: (m) => problems.push(m) };
  before(names);
  await timed("packages", () => pyodide.loadPackage(names, opts));
  if (problems.length) throw new Error(problems.join("; "));
}

/** pyodide.pyimport(name), timed as the stage `import <name>`. The caller owns the proxy. */
export function importModule(pyodide, name) {
  const start = performance.now();
  try {
    return pyodide.pyimport(name);
  } finally {
    measure(`import ${name}`, start);
  }
}
