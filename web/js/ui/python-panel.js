// The "Python" panel under a view: the pycore code that computes what the view shows, with
// its current settings (pycore.page's view_code writes it), in an editor the learner can
// change and run in the worker's Python (run_code: `image`, `np`, `pycore` and `show`), and
// download as a script or a notebook (view_script, view_notebook). The code follows the
// view's settings until the learner edits it; then "Reset to the view's code" brings it
// back. Stop ends a runaway cell by restarting the worker (the shell restores the image and
// every view's settings). The learner's code runs only here, in their browser's worker.
//
// Hooks (inside the view): details[data-testid=python-panel] (data-view, data-names: the
// view_code names of the shows, data-runs), [data-testid=python-code] (the editor),
// python-run, python-stop, python-reset, python-download, python-download-notebook,
// python-output (printed text and tracebacks), python-run-status, and one
// canvas[data-testid=python-map] per 2-D plane shown (a 1-D or 2-D show, or an RGB image:
// one canvas; a (C, H, W) show: C canvases), width × height the array's, with data-show,
// data-channel, data-title, data-vmin, data-vmax.
import { el } from "./dom.js";
import { drawMap, drawRGBA } from "./canvas.js";
import { downloadText } from "./download.js";
import { fmt } from "./format.js";
import { createCodeEditor } from "./code-editor.js";

/**
 * @param {HTMLElement} parent  where the panel goes (appended)
 * @param {object} ctx  the shell's context: client, image (the image store), options,
 *   stopWorker(why)
 * @param {{view: string, title: string}} o  view: a pycore.page view_code view;
 *   title: what the panel is of ("the Convolution tab")
 * @returns {{element: HTMLElement, update: (settings: object, o?: {image?: boolean}) => void}}
 *   update: the view's latest settings (the params of its own call) and whether its call
 *   takes the image
 */
export function mountPythonPanel(parent, ctx, { view, title }) {
  const channel = `python-code-${view}`;
  let latest = null; // {settings, image}
  let generated = null; // the view's code as last written by pycore
  let edited = false;
  let editor = null;
  let editorReady = null;
  let running = false;
  let stopping = false;
  let runs = 0;
  let lastRun = null; // the latest run_code result, redrawn when the colours change

  const summary = el("summary", {}, "Python", el("span", { class: "muted" }, ": the code behind this view"));
  const note = el("p", { class: "hint py-note", role: "status", dataset: { testid: "python-note" } });
  const editorBox = el("div", { class: "py-editor" });
  const runBtn = el("button", { type: "button", dataset: { testid: "python-run" }, title: "Run the code in your browser's Python (Ctrl+Enter or ⌘+Enter)" }, "Run");
  const stopBtn = el("button", { type: "button", class: "secondary", disabled: true, dataset: { testid: "python-stop" }, title: "Stop the code: restarts Python; your image and settings come back" }, "Stop");
  const resetBtn = el("button", { type: "button", class: "secondary", hidden: true, dataset: { testid: "python-reset" } }, "Reset to the view's code");
  const pyBtn = el("button", { type: "button", class: "secondary", dataset: { testid: "python-download" } }, "Download script (.py)");
  const nbBtn = el("button", { type: "button", class: "secondary", dataset: { testid: "python-download-notebook" } }, "Download notebook (.ipynb)");
  const modeSel = el("select", { "aria-label": "Colours of the maps show() draws", dataset: { testid: "python-color-mode" } });
  const runStatus = el("p", { class: "hint py-run-status", role: "status", dataset: { testid: "python-run-status" } });
  const output = el("pre", { class: "py-output", tabindex: "0", "aria-label": "What the code printed", hidden: true, dataset: { testid: "python-output" } });
  const shows = el("div", { class: "py-shows", dataset: { testid: "python-shows" } });
  const details = el("details", { class: "card py-panel", dataset: { testid: "python-panel", view, runs: "0" } },
    summary,
    el("p", { class: "hint" }, `The pycore code that computes what ${title} shows, with its current settings. Edit it and run it here: it runs only in your browser, with `,
      el("code", {}, "image"), " (the current image, 3 × height × width, values 0–1), ", el("code", {}, "np"), ", ", el("code", {}, "pycore"), " and ",
      el("code", {}, "show(array, title=None)"), " to draw an array. In the editor, Tab indents; press Escape, then Tab, to leave it."),
    note,
    editorBox,
    el("div", { class: "b-row py-buttons" }, runBtn, stopBtn, resetBtn, pyBtn, nbBtn,
      el("label", { class: "inline" }, "Colours ", modeSel)),
    runStatus, output, shows);
  parent.append(details);
  details.pythonCode = () => editor?.get() ?? null; // the editor's text, for tests and tools

  // ------------------------------------------------------------------ the code
  function ensureEditor() {
    editorReady ??= createCodeEditor(editorBox, {
      doc: generated ?? "",
      label: `Python code for ${title}`,
      testid: "python-code",
      onRun: run,
      onEdit: () => {
        edited = editor.get() !== generated;
        showEdited();
      },
    }).then((e) => {
      editor = e;
      if (generated !== null) editor.set(generated);
      return e;
    });
    return editorReady;
  }

  function showEdited() {
    resetBtn.hidden = !edited;
    if (edited) note.textContent = "You have edited the code: it no longer follows the view's settings. The downloads hold the view's own code.";
    else if (generated !== null) note.textContent = "";
  }

  async function regenerate() {
    if (!details.open) return;
    if (!modeSel.options.length && ctx.options) {
      for (const m of ctx.options.color_modes) modeSel.add(new Option(m.label, m.value));
    }
    await ensureEditor();
    if (!latest) {
      if (generated === null) note.textContent = "The code appears once the view has computed something.";
      return;
    }
    let r;
    try {
      r = await ctx.client.latest(channel, "view_code", { view, settings: latest.settings }, { image: latest.image });
    } catch (e) {
      note.textContent = `No code for these settings: ${e.message}`;
      return;
    }
    if (r.stale) return;
    generated = r.meta.code;
    details.dataset.names = JSON.stringify(r.meta.names);
    if (!edited) {
      editor.set(generated);
      note.textContent = "";
    } else note.textContent = "The view's settings have changed since you edited the code: “Reset to the view's code” shows the code for them.";
  }

  resetBtn.addEventListener("click", () => {
    edited = false;
    if (generated !== null) editor?.set(generated);
    showEdited();
    regenerate();
    editor?.focus();
  });
  details.addEventListener("toggle", () => details.open && regenerate());

  // ------------------------------------------------------------------ running
  function setRunning(on) {
    running = on;
    runBtn.disabled = on;
    stopBtn.disabled = !on;
    details.dataset.running = String(on);
  }

  async function run() {
    if (running) return;
    await ensureEditor();
    const code = editor.get();
    setRunning(true);
    stopping = false;
    runStatus.textContent = "Running…";
    const t0 = performance.now();
    let r;
    try {
      const withImage = !!ctx.image?.inWorker?.();
      r = await ctx.client.call("run_code", { code }, { image: withImage });
    } catch (e) {
      setRunning(false);
      const s = ((performance.now() - t0) / 1000).toFixed(1);
      if (stopping) {
        runStatus.textContent = `Stopped after ${s} s. Python was restarted; your image and settings are back.`;
      } else {
        runStatus.textContent = "Not finished.";
        output.textContent = e.message;
        output.hidden = false;
      }
      return;
    }
    setRunning(false);
    lastRun = r;
    details.dataset.runs = String(++runs);
    const { stdout, error, shows: list } = r.meta;
    output.textContent = stdout + (error ? (stdout && !stdout.endsWith("\n") ? "\n" : "") + error.traceback : "");
    output.hidden = !output.textContent;
    output.classList.toggle("py-error", !!error);
    const n = list.length;
    runStatus.textContent = `${error ? `${error.type} on line ${error.line ?? "?"}` : "Done"} in ${fmt(r.ms)} ms${n ? `; ${n} array${n > 1 ? "s" : ""} shown` : ""}.`;
    drawShows();
  }

  function stop() {
    if (!running) return;
    stopping = true;
    runStatus.textContent = "Stopping…";
    ctx.stopWorker("your code was stopped with Stop");
  }

  function drawShows() {
    if (!lastRun) return;
    const mode = modeSel.value || "gray";
    shows.replaceChildren(...lastRun.meta.shows.map((s, i) => showFigure(s, i, lastRun.arrays[s.array], mode)));
  }

  runBtn.addEventListener("click", run);
  stopBtn.addEventListener("click", stop);
  modeSel.addEventListener("change", drawShows);

  // ------------------------------------------------------------------ downloads
  async function download(fn, key, type) {
    if (!latest) {
      runStatus.textContent = "Nothing to download yet: the view has not computed anything.";
      return;
    }
    try {
      const r = await ctx.client.call(fn, { view, settings: latest.settings }, { image: latest.image });
      downloadText(r.meta[key], r.meta.filename, type);
      runStatus.textContent = `Saved ${r.meta.filename}${fn === "view_script" ? `: run it with python ${r.meta.filename} IMAGE --out DIR (pycore and Pillow installed)` : ""}.`;
    } catch (e) {
      runStatus.textContent = `Not saved: ${e.message}`;
    }
  }
  pyBtn.addEventListener("click", () => download("view_script", "script", "text/x-python"));
  nbBtn.addEventListener("click", () => download("view_notebook", "notebook", "application/x-ipynb+json"));

  return {
    element: details,
    update(settings, { image = false } = {}) {
      latest = { settings, image };
      regenerate();
    },
  };
}

/** One show: a figure with its canvas (or one per channel) at the array's true size. */
function showFigure(s, i, data, mode) {
  const shape = s.shape.length === 1 ? [1, s.shape[0]] : s.shape;
  const label = s.title ?? `show ${i + 1}`;
  const canvases = [];
  if (shape.length === 2) canvases.push(mapCanvas(i, 0, data, shape[0], shape[1], mode, s.vmin, s.vmax, label));
  else if (s.rgb) canvases.push(rgbCanvas(i, data, shape[1], shape[2], label));
  else {
    const [c, h, w] = shape;
    for (let k = 0; k < c; k++) {
      const [lo, hi] = s.channel_ranges[k];
      canvases.push(mapCanvas(i, k, data.subarray(k * h * w, (k + 1) * h * w), h, w, mode, lo, hi, `${label}, channel ${k}`));
    }
  }
  const range = s.vmin === null || s.vmin === undefined ? "no finite values" : `range ${fmt(s.vmin)} … ${fmt(s.vmax)}`;
  return el("figure", { class: "py-show" }, el("div", { class: "py-planes" }, ...canvases),
    el("figcaption", {}, el("strong", {}, label), ` ${s.shape.join("×")}`, el("br"), range));
}

function mapCanvas(show, channel, data, h, w, mode, vmin, vmax, label) {
  const canvas = el("canvas", { role: "img", "aria-label": `${label}: ${h} by ${w}, values ${fmt(vmin)} to ${fmt(vmax)}`,
    dataset: { testid: "python-map", show: String(show), channel: String(channel), title: label, vmin: String(vmin), vmax: String(vmax) } });
  drawMap(canvas, data, w, h, mode, vmin, vmax);
  zoom(canvas, w, h);
  return canvas;
}

function rgbCanvas(show, data, h, w, label) {
  const n = h * w;
  const rgba = new Uint8ClampedArray(n * 4);
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) rgba[p * 4 + c] = Math.round(data[c * n + p] * 255); // clamped to 0..255
    rgba[p * 4 + 3] = 255;
  }
  const canvas = el("canvas", { role: "img", "aria-label": `${label}: a colour image, ${h} by ${w}`,
    dataset: { testid: "python-map", show: String(show), channel: "rgb", title: label } });
  drawRGBA(canvas, rgba, w, h);
  zoom(canvas, w, h);
  return canvas;
}

// Small arrays are shown enlarged (crisp pixels), as the views do.
function zoom(canvas, w, h) {
  const z = Math.max(1, Math.min(8, Math.floor(160 / Math.max(w, h))));
  canvas.style.width = `${w * z}px`;
  canvas.classList.add("pixelated");
}
