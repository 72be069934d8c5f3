// Starting Pyodide with numpy and pycore from this site's own pyodide/ folder (never a
// CDN), the same way for the page's worker (worker.mjs) and the benchmark's worker
// (tools/bench_page/py_worker.mjs, which imports this file from the copy of js/ next to it).
import { loadPyodide } from "../../pyodide/pyodide.mjs";

/** The folder holding pyodide.mjs, its wasm, the stdlib, the lock and the wheels. */
export const PYODIDE_BASE = new URL("../../pyodide/", import.meta.url).href;

/** Pyodide with the site's lock file; Python's stdout is dropped, its stderr warned. */
export function startPyodide(base = PYODIDE_BASE) {
  return loadPyodide({
    indexURL: base,
    lockFileURL: base + "pyodide-lock.json",
    stdout: () => {},
    stderr: (s) => console.warn("[python]", s),
  });
}

/**
 * Load packages one by one with integrity checks. loadPackage reports a failed download
 * or a sha256 mismatch through errorCallback and resolves anyway; those are collected so
 * the failure names the file.
 * @param {object} pyodide
 * @param {string[]} names
 * @param {(name: string) => void} [before]  called before each package starts
 */
export async function loadPackages(pyodide, names, before = () => {}) {
  const problems = [];
  const opts = { checkIntegrity: true, messageCallback: () => {}, errorCallback: (m) => problems.push(m) };
  for (const name of names) {
    before(name);
    await pyodide.loadPackage(name, opts);
  }
  if (problems.length) throw new Error(problems.join("; "));
}
