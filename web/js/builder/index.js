// "Build a CNN": the network builder panel. A learner stacks layers (or loads a preset),
// sees every layer's output shape, parameters and multiply-adds as they edit (pycore's
// network_trace, no running), runs their image through it (network_run) and sees every
// feature map, the flatten strip, dense outputs and class scores. The whole state lives in
// the URL hash (#build?s=...), so a link reproduces the network.
import { el } from "../ui/dom.js";
import { fillSelect } from "../ui/fields.js";
import { clearFieldError, showFieldError } from "../ui/field-errors.js";
import { choices } from "../ui/choices.js";
import { fmtMs } from "../ui/format.js";
import { coalesce } from "../ui/schedule.js";
import { FILE_ACCEPT, wireFileInput, wireDropZone } from "../ui/image-input.js";
import { layerStackEditor, layerSettingsHelp } from "../ui/layer-editor.js";
import { tableSkeleton, fillTable } from "../ui/layer-table.js";
import { renderResults } from "./results.js";
import { exportCard } from "./export.js";
import { fillLayer, newLayer, specFromList } from "../ui/layer-spec.js";
import { mountPythonPanel } from "../ui/python-panel.js";
import { callParams, decodeState, encodeState, stateFromPreset, stateParam } from "./state.js";

const TAB_ID = "build";
const ERR = "builder";
// A share link that could not be read: its own banner source, so a run cannot hide it and
// any change of the network (preset, edit, import, a good link) clears it.
const LINK_ERR = "builder-link";

export function mountBuilder(root, ctx) {
  if (!root) return;
  const panel = root.closest('[role="tabpanel"]') || root;
  const b = {
    options: null, // network_presets meta
    state: null,
    trace: null,
    traceKey: "",
    lastRun: null, // {key, result}
    runKey: "",
    dirty: true, // the drawn run is not of the current state
    colorMode: "gray",
    thumb: "m",
    auto: true,
    // weights trained in the Train tab: {weights: {"<layer>.<param>": Float32Array}, classes,
    // id, net: JSON of the spec and input they fit}; null: the seeded random weights
    trained: null,
    pendingTrained: null, // a trained network handed over before the builder started
  };

  root.replaceChildren(el("p", { className: "hint", dataset: { testid: "builder-loading" } }, "The network builder starts once Python has loaded…"));
  root.classList.add("b-root");

  const visible = () => !panel.hidden;

  // ------------------------------------------------------------------ layout
  const presetBox = el("div", { className: "b-row b-presets", role: "group", "aria-label": "Presets" });
  const presetNote = el("p", { className: "hint", dataset: { testid: "preset-note" } });

  const colorRadios = radioGroup("b-color", [["rgb", "RGB (3 channels)"], ["gray", "Grayscale (1 channel, mean of R, G, B)"]], "input-color");
  const fitRadios = radioGroup("b-fit", [["crop", "Crop: scale to cover, keep the centre (shape kept)"], ["resize", "Resize: stretch the whole image (shape may change)"]], "input-fit");
  // their max (pycore's options.limits.builder) is set in start()
  const hIn = el("input", { type: "number", min: "1", step: "1", dataset: { testid: "input-height" }, id: "b-in-h" });
  const wIn = el("input", { type: "number", min: "1", step: "1", dataset: { testid: "input-width" }, id: "b-in-w" });
  const imageInfo = el("p", { className: "hint", dataset: { testid: "builder-image-info" } });
  const fileIn = el("input", { type: "file", accept: FILE_ACCEPT, dataset: { testid: "builder-upload" } });
  const sampleBtn = el("button", { type: "button", className: "secondary", dataset: { testid: "builder-sample" } }, "Use the sample photo");
  const fitText = el("p", { className: "b-fit-text", dataset: { testid: "builder-fit" }, "aria-live": "polite" });

  const trainedNote = el("p", { className: "b-fit-text", dataset: { testid: "builder-trained" }, hidden: true });
  // the layer editor (ui/layer-editor.js), made once network_presets has told its types
  let stack = null;
  let python = null; // the Python panel, made with the layout

  const seedIn = el("input", { type: "number", min: "0", step: "1", id: "b-seed", dataset: { testid: "seed" } });
  const reseedBtn = el("button", { type: "button", className: "secondary", dataset: { testid: "reseed" } }, "Reseed");
  const initSel = el("select", { id: "b-init", dataset: { testid: "init" } });

  const table = tableSkeleton();
  const glossary = el("details", { className: "b-glossary" }, el("summary", {}, "What do these numbers mean?"),
    el("dl", {},
      el("dt", {}, "Output shape"),
      el("dd", {}, "(channels, height, width) for feature maps; (n) for a vector of n values. It is per image."),
      el("dt", {}, "Parameters"),
      el("dd", {}, "The numbers a network learns: every weight of every filter or dense unit, plus one bias per filter or unit. A conv layer has filters × (input channels × kernel height × kernel width) weights + filters biases, whatever the image size; a dense layer has units × inputs weights + units biases. Pooling, flatten and softmax have none."),
      el("dt", {}, "Multiply-adds"),
      el("dd", {}, "How many times one input value is multiplied by a weight and added to a running sum, for one image: the work a layer does. A conv layer does (input channels × kernel area) of them for every output value, so big maps cost a lot even with few parameters."),
      el("dt", {}, "Flatten"),
      el("dd", { dataset: { testid: "flatten-explain" } }, "Dense layers take a list of numbers, so flatten lays the maps out in one row. In the notebook's network five 2×2 poolings halve 352×480 five times: 352 / 32 = 11 and 480 / 32 = 15, so 10 maps of 11×15 give 10 × 11 × 15 = 1650 values (the notebook's text says 1430; its own arithmetic gives 1650).")));
  const tableWrap = el("div", { className: "b-table-wrap", tabindex: "0", role: "region", "aria-label": "Layer table (scrolls sideways on small screens)" }, table.table);

  const runBtn = el("button", { type: "button", dataset: { testid: "run" } }, "Run the network");
  const autoChk = el("input", { type: "checkbox", checked: true, dataset: { testid: "auto-run" } });
  const runStatus = el("p", { className: "hint b-run-status", dataset: { testid: "run-status" }, "aria-live": "polite" });
  const modeSel = el("select", { id: "b-mode", dataset: { testid: "builder-color-mode" } }); // filled in start()
  const sizeSel = el("select", { id: "b-size", dataset: { testid: "builder-thumb" } },
    el("option", { value: "s" }, "small"), el("option", { value: "m", selected: true }, "medium"), el("option", { value: "l" }, "large"));
  const results = el("div", { className: "b-results thumb-m", dataset: { testid: "builder-results" } });
  // the band over results that no longer match the network (markStale)
  const staleNote = el("p", { className: "stale-note b-stale-note", role: "status", dataset: { testid: "builder-stale-note" }, hidden: true });

  // the builder's own settings by the key pycore ties a problem to (WorkerError.field)
  const settingControls = () => ({ "input.height": hIn, "input.width": wIn, "input.color": colorRadios.inputs[0],
    "input.fit": fitRadios.inputs[0], seed: seedIn, init: initSel });
  /** Show a refused setting's message under its control; clear the others. Returns the control, or null. */
  function showSettingError(field, text) {
    let shown = null;
    for (const [key, control] of Object.entries(settingControls())) {
      if (key === field) {
        showFieldError(control, text, { anchor: control.closest("fieldset") ?? undefined });
        shown = control;
      } else clearFieldError(control);
    }
    return shown;
  }

  const exporter = exportCard({
    fetch: async () => (await ctx.client.latest("builder-export", "network_export", callParams(b.state))).meta,
    link: () => shareLink(),
    onImport: (doc) => importDoc(doc),
  });

  function card(title, id, ...children) {
    return el("section", { className: "card", "aria-labelledby": id }, el("h2", { id }, title), ...children);
  }

  function mountLayout() {
    const left = el("div", { className: "b-col" },
      card("Start from a preset", "b-h-presets", presetBox, presetNote),
      card("Input", "b-h-input",
        el("fieldset", { className: "b-fieldset" }, el("legend", {}, "Colour"), ...colorRadios.labels),
        el("div", { className: "grid2" },
          el("label", { htmlFor: "b-in-h" }, "Height (px)", hIn),
          el("label", { htmlFor: "b-in-w" }, "Width (px)", wIn)),
        el("fieldset", { className: "b-fieldset" }, el("legend", {}, "Fit the image to this size"), ...fitRadios.labels),
        fitText,
        el("p", { className: "hint" }, "Pixel values are scaled to 0–1. Resampling averages the source pixels each input pixel covers."),
        imageInfo,
        el("div", { className: "b-row" }, el("label", { className: "file-button" }, fileIn, el("span", {}, "Choose an image…")), sampleBtn)),
      card("Layers", "b-h-layers",
        el("p", { className: "hint" }, "Edit any setting; the table and shapes update at once, before anything runs. Use the arrows to reorder."),
        layerSettingsHelp(),
        stack.status,
        stack.list,
        stack.addRow),
      card("Weights", "b-h-weights",
        el("p", { className: "hint" }, "The weights are random, drawn from a seeded generator: the same seed always gives the same network. Nothing is trained here."),
        trainedNote,
        el("div", { className: "grid2" },
          el("label", { htmlFor: "b-seed" }, "Seed", el("span", { className: "b-seed-row" }, seedIn, reseedBtn)),
          el("label", { htmlFor: "b-init" }, "Initial weights", initSel)),
        el("p", { className: "hint" }, "He and Glorot draw each weight uniformly from ±√(6 / n), n = the inputs of one output (He) or inputs + outputs (Glorot), so signals keep their size from layer to layer; the notebook drew from −1…1. Biases start at 0.")),
    );
    const right = el("div", { className: "b-col" },
      card("Shapes, parameters and multiply-adds", "b-h-table", glossary, tableWrap),
      el("section", { className: "card", "aria-labelledby": "b-h-run" },
        el("div", { className: "b-run-head" },
          el("h2", { id: "b-h-run" }, "Run: every layer's output"),
          el("div", { className: "b-row" }, runBtn, el("label", { className: "inline" }, autoChk, " run after every change"))),
        runStatus,
        staleNote,
        el("div", { className: "b-row b-view" },
          el("label", { htmlFor: "b-mode", className: "inline" }, "Colours", modeSel),
          el("label", { htmlFor: "b-size", className: "inline" }, "Map size", sizeSel)),
        results),
      exporter.card,
    );
    root.replaceChildren(el("div", { className: "b-columns" }, left, right));
    python = mountPythonPanel(right, ctx, { view: "builder", title: "the network builder" });
  }

  function radioGroup(name, options, testid) {
    const inputs = [];
    const labels = options.map(([value, text]) => {
      const input = el("input", { type: "radio", name, value, dataset: { testid: `${testid}-${value}` } });
      inputs.push(input);
      return el("label", { className: "b-radio" }, input, ` ${text}`);
    });
    return { inputs, labels, get: () => inputs.find((i) => i.checked)?.value, set: (v) => inputs.forEach((i) => (i.checked = i.value === v)) };
  }

  // ------------------------------------------------------------------ state <-> controls
  function showControls() {
    const s = b.state;
    colorRadios.set(s.input.color);
    fitRadios.set(s.input.fit);
    hIn.value = String(s.input.height);
    wIn.value = String(s.input.width);
    seedIn.value = String(s.seed);
    initSel.value = s.init;
    showPresetNote();
    renderEditor();
  }

  function showPresetNote() {
    const p = b.options.presets.find((x) => x.name === b.state.preset);
    presetBox.querySelectorAll("button").forEach((btn) => btn.setAttribute("aria-pressed", String(btn.dataset.preset === b.state.preset)));
    if (!p) {
      presetNote.textContent = "Your own stack.";
      return;
    }
    const same = JSON.stringify(p.spec.map((l) => fillLayer(l, b.options.types))) === JSON.stringify(b.state.spec)
      && JSON.stringify(p.input) === JSON.stringify(b.state.input);
    presetNote.textContent = `${same ? "" : "Edited from: "}${p.label}. ${p.description}`;
  }

  function renderEditor() {
    stack.render();
  }

  function readInputs() {
    // an emptied box is sent as NaN, which pycore calls empty (null would mean "the default")
    const num = (input) => (input.value.trim() === "" ? NaN : Number(input.value));
    b.state.input = { color: colorRadios.get(), fit: fitRadios.get(), height: num(hIn), width: num(wIn) };
  }

  // ------------------------------------------------------------------ URL
  function encoded() {
    return encodeState(b.state, b.options.types);
  }
  function shareLink() {
    return `${location.href.split("#")[0]}#${TAB_ID}?s=${encoded()}`;
  }
  // A box left empty or not a number is refused (pycore says so); the link keeps the last
  // network that can be written down (JSON has no NaN).
  const writable = () => [b.state.input.height, b.state.input.width, b.state.seed].every(Number.isFinite);
  let settledHash = null; // the address as the builder last left it (followURL's or writeURL's doing)
  function writeURL() {
    if (!visible() || !writable()) return;
    const hash = `#${TAB_ID}?s=${encoded()}`;
    if (location.hash !== hash) history.replaceState(null, "", hash);
    settledHash = location.hash;
  }
  /**
   * The network of the link in the address bar, if it has one that reads. A link that
   * does not read puts up a banner saying so and what is shown instead (`instead`), and
   * the caller keeps showing that.
   */
  function loadFromHash(instead) {
    const s = stateParam(location.hash);
    if (!s) return false;
    try {
      b.state = decodeState(s, b.options.types);
      ctx.setError(LINK_ERR, null);
      return true;
    } catch (e) {
      ctx.setError(LINK_ERR, `${e.message}; ${instead}.`);
      return false;
    }
  }
  // The address bar's link is applied however it arrives: typed or pasted into a page that
  // is open on any tab, or reached by back and forward (hashchange, popstate), and when the
  // tab is shown. A link that reads replaces the network; a bare #build gets the network's
  // link; the address is never rewritten to another network than the link's.
  function followURL() {
    if (!b.options || !visible() || (location.hash.replace(/^#/, "").split("?")[0] !== TAB_ID)) return;
    // one navigation fires popstate and hashchange: the second finds the address as the first left it
    if (location.hash === settledHash) return;
    const s = stateParam(location.hash);
    if (!s) writeURL();
    else if (s === encoded()) ctx.setError(LINK_ERR, null);
    else if (loadFromHash("the network on the page was kept, and the address bar shows its link again")) {
      showControls();
      stack.status.textContent = "Loaded the network of the link.";
      changed({ url: false });
    } else writeURL(); // the address bar holds what is shown, as always
    settledHash = location.hash;
  }
  window.addEventListener("hashchange", followURL);
  window.addEventListener("popstate", followURL);

  function importDoc(doc) {
    if (!doc || typeof doc !== "object") {
      throw new Error(`The JSON must be a list of layers, or an object with a "spec" list of layers; it is ${doc === null ? "null" : typeof doc === "string" ? "a text" : `the ${typeof doc} ${doc}`}.`);
    }
    if (!Array.isArray(doc.spec)) throw new Error('The JSON needs a "spec": a list of layers, such as [{"type": "flatten"}, {"type": "dense", "units": 10}].');
    let spec;
    try {
      spec = specFromList(doc.spec, b.options.types);
    } catch (e) {
      throw new Error(`Not loaded: ${e.message}.`, { cause: e });
    }
    const inp = doc.input && typeof doc.input === "object" ? doc.input
      : Array.isArray(doc.input_shape) ? { color: doc.input_shape[0] === 1 ? "gray" : "rgb", height: doc.input_shape[1], width: doc.input_shape[2] } : {};
    b.state = {
      spec,
      input: { ...b.state.input, ...inp },
      seed: Number.isInteger(doc.seed) ? doc.seed : b.state.seed,
      init: typeof doc.init === "string" ? doc.init : b.state.init,
      preset: null,
    };
    showControls();
    changed();
  }

  // ------------------------------------------------------------------ trace and run
  const scheduleTrace = coalesce(() => retrace());
  // Every change of the network goes through here; only the first drawing (`initial`)
  // leaves a bad link's banner up, as it is the one the banner describes.
  function changed({ url = true, initial = false } = {}) {
    if (!initial) ctx.setError(LINK_ERR, null);
    // trained weights fit only the network they were trained as
    if (b.trained && b.trained.net !== netKey()) b.trained = null;
    showTrainedNote();
    if (url) writeURL();
    showPresetNote();
    scheduleTrace();
  }

  function key() {
    return JSON.stringify(callParams(b.state)) + (b.trained ? `#trained${b.trained.id}` : "");
  }

  // What network_run takes: the state, and the trained weights while they fit it.
  function runParams() {
    const params = callParams(b.state);
    return b.trained ? { ...params, weights: b.trained.weights } : params;
  }

  // the weights fit a spec on an input shape (how the image is fitted to it does not matter)
  const netKey = () => JSON.stringify({ spec: b.state.spec, color: b.state.input.color, height: b.state.input.height, width: b.state.input.width });

  /** Show a network trained in the Train tab (train_export's {meta, arrays}) with its weights. */
  function showTrained({ meta, arrays }) {
    if (!b.options) {
      b.pendingTrained = { meta, arrays };
      return;
    }
    b.state = {
      spec: specFromList(meta.spec, b.options.types),
      input: { ...meta.input, fit: b.state?.input?.fit || "crop" },
      seed: b.state?.seed ?? 0,
      init: b.state?.init || "he",
      preset: null,
    };
    const weights = Object.fromEntries(meta.weights.map((w) => [w.array, arrays[w.array]]));
    b.trained = { weights, classes: meta.classes, id: (b.trained?.id || 0) + 1, net: netKey() };
    showControls();
    stack.status.textContent = "Loaded the network trained in the Train tab, with its weights.";
    changed();
  }

  function showTrainedNote() {
    trainedNote.hidden = !b.trained;
    trainedNote.textContent = b.trained
      ? `These are the weights trained in the Train tab (classes ${b.trained.classes.join(", ")}). Any change of the layers or the input's size or colour goes back to random weights.`
      : "";
  }

  async function retrace() {
    const k = key();
    let r;
    try {
      r = await ctx.client.latest("builder-trace", "network_trace", callParams(b.state));
    } catch (e) {
      if (e.kind === "Restart") return;
      // A malformed setting (an input size or seed out of range, or empty): the message
      // names it and what is allowed; nothing runs, and the maps drawn are marked out of date.
      const text = e.message[0].toUpperCase() + e.message.slice(1);
      showSettingError(e.field, `${text}.`);
      stack.status.textContent = `${text}.`;
      stack.status.classList.add("bad");
      runStatus.textContent = `Not run: ${text}.`;
      runStatus.dataset.problem = "true";
      runBtn.disabled = true;
      b.dirty = true;
      markStale(!!b.lastRun, false);
      return;
    }
    if (r.stale) return;
    delete runStatus.dataset.problem;
    showSettingError(null);
    b.trace = r.meta;
    b.traceKey = k;
    if (r.meta.runnable) python?.update(runParams(), { image: !!ctx.image?.inWorker() });
    stack.update(b.trace);
    fillTable(table, b.trace, b.lastRun && b.lastRun.key === k ? b.lastRun.times : null);
    const t = b.trace;
    stack.status.classList.toggle("bad", !t.valid);
    stack.status.textContent = t.valid
      ? t.runnable ? `${t.rows.length - 1} layers, output ${t.totals.output_shape ? `(${t.totals.output_shape.join(", ")})` : "—"}.` : `Cannot run: ${t.run_error}.`
      : breakText(t);
    runBtn.disabled = !t.runnable;
    exporter.refresh();
    b.dirty = !(b.lastRun && b.lastRun.key === k);
    markStale(b.dirty && !!b.lastRun, t.runnable);
    if (b.dirty && t.runnable && b.auto) maybeRun();
    else if (!t.runnable) showRunHint();
  }

  /**
   * Mark the drawn results as out of date (or not): the maps are hatched (builder.css) and,
   * unless a run is about to replace them, a band says why. `runnable`: the current
   * network can run (an auto-run follows when it is on and there is an image).
   */
  function markStale(stale, runnable) {
    results.classList.toggle("stale", stale);
    const rerun = runnable && b.auto && !!ctx.getImage();
    staleNote.hidden = !stale || rerun;
    if (staleNote.hidden) return;
    const text = runnable
      ? "Out of date: these outputs are of the network before your last change. Run the network to update them."
      : "Out of date: these outputs are of the last network that could run. Fix the problem marked in the layers or the input to run it again.";
    if (staleNote.textContent !== text) staleNote.textContent = text;
  }

  function breakText(t) {
    const row = t.rows[t.error_index + 1];
    // a layer of an unknown type has no name of its own: its number says it
    const name = Object.hasOwn(b.options.types, row.type) ? ` (${row.name})` : "";
    return `The stack breaks at layer ${t.error_index + 1}${name}: ${row.reason}`;
  }

  function showRunHint() {
    const t = b.trace;
    if (!t) return;
    if (!t.runnable) runStatus.textContent = t.valid ? `Not run: ${t.run_error}.` : "Fix the marked layer to run the network.";
    else if (!ctx.getImage()) runStatus.textContent = "Choose an image (above, or in any tab) to run the network on it.";
  }

  function maybeRun() {
    if (!visible() || !ctx.getImage() || !b.trace || !b.trace.runnable) {
      showRunHint();
      return;
    }
    run();
  }

  async function run() {
    const k = key();
    const params = runParams();
    runStatus.textContent = "Running…";
    runBtn.disabled = true;
    let r;
    try {
      r = await ctx.client.latest("builder-run", "network_run", params, { image: true });
    } catch (e) {
      runBtn.disabled = !(b.trace && b.trace.runnable);
      if (e.kind === "Restart") return;
      // beside the results it did not make (and under the setting, if one is to blame)
      runStatus.textContent = `Not run: ${e.message}`;
      runStatus.dataset.problem = "true";
      showSettingError(e.field, `Not run: ${e.message}`);
      return;
    }
    if (r.stale) return;
    runBtn.disabled = !(b.trace && b.trace.runnable);
    ctx.setError(ERR, null);
    const m = r.meta;
    const times = Object.fromEntries(m.layers.map((l) => [l.name, l.ms]));
    b.lastRun = { key: k, result: r, times };
    b.dirty = k !== key();
    drawRun();
    runStatus.textContent = `Forward pass ${fmtMs(m.total_ms)} in Python (${m.layers.length} layers), plus ${fmtMs(m.fit_ms)} to fit the image and ${fmtMs(m.build_ms)} to draw the weights; ${fmtMs(r.ms)} in the worker in all. Seed ${m.seed}.`;
    runStatus.dataset.forwardMs = String(m.total_ms);
    fitText.textContent = m.input.fit.text;
    if (b.trace && b.traceKey === k) fillTable(table, b.trace, times);
  }

  function drawRun() {
    if (!b.lastRun) return;
    renderResults(results, b.lastRun.result, { mode: b.colorMode, prefix: "cnn" });
    markStale(b.dirty, true);
  }

  // ------------------------------------------------------------------ wiring
  function wire() {
    for (const p of b.options.presets) {
      const btn = el("button", { type: "button", className: "secondary", dataset: { testid: `preset-${p.name}`, preset: p.name }, "aria-pressed": "false", title: p.description }, p.label);
      btn.addEventListener("click", () => {
        b.state = stateFromPreset(p, b.options.types, b.state.seed, b.state.init);
        showControls();
        stack.status.textContent = `Loaded ${p.label}.`;
        changed();
      });
      presetBox.append(btn);
    }
    for (const inp of [...colorRadios.inputs, ...fitRadios.inputs]) inp.addEventListener("change", () => {
      readInputs();
      changed();
    });
    for (const inp of [hIn, wIn]) inp.addEventListener("input", () => {
      readInputs();
      changed();
    });
    for (const i of b.options.inits) initSel.add(new Option(i === "he" ? "He (for ReLU)" : i === "glorot" ? "Glorot" : "−1…1 (notebook)", i));
    initSel.addEventListener("change", () => {
      b.state.init = initSel.value;
      changed();
    });
    seedIn.addEventListener("input", () => {
      // whatever was typed goes to pycore, which refuses an empty, negative or fractional seed
      b.state.seed = seedIn.value.trim() === "" ? NaN : Number(seedIn.value);
      changed();
    });
    reseedBtn.addEventListener("click", () => {
      let s;
      do s = Math.floor(Math.random() * 100000); while (s === b.state.seed);
      b.state.seed = s;
      seedIn.value = String(s);
      changed();
    });
    runBtn.addEventListener("click", () => (ctx.getImage() ? run() : showRunHint()));
    autoChk.addEventListener("change", () => {
      b.auto = autoChk.checked;
      if (b.lastRun) markStale(b.dirty, !!b.trace?.runnable);
      if (b.auto && b.dirty) maybeRun();
    });
    modeSel.addEventListener("change", () => {
      b.colorMode = modeSel.value;
      drawRun();
    });
    sizeSel.addEventListener("change", () => {
      results.classList.remove("thumb-s", "thumb-m", "thumb-l");
      results.classList.add(`thumb-${sizeSel.value}`);
    });
    // The image: the page has one current image; these reuse the page's own loader.
    wireFileInput(fileIn, ctx.loadFile);
    sampleBtn.addEventListener("click", () => ctx.loadSample());
    wireDropZone(fileIn.closest(".card"), ctx.loadFile, { highlight: false });
  }

  function showImageInfo(img) {
    imageInfo.textContent = img
      ? `Image: ${img.name}, ${img.width}×${img.height} pixels${img.sourceWidth && img.sourceWidth !== img.width ? ` (scaled from ${img.sourceWidth}×${img.sourceHeight} on loading)` : ""}.`
      : "No image yet: choose one, or use the sample photo.";
  }

  ctx.onImage((img) => {
    showImageInfo(img);
    if (!b.options) return;
    b.lastRun = b.lastRun && { ...b.lastRun, key: "" }; // the drawn run is of the old image
    b.dirty = true;
    // After the page has sent the new image to the worker (it does so right after telling us).
    setTimeout(() => b.auto && maybeRun(), 0);
  });

  // A new worker: the drawn run is out of date until it has been run again there.
  ctx.onWorkerLost?.(() => b.lastRun && markStale(true, true));
  ctx.onRestored?.(() => {
    if (!b.lastRun) return;
    b.dirty = true;
    if (b.auto) maybeRun();
  });

  // Shown (a tab click sets a bare "#build"; a pasted link shows the tab before its
  // hashchange reaches followURL): the link's network, or the state back in the URL; catch up.
  new MutationObserver(() => {
    if (!visible() || !b.options) return;
    followURL();
    if (b.dirty && b.auto) maybeRun();
  }).observe(panel, { attributes: true, attributeFilter: ["hidden"] });

  async function start() {
    if (b.options) return;
    let r;
    try {
      r = await ctx.client.call("network_presets", {});
    } catch (e) {
      root.replaceChildren(el("p", { className: "b-bad-text" }, `The builder could not start: ${e.message}`));
      return;
    }
    b.options = r.meta;
    stack = layerStackEditor({
      types: b.options.types,
      activations: b.options.activations,
      getSpec: () => b.state.spec,
      newLayer: (type) => newLayer(type, b.options.types),
      onChange: () => changed(),
    });
    const { limits, color_modes: colorModes } = ctx.options;
    for (const inp of [hIn, wIn]) inp.max = String(limits.builder.max_input_side);
    fillSelect(modeSel, choices(colorModes), b.colorMode);
    modeSel.querySelectorAll("option").forEach((o, i) => (o.title = colorModes[i].help));
    const seedPreset = b.options.presets.find((p) => p.name === "seed") || b.options.presets[0];
    const instead = seedPreset.name === "seed" ? "the notebook's network is shown instead" : `the ${seedPreset.label} preset is shown instead`;
    if (!loadFromHash(instead)) b.state = stateFromPreset(seedPreset, b.options.types);
    mountLayout();
    wire();
    showControls();
    showImageInfo(ctx.getImage());
    changed({ initial: true });
    if (b.pendingTrained) {
      showTrained(b.pendingTrained);
      b.pendingTrained = null;
    }
  }

  if (ctx.isReady()) start();
  else ctx.onReady(() => start());
  return { showTrained };
}
