// The page's module structure (web/js), read from the import statements: no circle, and
// imports only go down: main.js (the shell) may use anything; shell/ and the views
// (convolution/, explorers/, builder/, train/) use core/, ui/ and their own folder; core/ and ui/
// use only themselves (core/ also loads the Pyodide runtime from outside web/js).
import test from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../web/js");
const VIEWS = ["convolution", "explorers", "builder", "train"];
const ALLOWED = {
  "main.js": null, // anything
  shell: ["shell", "core", "ui"],
  core: ["core"],
  ui: ["ui"],
  ...Object.fromEntries(VIEWS.map((v) => [v, [v, "core", "ui"]])),
};

function modules(dir = ROOT) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return modules(p);
    return /\.m?js$/.test(d.name) ? [relative(ROOT, p)] : [];
  });
}

/** The relative module specifiers one file imports (static imports and re-exports). */
export function importsOf(source) {
  const specs = [];
  const re = /^\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']/gm;
  for (const m of source.matchAll(re)) specs.push(m[1] ?? m[2]);
  return specs;
}

function graph() {
  const edges = new Map();
  for (const file of modules()) {
    const src = readFileSync(join(ROOT, file), "utf8");
    edges.set(file, importsOf(src).filter((s) => s.startsWith(".")).map((s) => relative(ROOT, resolve(ROOT, dirname(file), s))));
  }
  return edges;
}

const folderOf = (file) => (file.includes("/") ? file.split("/")[0] : file);

test("the import reader sees imports and re-exports, not text", () => {
  const src = 'import { a } from "./a.js";\nimport "./side.js";\nexport { b } from "../b.js";\nconst s = "import x from \'./no.js\'";\n';
  assert.deepEqual(importsOf(src), ["./a.js", "./side.js", "../b.js"]);
});

test("every folder of web/js has a rule, and every import resolves to a module", () => {
  const edges = graph();
  assert.ok(edges.size > 20, `read ${edges.size} modules`);
  for (const [file, deps] of edges) {
    assert.ok(folderOf(file) in ALLOWED, `${file}: a folder without a rule`);
    for (const d of deps) {
      if (d.startsWith("..")) continue; // outside web/js: the Pyodide runtime
      assert.ok(edges.has(d), `${file} imports ${d}, which is not a module of web/js`);
    }
  }
});

test("imports only go down: no view imports another view, ui/ and core/ stand alone", () => {
  const bad = [];
  for (const [file, deps] of graph()) {
    const allowed = ALLOWED[folderOf(file)];
    for (const d of deps) {
      if (d.startsWith("..")) {
        if (!(folderOf(file) === "core" && d.endsWith("pyodide/pyodide.mjs"))) bad.push(`${file} -> ${d}`);
      } else if (allowed && !allowed.includes(folderOf(d))) bad.push(`${file} -> ${d}`);
    }
  }
  assert.deepEqual(bad, []);
});

test("no import circle", () => {
  const edges = graph();
  const state = new Map(); // file -> "open" | "done"
  const circles = [];
  const visit = (file, path) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "open") {
      circles.push([...path.slice(path.indexOf(file)), file].join(" -> "));
      return;
    }
    state.set(file, "open");
    for (const d of edges.get(file) || []) if (edges.has(d)) visit(d, [...path, file]);
    state.set(file, "done");
  };
  for (const file of edges.keys()) visit(file, []);
  assert.deepEqual(circles, []);
});

/** The names a module exports (export function/class/const/let, export { a, b as c }). */
export function exportsOf(source) {
  const names = new Set();
  for (const m of source.matchAll(/^\s*export\s+(?:default\s+)?(?:async\s+)?(?:function\*?|class|const|let|var)\s+([A-Za-z_$][\w$]*)/gm)) names.add(m[1]);
  for (const m of source.matchAll(/^\s*export\s*\{([^}]*)\}/gm)) {
    for (const part of m[1].split(",")) {
      const name = part.trim().split(/\s+as\s+/).pop();
      if (name) names.add(name);
    }
  }
  return names;
}

/** [[name, specifier], ...] for `import { a, b as c } from "spec"` statements. */
export function namedImportsOf(source) {
  const out = [];
  for (const m of source.matchAll(/^\s*import\s*\{([^}]*)\}\s*from\s+["']([^"']+)["']/gm)) {
    for (const part of m[1].split(",")) {
      const name = part.trim().split(/\s+as\s+/)[0];
      if (name) out.push([name, m[2]]);
    }
  }
  return out;
}

test("the export and named-import readers", () => {
  const src = 'export function a() {}\nexport async function b() {}\nexport const c = 1;\nexport { d, e as f };\nexport class G {}\n';
  assert.deepEqual([...exportsOf(src)].sort(), ["G", "a", "b", "c", "d", "f"]);
  assert.deepEqual(namedImportsOf('import { x, y as z } from "./m.js";\n'), [["x", "./m.js"], ["y", "./m.js"]]);
});

test("every name imported from a module of web/js is exported by it", () => {
  const missing = [];
  for (const file of modules()) {
    const src = readFileSync(join(ROOT, file), "utf8");
    for (const [name, spec] of namedImportsOf(src)) {
      if (!spec.startsWith(".")) continue;
      const target = relative(ROOT, resolve(ROOT, dirname(file), spec));
      if (target.startsWith("..")) continue; // the Pyodide runtime
      if (!exportsOf(readFileSync(join(ROOT, target), "utf8")).has(name)) missing.push(`${file}: ${name} from ${spec}`);
    }
  }
  assert.deepEqual(missing, []);
});
