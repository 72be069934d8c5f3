// "Train a CNN": a network learns the 8×8 handwritten digits (or generated shapes) in the
// worker while the learner watches: the curves of loss and accuracy, the first layer's
// filters changing, after each epoch the confusion matrix and the test digits it gets
// wrong; a drawing pad asks the network, during training too. Training runs in slices
// (train_step, about 50 ms each) driven by loop.js, so Pause acts within one slice and the
// pad's calls run between slices. Python keeps the one training session (pycore.page.training).
import { el } from "../ui/dom.js";
import { clearFieldErrors, showFieldError } from "../ui/field-errors.js";
import { fmt } from "../ui/format.js";
import { coalesce } from "../ui/schedule.js";
import { downloadBlob, downloadText } from "../ui/download.js";
import { lineChart } from "../ui/line-chart.js";
import { confusionTable } from "../ui/confusion.js";
import { drawPad } from "../ui/draw-pad.js";
import { keepRecent, stepsPerSecond, secondsLeft, fmtDuration, position } from "../ui/progress-math.js";
import { layerStackEditor, layerSettingsHelp } from "../ui/layer-editor.js";
import { tableSkeleton, fillTable } from "../ui/layer-table.js";
import { fillLayer, newLayer } from "../ui/layer-spec.js";
import { controls, nextState } from "./state.js";
import { sliceLoop } from "./loop.js";
import { mountPythonPanel } from "../ui/python-panel.js";
import { filterGrid, inkCanvas, layerMaps, misclassifiedGallery, probabilityBars } from "./outputs.js";

const ERR = "train";
// The input each data set's images have (pycore.datasets): the live table needs it before
// a network is set up; once it is, the shapes come from Python's own trace.
const DATA_INPUT = { digits: { height: 8, width: 8 }, shapes: { height: 16, width: 16 } };

/**
 * @param {HTMLElement} root
 * @param {object} ctx  the shell's context; ctx.openInBuilder(model) shows a trained network
 *   in the Build tab (model: train_export's {meta, arrays})
 */
export function mountTrain(root, ctx) {
  if (!root) return;
  const t = {
    options: null, // options().training
    types: null, // network_presets' layer types
    activations: null,
    spec: [],
    state: "idle",
    pausing: false,
    session: null, // train_setup / train_load meta
    stepLosses: [],
    history: [],
    rate: [], // {t, step} while running
    filterLayer: null, // name of the conv layer whose filters are shown (null: the first)
    lastPad: null, // the pad's latest drawing
    padLevels: null,
  };
  root.replaceChildren(el("p", { className: "hint" }, "The Train tab starts once Python has loaded…"));

  // ------------------------------------------------------------------ controls
  const dataSel = el("select", { id: "t-data", dataset: { testid: "train-data" } });
  const optSel = el("select", { id: "t-optimizer", dataset: { testid: "train-optimizer" } });
  const lrIn = el("input", { id: "t-lr", type: "number", step: "any", min: "0", dataset: { testid: "train-lr" }, inputmode: "decimal" });
  const batchIn = el("input", { id: "t-batch", type: "number", step: "1", min: "1", dataset: { testid: "train-batch-size" }, inputmode: "numeric" });
  const epochsIn = el("input", { id: "t-epochs", type: "number", step: "1", min: "1", dataset: { testid: "train-epochs" }, inputmode: "numeric" });
  const seedIn = el("input", { id: "t-seed", type: "number", step: "1", min: "0", dataset: { testid: "train-seed" }, inputmode: "numeric" });
  const settingsBox = el("fieldset", { className: "t-settings" });
  const networkBox = el("fieldset", { className: "t-network" });

  const startBtn = el("button", { type: "button", dataset: { testid: "train-start" } }, "Start training");
  const pauseBtn = el("button", { type: "button", className: "secondary", dataset: { testid: "train-pause" } }, "Pause");
  const stepBtn = el("button", { type: "button", className: "secondary", dataset: { testid: "train-step" }, title: "Train on one batch, then stop" }, "Step (one batch)");
  const resetBtn = el("button", { type: "button", className: "secondary", dataset: { testid: "train-reset" }, title: "Forget this network and its training; the settings can be changed again" }, "Reset");

  const statusEl = el("div", { className: "t-status", dataset: { testid: "train-status", state: "idle", epoch: "0", step: "0" } });
  const announce = el("p", { className: "t-announce", role: "status", "aria-live": "polite", dataset: { testid: "train-announce" } }, "Not started.");
  const bar = el("progress", { className: "t-progress", max: "1", value: "0", "aria-label": "Training progress" });
  const progressText = el("p", { className: "t-progress-text", dataset: { testid: "train-progress" } }, "");
  const historyEl = el("div", { hidden: true, dataset: { testid: "train-history", stepLosses: "[]", history: "[]" } });
  statusEl.append(announce, bar, progressText, historyEl);

  const lossChart = lineChart({
    title: "Loss (lower is better)", xLabel: "epoch", yLabel: "loss", testid: "loss-chart",
    series: [
      { id: "step", label: "each batch", color: "#9bb4e8", width: 1 },
      { id: "train", label: "train (epoch mean)", color: "#2457c5", dots: true, width: 2 },
      { id: "test", label: "test", color: "#c0392b", dots: true, dash: [5, 3], width: 2 },
    ],
    describe: (s) => describeLast(s, (v) => fmt(v)),
  });
  const accChart = lineChart({
    title: "Accuracy (higher is better)", xLabel: "epoch", yLabel: "accuracy (%)", testid: "accuracy-chart",
    yRange: [0, 1], yScale: 100,
    series: [
      { id: "train", label: "train", color: "#2457c5", dots: true, width: 2 },
      { id: "test", label: "test", color: "#c0392b", dots: true, dash: [5, 3], width: 2 },
    ],
    describe: (s) => describeLast(s, (v) => `${(v * 100).toFixed(1)}%`),
  });

  const filterSel = el("select", { id: "t-filter-layer", dataset: { testid: "train-filter-layer" } });
  const filtersBox = el("div", { className: "t-filters-box", "aria-live": "off" }, el("p", { className: "hint" }, "Start training to see the filters."));
  const confusionBox = el("div", { className: "t-confusion", dataset: { testid: "confusion-box" } }, el("p", { className: "hint" }, "Shown after the first epoch."));
  const galleryBox = el("div", { className: "t-gallery-box", dataset: { testid: "misclassified-box" } });
  const samplesBox = el("div", { className: "t-samples" });

  const pad = drawPad({ onChange: (d) => padChanged(d), idPrefix: "t-pad", label: "Drawing pad: draw one digit for the network to read" });
  const prediction = el("div", { className: "t-prediction", dataset: { testid: "prediction", class: "", probabilities: "[]" } },
    el("p", { className: "hint" }, "Draw a digit on the pad."));
  const padMaps = el("div", { className: "t-pad-maps", dataset: { testid: "pad-maps" } });

  const saveNpz = el("button", { type: "button", className: "secondary", dataset: { testid: "train-download-npz" } }, "Download the model (.npz)");
  const saveTorch = el("button", { type: "button", className: "secondary", dataset: { testid: "train-download-torch" } }, "Download PyTorch code");
  const openBuild = el("button", { type: "button", className: "secondary", dataset: { testid: "train-open-build" } }, "Open in the Build tab");
  const loadIn = el("input", { type: "file", accept: ".npz,application/zip", dataset: { testid: "train-load" } });
  const saveNote = el("p", { className: "hint", role: "status", dataset: { testid: "train-save-note" } });

  const table = tableSkeleton("train-");
  const tableWrap = el("div", { className: "b-table-wrap t-table", tabindex: "0", role: "region", "aria-label": "Layer table (scrolls sideways on small screens)" }, table.table);
  let stack = null;
  let python = null; // the Python panel, made with the layout

  function labelled(input, label, hint) {
    return el("label", { htmlFor: input.id }, label, input, hint ? el("small", {}, hint) : null);
  }
  function card(title, id, ...children) {
    return el("section", { className: `card ${id}`, "aria-labelledby": id }, el("h2", { id }, title), ...children);
  }
  function term(name, text) {
    return [el("dt", {}, name), el("dd", {}, text)];
  }

  function mountLayout() {
    settingsBox.append(el("legend", { className: "sr-only" }, "Training settings"),
      el("div", { className: "grid2" },
        labelled(dataSel, "Data set", "What the network learns to tell apart."),
        labelled(optSel, "Optimizer", "How each batch's error changes the weights."),
        labelled(lrIn, "Learning rate", "How big a step the weights take after each batch: too big jumps about, too small crawls."),
        labelled(batchIn, "Batch size", "How many images the network looks at before each change of its weights."),
        labelled(epochsIn, "Epochs", "How many times it goes through every training image."),
        labelled(seedIn, "Seed", "Draws the first weights and the order of the images: the same seed gives the same run.")));
    networkBox.append(el("legend", { className: "sr-only" }, "The network's layers"), stack.status, stack.list, stack.addRow);
    const presetBtn = el("button", { type: "button", className: "secondary", dataset: { testid: "train-preset" } }, "Back to the digits network");
    presetBtn.addEventListener("click", () => {
      t.spec = t.options.defaults.spec.map((l) => fillLayer(l, t.types));
      stack.render();
      stack.status.textContent = "The digits network is back.";
      retrace();
    });
    networkBox.append(el("div", { className: "b-row" }, presetBtn));

    const left = el("div", { className: "t-col" },
      card("Train", "t-h-train",
        el("p", { className: "hint" }, "The network starts with random weights and learns from the training images, a batch at a time; after each epoch it is tested on images it never trained on."),
        settingsBox,
        el("p", { className: "hint t-locked", dataset: { testid: "train-locked" } }, "The settings and layers are fixed once training has started: Reset to change them."),
        el("div", { className: "b-row t-buttons" }, startBtn, pauseBtn, stepBtn, resetBtn),
        statusEl,
        el("details", { className: "b-glossary" }, el("summary", {}, "What do these words mean?"),
          el("dl", {},
            term("Batch", "A handful of training images (32 by default). The network guesses each one, the errors are added up, and the weights move a little to make them smaller."),
            term("Epoch", "One pass through all the training images, batch after batch, in a new shuffled order each time."),
            term("Learning rate", "How far the weights move after each batch."),
            term("Optimizer", "The rule that moves the weights. SGD with momentum steps downhill and keeps some of its speed; Adam also scales each weight's step by how much its gradient has varied."),
            term("Loss", "How wrong the network is: the cross-entropy, the minus logarithm of the probability it gave the right class. 0 is perfect; guessing among 10 classes gives about 2.3."),
            term("Accuracy", "The share of images whose most probable class is the right one. Train accuracy is measured during the epoch; test accuracy on images the network never trained on, which is what counts."),
            term("Confusion matrix", "A table of the test images: the row is the true class, the column the class the network chose. The diagonal holds the right answers; anything else is a mix-up."))),
        el("div", { className: "t-samples-wrap" }, el("p", { className: "hint" }, "One test image of each class:"), samplesBox)),
      card("The network", "t-h-net",
        el("p", { className: "hint" }, "The layers it trains, edited as in the Build tab. The last dense layer gets one output per class of the data set."),
        layerSettingsHelp(),
        networkBox,
        tableWrap),
      card("Save, load, use elsewhere", "t-h-save",
        el("div", { className: "b-row" }, saveNpz, saveTorch, openBuild),
        el("div", { className: "b-row" }, el("label", { className: "file-button" }, loadIn, el("span", {}, "Load a model (.npz)…"))),
        el("p", { className: "hint" }, "The .npz holds the weights and the layers; python -m pycore predict --model model.npz reads it, and the PyTorch code builds the same network and loads them."),
        saveNote));
    const right = el("div", { className: "t-col" },
      card("Learning curves", "t-h-curves", el("div", { className: "t-charts" }, lossChart.element, accChart.element)),
      card("Draw a digit", "t-h-pad", el("div", { className: "t-pad-row" }, pad.element, prediction),
        el("details", { className: "t-pad-details", open: true }, el("summary", {}, "Every layer's output for your drawing"), padMaps)),
      card("Filters", "t-h-filters",
        el("p", { className: "hint" }, "Each small square is one filter's 3×3 weights: red positive, blue negative, white zero. They start random and change as the network learns."),
        el("div", { className: "b-row" }, el("label", { htmlFor: filterSel.id, className: "inline" }, "Layer", filterSel)),
        filtersBox),
      card("After each epoch: the test images", "t-h-eval",
        el("p", { className: "hint" }, "Rows: the true class; columns: what the network said. Right answers sit on the diagonal."),
        confusionBox, galleryBox));
    root.replaceChildren(el("div", { className: "t-columns" }, left, right));
    python = mountPythonPanel(left, ctx, { view: "training", title: "the Train tab" });
    settingsBox.addEventListener("input", () => python.update(readSettings()));
    // an edited setting is no longer the one refused (the next Start checks it again)
    settingsBox.addEventListener("input", (e) => e.target.getAttribute("aria-invalid") && clearFieldErrors(settingsBox));
  }

  /**
   * A refused call: its message under the setting pycore names (WorkerError.field), else in
   * the status beside the buttons; never the page's banner. `what`: "Not started", "Step".
   */
  function showCallError(what, e) {
    clearFieldErrors(settingsBox);
    const controls = { data: dataSel, optimizer: optSel, lr: lrIn, batch_size: batchIn, epochs: epochsIn, seed: seedIn };
    const control = controls[e.field];
    if (control) showFieldError(control, `${what}: ${e.message}`);
    say(`${what}: ${e.message}`);
  }

  function describeLast(series, f) {
    const parts = series.filter((s) => s.id !== "step" && s.points.length).map((s) => `${s.label} ${f(s.points[s.points.length - 1][1])} at epoch ${s.points[s.points.length - 1][0]}`);
    return parts.length ? parts.join("; ") : "no epoch finished yet";
  }

  // ------------------------------------------------------------------ settings
  function readSettings() {
    const num = (input) => (input.value.trim() === "" ? NaN : Number(input.value));
    return {
      spec: t.spec, data: dataSel.value, optimizer: optSel.value, lr: num(lrIn), batch_size: num(batchIn),
      epochs: num(epochsIn), seed: num(seedIn), weight_decay: t.options.defaults.weight_decay,
      momentum: t.options.defaults.momentum, dtype: t.options.defaults.dtype,
    };
  }

  function showDefaults() {
    const d = t.options.defaults;
    dataSel.value = d.data;
    optSel.value = d.optimizer;
    lrIn.value = String(d.lr);
    batchIn.value = String(d.batch_size);
    epochsIn.value = String(d.epochs);
    seedIn.value = String(d.seed);
  }

  const retrace = coalesce(async () => {
    const inp = DATA_INPUT[dataSel.value] || DATA_INPUT.digits;
    let r;
    try {
      r = await ctx.client.latest("train-trace", "network_trace", { spec: t.spec, input: { color: "gray", fit: "resize", ...inp } });
    } catch (e) {
      stack.status.textContent = e.message;
      return;
    }
    if (r.stale || t.session) return;
    showTrace(r.meta);
    python.update(readSettings());
  });

  function showTrace(trace) {
    stack.update(trace);
    fillTable(table, trace, null);
    stack.status.classList.toggle("bad", !trace.valid);
    stack.status.textContent = trace.valid ? `${trace.rows.length - 1} layers, ${trace.totals.params.toLocaleString("en-US")} parameters to learn.`
      : `The stack breaks at layer ${trace.error_index + 1}: ${trace.rows[trace.error_index + 1].reason}`;
  }

  // ------------------------------------------------------------------ state and status
  function setState(event) {
    const before = t.state;
    t.state = nextState(t.state, event);
    if (t.state !== before || event === "paused") t.pausing = false;
    showControls();
  }

  function showControls() {
    const c = controls(t.state, { pausing: t.pausing, hasNetwork: !!t.session });
    startBtn.disabled = !c.start.enabled;
    startBtn.textContent = c.start.label;
    pauseBtn.disabled = !c.pause.enabled;
    pauseBtn.textContent = t.pausing ? "Pausing…" : "Pause";
    stepBtn.disabled = !c.step.enabled;
    resetBtn.disabled = !c.reset.enabled;
    settingsBox.disabled = !c.settings;
    networkBox.disabled = !c.settings;
    for (const b of [saveNpz, saveTorch, openBuild]) b.disabled = !c.save;
    statusEl.dataset.state = t.state;
  }

  function say(text) {
    if (announce.textContent !== text) announce.textContent = text;
  }

  function showProgress(meta) {
    const p = position({ step: meta.step, totalSteps: meta.total_steps, stepsPerEpoch: meta.steps_per_epoch, epochs: meta.epochs });
    statusEl.dataset.epoch = String(meta.epoch);
    statusEl.dataset.step = String(meta.step);
    bar.value = p.fraction;
    bar.setAttribute("aria-valuetext", `${Math.round(p.fraction * 100)}%: epoch ${p.epoch} of ${meta.epochs}`);
    const rate = stepsPerSecond(t.rate);
    const left = secondsLeft(meta.total_steps - meta.step, rate);
    const parts = [`Epoch ${p.epoch} of ${meta.epochs}`, `batch ${p.stepInEpoch} of ${meta.steps_per_epoch}`, `${meta.step} of ${meta.total_steps} in all`];
    if (t.state === "running" && rate) parts.push(`${rate.toFixed(0)} batches/s`, `about ${fmtDuration(left)} left`);
    progressText.textContent = parts.join(" · ");
  }

  // ------------------------------------------------------------------ a session's results
  function startSession(meta, arrays) {
    t.session = meta;
    // the layers as Python trains them (the last dense layer fitted to the classes; a
    // loaded model's own): the editor shows them, locked until Reset
    t.spec.splice(0, t.spec.length, ...meta.spec.map((l) => fillLayer(l, t.types)));
    stack.render();
    t.stepLosses = [];
    t.history = [];
    lossChart.clear();
    accChart.clear();
    lossChart.setXRange([0, Math.max(1, meta.epochs)]);
    accChart.setXRange([0, Math.max(1, meta.epochs)]);
    showTrace(meta.trace);
    filterSel.replaceChildren(...meta.conv_layers.map((c) => new Option(`${c.name} (layer ${c.index + 1})`, c.name)));
    filterSel.disabled = meta.conv_layers.length === 0;
    t.filterLayer = meta.conv_layers[0]?.name ?? null;
    showFilters(meta.filters, arrays.filters);
    confusionBox.replaceChildren(el("p", { className: "hint" }, "Shown after the first epoch."));
    galleryBox.replaceChildren();
    samplesBox.replaceChildren();
    if (meta.samples) {
      const [, h, w] = [0, meta.input_shape[1], meta.input_shape[2]];
      meta.samples.labels.forEach((label, k) => samplesBox.append(el("figure", {}, inkCanvas(arrays.samples.subarray(k * h * w, (k + 1) * h * w), h, w, { label: `a test image of ${meta.classes[label]}` }), el("figcaption", {}, meta.classes[label]))));
    }
    writeHistory();
    showProgress(meta);
    if (t.lastPad) padChanged(t.lastPad);
  }

  function writeHistory() {
    historyEl.dataset.stepLosses = JSON.stringify(t.stepLosses);
    historyEl.dataset.history = JSON.stringify(t.history);
  }

  function showFilters(meta, data) {
    if (!meta || !data) {
      filtersBox.replaceChildren(el("p", { className: "hint" }, "This network has no conv layer, so no filters to show."));
      return;
    }
    if (t.filterLayer && meta.name !== t.filterLayer) return;
    filtersBox.replaceChildren(filterGrid(meta, data));
  }

  async function refreshChosenFilters() {
    if (!t.session || !t.filterLayer || t.filterLayer === t.session.conv_layers[0]?.name) return;
    try {
      const r = await ctx.client.latest("train-filters", "train_filters", { layer: t.filterLayer });
      if (!r.stale) showFilters(r.meta.filters, r.arrays.filters);
    } catch (e) {
      ctx.setError(ERR, `Filters: ${e.message}`);
    }
  }

  function onSlice({ meta, arrays }) {
    const spe = meta.steps_per_epoch;
    const points = meta.step_losses.map((loss, i) => [(meta.first_step + i + 1) / spe, loss]);
    t.stepLosses.push(...meta.step_losses);
    lossChart.extend("step", points);
    if (meta.step_losses.length) statusEl.dataset.loss = String(meta.step_losses[meta.step_losses.length - 1]);
    t.rate = keepRecent([...t.rate, { t: performance.now(), step: meta.step }]);
    for (const row of meta.epochs_ended) {
      t.history.push(row);
      lossChart.append("train", row.epoch, row.train_loss);
      lossChart.append("test", row.epoch, row.test_loss);
      accChart.append("train", row.epoch, row.train_accuracy);
      accChart.append("test", row.epoch, row.test_accuracy);
      statusEl.dataset.testAccuracy = String(row.test_accuracy);
    }
    if (meta.filters) showFilters(meta.filters, arrays.filters);
    refreshChosenFilters();
    if (meta.evaluation) {
      showEvaluation(meta.evaluation, arrays.misclassified);
      const row = meta.epochs_ended[meta.epochs_ended.length - 1];
      say(`Epoch ${row.epoch} of ${meta.epochs} done: test accuracy ${(row.test_accuracy * 100).toFixed(1)}%, loss ${fmt(row.test_loss)}.`);
      if (t.lastPad) padChanged(t.lastPad); // the network changed: ask it again
    } else if (t.lastPad && !t.lastPad.empty) maybeRepredict();
    writeHistory();
    showProgress(meta);
  }

  // during training the pad's answer follows the learning, at most twice a second
  let lastRepredict = 0;
  function maybeRepredict() {
    const now = performance.now();
    if (now - lastRepredict < 500) return;
    lastRepredict = now;
    predict();
  }

  function showEvaluation(ev, misclassified) {
    const classes = t.session.classes;
    confusionBox.replaceChildren(confusionTable(ev.confusion, classes, {
      caption: `Test images after the latest epoch: ${Math.round(ev.accuracy * 1000) / 10}% right. Row: the true class; column: what the network said.`,
    }));
    galleryBox.replaceChildren(misclassifiedGallery(ev, misclassified, [t.session.input_shape[1], t.session.input_shape[2]], classes));
  }

  // ------------------------------------------------------------------ training
  const loop = sliceLoop({
    runSlice: () => ctx.client.call("train_step", { max_ms: t.options.defaults.max_ms }),
    onSlice,
    onStop: (why, error) => {
      t.rate = [];
      if (why === "done") {
        setState("finished");
        const last = t.history[t.history.length - 1];
        say(`Training done: test accuracy ${last ? (last.test_accuracy * 100).toFixed(1) : "—"}%.`);
      } else if (why === "error" && error?.kind === "Restart") {
        return; // endSession (a new worker) says what happened
      } else if (why === "error") {
        setState("failed");
        ctx.setError(ERR, `Training stopped: ${error.message}`);
        say("Training stopped by an error.");
      } else {
        setState("paused");
        say(`Paused after batch ${t.stepLosses.length}.`);
      }
      if (t.session) showProgress({ ...t.session, ...lastProgress() });
    },
  });

  function lastProgress() {
    return { step: Number(statusEl.dataset.step), epoch: Number(statusEl.dataset.epoch) };
  }

  async function setup() {
    const r = await ctx.client.call("train_setup", readSettings());
    clearFieldErrors(settingsBox);
    startSession(r.meta, r.arrays);
    ctx.setError(ERR, null);
  }

  async function start() {
    if (!(t.state === "idle" || t.state === "paused")) return;
    const wasIdle = t.state === "idle";
    startBtn.disabled = stepBtn.disabled = true;
    if (wasIdle) {
      try {
        say("Setting up the network…");
        await setup();
      } catch (e) {
        showCallError("Not started", e);
        showControls();
        return;
      }
    }
    setState("start");
    say(wasIdle ? "Training…" : "Training again…");
    t.rate = [{ t: performance.now(), step: Number(statusEl.dataset.step) }];
    loop.start();
  }

  async function pause() {
    if (t.state !== "running") return;
    t.pausing = true;
    showControls();
    await loop.pause();
  }

  async function step() {
    if (!(t.state === "idle" || t.state === "paused")) return;
    startBtn.disabled = stepBtn.disabled = true;
    try {
      if (t.state === "idle") await setup();
      const r = await ctx.client.call("train_step", { max_batches: 1, max_ms: t.options.defaults.max_ms });
      onSlice(r);
      setState(r.meta.state === "done" ? "finished" : "stepped");
      say(`Trained batch ${r.meta.step}: loss ${fmt(r.meta.step_losses[0])}.`);
    } catch (e) {
      if (e.kind !== "Restart") showCallError("Step", e);
      showControls();
    }
  }

  async function reset() {
    await loop.cancel();
    try {
      await ctx.client.call("train_reset", {});
    } catch (e) {
      ctx.setError(ERR, `Reset: ${e.message}`);
    }
    t.session = null;
    t.stepLosses = [];
    t.history = [];
    t.rate = [];
    lossChart.clear();
    accChart.clear();
    delete statusEl.dataset.loss;
    delete statusEl.dataset.testAccuracy;
    statusEl.dataset.epoch = "0";
    statusEl.dataset.step = "0";
    bar.value = 0;
    progressText.textContent = "";
    writeHistory();
    filtersBox.replaceChildren(el("p", { className: "hint" }, "Start training to see the filters."));
    confusionBox.replaceChildren(el("p", { className: "hint" }, "Shown after the first epoch."));
    galleryBox.replaceChildren();
    setState("reset");
    say("Reset: no network. Change the settings, then start.");
    ctx.setError(ERR, null);
    retrace();
    if (t.lastPad) padChanged(t.lastPad);
  }

  // The worker was restarted: the session lived in its Python and is gone. The curves
  // stay for reference; the state goes back to idle, so Start trains a new network.
  function endSession() {
    if (!t.session && t.state === "idle") return;
    const batches = t.stepLosses.length;
    loop.cancel(); // the slice in flight was rejected; nothing of this run counts any more
    t.session = null;
    t.state = "idle";
    t.pausing = false;
    t.rate = [];
    showControls();
    say(`Training ended: the Python worker was restarted, and the network it was training${batches ? ` (${batches} batches)` : ""} is gone. Start trains a new one.`);
    if (t.lastPad) padChanged(t.lastPad);
  }
  ctx.onWorkerLost?.(endSession);

  // ------------------------------------------------------------------ the pad
  let padSeq = 0;
  async function padChanged(drawing) {
    t.lastPad = drawing;
    const mine = ++padSeq;
    if (drawing.empty) {
      t.padLevels = null;
      pad.showPreview(null);
      showPrediction(null, "Draw a digit on the pad.");
      padMaps.replaceChildren();
      return;
    }
    const inputShape = t.session ? t.session.input_shape : [1, 8, 8];
    if (inputShape[1] !== 8 || inputShape[2] !== 8) {
      showPrediction(null, "The pad draws digits: train on the handwritten digits to use it.");
      return;
    }
    let r;
    try {
      r = await ctx.client.latest("train-pad", "train_pad_input", { gray: drawing.gray, width: drawing.width, height: drawing.height });
    } catch (e) {
      showPrediction(null, `The drawing could not be read: ${e.message}`);
      return;
    }
    if (r.stale || mine !== padSeq) return;
    t.padLevels = r.meta.levels;
    prediction.dataset.levels = JSON.stringify(r.meta.levels);
    pad.showPreview(r.meta.levels);
    predict();
  }

  async function predict() {
    if (!t.padLevels) return;
    if (!t.session) {
      showPrediction(null, "Start training (or load a model), and the network will read your digit.");
      return;
    }
    // the network as it is when asked: the worker runs this between two slices
    const askedAt = statusEl.dataset.step;
    let r;
    try {
      r = await ctx.client.latest("train-predict", "train_predict", { pixels: t.padLevels });
    } catch (e) {
      showPrediction(null, `No prediction: ${e.message}`);
      return;
    }
    if (r.stale) return;
    prediction.dataset.step = askedAt;
    showPrediction(r.meta);
    padMaps.replaceChildren(...layerMaps(r));
  }

  function showPrediction(meta, text) {
    if (!meta) {
      prediction.dataset.class = "";
      prediction.dataset.probabilities = "[]";
      prediction.replaceChildren(el("p", { className: "hint" }, text));
      return;
    }
    prediction.dataset.class = String(meta.class);
    prediction.dataset.probabilities = JSON.stringify(meta.probabilities);
    const p = meta.probabilities[meta.class];
    const untrained = t.stepLosses.length === 0 ? " (untrained: a guess)" : "";
    prediction.replaceChildren(
      el("p", { className: "t-answer" }, "The network says ", el("strong", { dataset: { testid: "prediction-class" } }, meta.label), ` (${(p * 100).toFixed(1)}%)${untrained}.`),
      probabilityBars(meta.probabilities, t.session.classes, meta.class));
  }

  // ------------------------------------------------------------------ save / load / build
  async function save(kind) {
    try {
      const r = await ctx.client.call("train_save", {});
      if (kind === "npz") {
        const bin = atob(r.meta.npz_base64);
        const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
        downloadBlob(new Blob([bytes], { type: "application/zip" }), r.meta.filename);
        saveNote.textContent = `Saved ${r.meta.filename} (${Math.round(r.meta.bytes / 1024)} KB).`;
      } else {
        downloadText(r.meta.pytorch_code, "model_torch.py", "text/x-python");
        saveNote.textContent = `Saved model_torch.py: put it beside ${r.meta.filename} and run it with PyTorch installed.`;
      }
    } catch (e) {
      ctx.setError(ERR, `Not saved: ${e.message}`);
    }
  }

  async function load(file) {
    if (!file) return;
    await loop.cancel();
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const r = await ctx.client.call("train_load", { ...readSettings(), npz: bytes });
      t.state = "idle";
      startSession(r.meta, r.arrays);
      const trainable = r.meta.trainable && r.meta.state !== "done";
      setState(trainable ? "loaded" : "loaded-final");
      say(`Loaded ${file.name}: ${r.meta.trainable ? "Resume trains it further on " + r.meta.data : "it fits no data set here, so it can only predict"}.`);
      saveNote.textContent = `Loaded ${file.name}.`;
      ctx.setError(ERR, null);
    } catch (e) {
      ctx.setError(ERR, `Not loaded: ${e.message}`);
    }
    loadIn.value = "";
  }

  async function openInBuild() {
    if (!ctx.openInBuilder) return;
    try {
      const r = await ctx.client.call("train_export", {});
      ctx.openInBuilder(r);
    } catch (e) {
      ctx.setError(ERR, `Not opened: ${e.message}`);
    }
  }

  // ------------------------------------------------------------------ wiring
  function wire() {
    for (const d of t.options.datasets) dataSel.add(new Option(d.label, d.value));
    for (const o of t.options.optimizers) optSel.add(new Option(o.label, o.value));
    showDefaults();
    dataSel.addEventListener("change", () => retrace());
    startBtn.addEventListener("click", start);
    pauseBtn.addEventListener("click", pause);
    stepBtn.addEventListener("click", step);
    resetBtn.addEventListener("click", reset);
    saveNpz.addEventListener("click", () => save("npz"));
    saveTorch.addEventListener("click", () => save("torch"));
    openBuild.addEventListener("click", openInBuild);
    openBuild.hidden = !ctx.openInBuilder;
    loadIn.addEventListener("change", () => load(loadIn.files[0]));
    filterSel.addEventListener("change", () => {
      t.filterLayer = filterSel.value;
      if (t.filterLayer === t.session?.conv_layers[0]?.name) {
        ctx.client.latest("train-filters", "train_filters", { layer: t.filterLayer }).then((r) => !r.stale && showFilters(r.meta.filters, r.arrays.filters), () => {});
      } else refreshChosenFilters();
    });
  }

  async function mount() {
    if (t.options) return;
    let presets;
    try {
      presets = await ctx.client.call("network_presets", {});
    } catch (e) {
      root.replaceChildren(el("p", { className: "b-bad-text" }, `The Train tab could not start: ${e.message}`));
      return;
    }
    t.options = ctx.options.training;
    t.types = presets.meta.types;
    t.activations = presets.meta.activations;
    t.spec = t.options.defaults.spec.map((l) => fillLayer(l, t.types));
    stack = layerStackEditor({
      types: t.types, activations: t.activations, idPrefix: "t", testidPrefix: "train-",
      getSpec: () => t.spec, newLayer: (type) => newLayer(type, t.types), onChange: () => retrace(),
    });
    mountLayout();
    wire();
    stack.render();
    showControls();
    retrace();
  }

  // on ready: the shell has pycore's options (ctx.options) by then
  if (ctx.isReady() && ctx.options) mount();
  else ctx.onReady(() => mount());
}
