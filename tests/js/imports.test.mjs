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
