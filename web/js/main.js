// Wires the page: the worker client, the image sources, the convolution panel and the
// feature-map view. Drawing lives in render.js, kernel cells in kernel-editor.js.
import { CoreClient } from "./client.js";
import { decodeImage, wireImageSources, ImageInputError } from "./image-input.js";
import { parseFilter, renderKernelEditor, resizeCells, cellText } from "./kernel-editor.js";
import { COLOR_MODES, drawMap, drawRGBA, drawLegend, fmt } from "./render.js";
import { describeGeometry } from "./geometry.js";
import { wireTabs } from "./tabs.js";
import { mountExplorers } from "./explorers/index.js";
import { mountBuilder } from "./builder/index.js";

const $ = (sel, root = document) => root.querySelector(sel);
const tid = (id, root = document) => root.querySelector(`[data-testid="${id}"]`);

// ----------------------------------------------------------------------------- status

const statusEl = tid("status");
const STAGE_LABELS = { runtime: "Python runtime", numpy: "numpy", pycore: "pycore" };

function setState(state, text) {
  statusEl.dataset.state = state;
  if (text) tid("status-text").textContent = text;
}

function showStage({ stage, detail, bytes }) {
  const list = tid("stages");
  for (const li of list.children) li.classList.add("done");
  const li = document.createElement("li");
  const size = bytes ? ` (${(bytes / 1048576).toFixed(1)} MB)` : "";
  li.textContent = `${STAGE_LABELS[stage] || detail}${size}`;
  list.append(li);
  setState("loading", `Loading ${STAGE_LABELS[stage] || detail}${size}…`);
}

// ----------------------------------------------------------------------------- errors

// One banner shows the latest problem; each source clears its own when it is fixed.
const errors = new Map();
function setError(source, message) {
  errors.delete(source);
  if (message) errors.set(source, message);
  const banner = tid("error");
  const last = [...errors.values()].pop();
  banner.hidden = !last;
  $(".error-text", banner).textContent = last || "";
}
$(".error-close").addEventListener("click", () => {
  errors.clear();
  setError("", null);
});

// ----------------------------------------------------------------------------- stale output

// When the latest settings or image could not be computed, the maps on screen belong to
// earlier ones: say so, rather than let them pass for the current result.
function markStale(stale) {
  const maps = tid("maps");
  maps.dataset.stale = String(stale);
  maps.closest(".card").classList.toggle("stale", stale);
  tid("stale-note").hidden = !stale || maps.childElementCount === 0;
  for (const id of ["conv-formula", "pool-formula", "timing"]) tid(id).classList.toggle("stale", stale);
}

// ----------------------------------------------------------------------------- state

const readyListeners = [];
const state = {
  library: new Map(), // name -> {rows, cols, values: Float32Array, description}
  filters: [], // {name, rows, cols, cells: string[]}
  image: null, // {width, height, sourceWidth, sourceHeight, name}
  colorMode: "gray",
  lastResult: null,
  nextCustom: 1,
};

function filterFromLibrary(name) {
  const k = state.library.get(name);
  return { name, rows: k.rows, cols: k.cols, cells: Array.from(k.values, (v) => cellText(v)) };
}

// ----------------------------------------------------------------------------- client

const client = new CoreClient({
  onProgress: showStage,
  onReady: async (msg) => {
    for (const li of tid("stages").children) li.classList.add("done");
    tid("version").textContent = msg.version ? `pycore ${msg.version}.` : "";
    try {
      await loadLibrary();
      setState("ready", "Ready");
      tid("retry").hidden = true;
      for (const fn of readyListeners) fn();
      if (state.image) await sendImage(state.pendingRGBA);
    } catch (e) {
      setState("error", "Python loaded, but the kernel library did not");
      setError("load", e.message);
    }
  },
  onLoadError: (message) => {
    setState("error", "Python failed to load");
    setError("load", `Loading failed: ${message}. Check that the page's files are all served, then retry.`);
    tid("retry").hidden = false;
  },
  onBusy: (busy) => {
    if (statusEl.dataset.state === "loading" || statusEl.dataset.state === "error") return;
    setState(busy ? "busy" : "ready", busy ? "Computing…" : "Ready");
  },
});

tid("retry").addEventListener("click", () => {
  tid("stages").replaceChildren();
  setError("load", null);
  setState("loading", "Loading Python…");
  tid("retry").hidden = true;
  client.start();
});

async function loadLibrary() {
  const { meta, arrays } = await client.call("library");
  state.library.clear();
  const select = tid("add-kernel-select");
  select.replaceChildren();
  for (const k of meta.kernels) {
    state.library.set(k.name, { rows: k.rows, cols: k.cols, values: arrays[k.array], description: k.description });
    const opt = new Option(`${k.name} (${k.rows}×${k.cols})`, k.name);
    opt.title = k.description;
    select.add(opt);
  }
  select.add(new Option("custom (empty 3×3)", "__custom__"));
  if (state.filters.length === 0) resetFilters();
}

// ----------------------------------------------------------------------------- filters

// The notebook's setup: edge, sharpen and blur, in that order.
const DEFAULT_FILTERS = ["edge", "sharpen", "blur"];
function resetFilters() {
  state.filters = DEFAULT_FILTERS.filter((n) => state.library.has(n)).map(filterFromLibrary);
  state.nextCustom = 1;
  renderFilters();
}
tid("reset-filters").addEventListener("click", () => {
  resetFilters();
  schedule();
});

function renderFilters() {
  const box = tid("filters");
  box.replaceChildren(
    ...state.filters.map((f, i) =>
      renderKernelEditor(f, i, {
        canRemove: state.filters.length > 1,
        onCells: (cell, text) => {
          f.cells[cell] = text;
          schedule();
        },
        onResize: (rows, cols) => {
          f.cells = resizeCells(f, rows, cols);
          f.rows = rows;
          f.cols = cols;
          renderFilters();
          schedule();
        },
        onRename: (name) => {
          f.name = name;
          renderFilters(); // the grid's and the remove button's labels carry the name
          schedule();
        },
        onRemove: () => {
          state.filters.splice(i, 1);
          setError("filters", null);
          renderFilters();
          schedule();
        },
      }),
    ),
  );
}

tid("add-kernel").addEventListener("click", () => {
  const name = tid("add-kernel-select").value;
  if (state.filters.length >= 16) {
    setError("filters", "At most 16 filters at once: remove one first.");
    return;
  }
  if (name === "__custom__") {
    state.filters.push({ name: `custom ${state.nextCustom++}`, rows: 3, cols: 3, cells: new Array(9).fill("0") });
  } else if (state.library.has(name)) {
    state.filters.push(filterFromLibrary(name));
  }
  renderFilters();
  const cells = tid("filters").querySelectorAll('[data-testid="kernel"]');
  cells[cells.length - 1]?.querySelector("input")?.focus();
  schedule();
});

// ----------------------------------------------------------------------------- controls

function numberOf(id) {
  const el = tid(id);
  const text = el.value.trim();
  // Send what was typed; pycore validates and names the control if it is impossible.
  return text === "" ? NaN : Number(text);
}

function collectParams() {
  const kernels = [];
  const problems = [];
  state.filters.forEach((f, i) => {
    const { values, errors: bad } = parseFilter(f);
    for (const { index, reason } of bad) {
      const r = Math.floor(index / f.cols) + 1;
      const c = (index % f.cols) + 1;
      problems.push(`Filter ${i + 1} (${f.name}), row ${r}, column ${c}: ${reason}.`);
    }
    kernels.push({ name: f.name, rows: f.rows, cols: f.cols, values });
  });
  const paddingKind = tid("padding-kind").value;
  const params = {
    __image: true,
    channel: tid("channel").value,
    kernels,
    stride: numberOf("stride"),
    dilation: numberOf("dilation"),
    padding: paddingKind === "same" ? "same" : numberOf("padding"),
    padding_mode: tid("padding-mode").value,
    activation: tid("activation").value,
    negative_slope: numberOf("slope"),
    pool: {
      type: tid("pool-type").value,
      kernel_size: numberOf("pool-size"),
      stride: numberOf("pool-stride"),
      padding: numberOf("pool-padding"),
      ceil_mode: tid("pool-ceil").checked,
    },
  };
  for (const [label, v] of [["Stride", params.stride], ["Dilation", params.dilation], ["Padding size", params.padding],
    ["Pooling window", params.pool.kernel_size], ["Pooling stride", params.pool.stride], ["Pooling padding", params.pool.padding]]) {
    if (typeof v === "number" && !Number.isFinite(v)) problems.push(`${label} must be a number.`);
  }
  return { params, problems };
}

let scheduled = false;
function schedule() {
  // Coalesce the events of one tick; the client drops results that were overtaken.
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => {
    scheduled = false;
    recompute();
  });
}

async function recompute() {
  if (!state.image || !client.ready || !state.imageSent) return;
  const { params, problems } = collectParams();
  if (problems.length) {
    setError("params", problems[0] + (problems.length > 1 ? ` (${problems.length - 1} more)` : ""));
    markStale(true);
    return;
  }
  let result;
  try {
    result = await client.latest("conv", "convolve", params);
  } catch (e) {
    if (e.kind === "Restart") return;
    setError("params", e.message);
    markStale(true);
    return;
  }
  if (result.stale) return;
  setError("params", null);
  setError("pool", result.meta.pool_error);
  state.lastResult = result;
  drawResult(result);
}

for (const id of ["channel", "stride", "dilation", "padding", "padding-mode", "activation", "slope",
  "pool-type", "pool-size", "pool-stride", "pool-padding", "pool-ceil"]) {
  tid(id).addEventListener("input", schedule);
  tid(id).addEventListener("change", schedule);
}
tid("padding-kind").addEventListener("change", () => {
  tid("padding").disabled = tid("padding-kind").value === "same";
  schedule();
});
tid("activation").addEventListener("change", () => {
  tid("slope-row").hidden = tid("activation").value !== "leaky_relu";
});
tid("pool-size").addEventListener("input", () => {
  // Keep the common non-overlapping default unless the user chose a stride.
  if (!tid("pool-stride").dataset.touched) tid("pool-stride").value = tid("pool-size").value;
  schedule();
});
tid("pool-stride").addEventListener("input", () => (tid("pool-stride").dataset.touched = "1"));

// ----------------------------------------------------------------------------- colour modes

const modesBox = tid("color-modes");
for (const m of COLOR_MODES) {
  const label = document.createElement("label");
  label.className = "inline";
  label.title = m.help;
  const input = document.createElement("input");
  input.type = "radio";
  input.name = "color-mode";
  input.value = m.id;
  input.checked = m.id === state.colorMode;
  input.dataset.testid = `color-${m.id}`;
  input.addEventListener("change", () => {
    state.colorMode = m.id;
    if (state.lastResult) drawResult(state.lastResult);
  });
  label.append(input, ` ${m.label}`);
  modesBox.append(label);
}

// ----------------------------------------------------------------------------- drawing

function mapCanvas(testid, entry, data, mode) {
  const canvas = document.createElement("canvas");
  canvas.dataset.testid = testid;
  canvas.dataset.label = entry.label;
  canvas.dataset.vmin = String(entry.vmin);
  canvas.dataset.vmax = String(entry.vmax);
  canvas.dataset.shape = entry.shape.join(",");
  const [h, w] = entry.shape;
  drawMap(canvas, data, w, h, mode, entry.vmin, entry.vmax);
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", `${testid === "fmap" ? "Feature map" : "Pooled map"} ${entry.label}, ${h} by ${w}, values ${fmt(entry.vmin)} to ${fmt(entry.vmax)}`);
  // Scale small maps up so a 5×5 result is visible; CSS keeps pixels crisp.
  const zoom = Math.max(1, Math.min(8, Math.floor(160 / Math.max(w, h))));
  canvas.style.setProperty("--w", `${w * zoom}px`);
  return canvas;
}

function figure(testid, entry, data, mode, caption) {
  const fig = document.createElement("figure");
  fig.append(mapCanvas(testid, entry, data, mode));
  const cap = document.createElement("figcaption");
  const [h, w] = entry.shape;
  const title = document.createElement("strong");
  title.textContent = caption;
  cap.append(title, ` ${h}×${w}`, document.createElement("br"), `range ${fmt(entry.vmin)} … ${fmt(entry.vmax)}`);
  fig.append(cap);
  return fig;
}

function drawResult({ meta, arrays, ms }) {
  const mode = state.colorMode;
  const box = tid("maps");
  const cards = meta.maps.map((m, i) => {
    const card = document.createElement("article");
    card.className = "map-card";
    card.dataset.testid = "map-card";
    const h = document.createElement("h3");
    h.textContent = m.label;
    const k = document.createElement("span");
    k.className = "muted";
    k.textContent = ` ${m.kernel[0]}×${m.kernel[1]} kernel`;
    h.append(k);
    card.append(h);
    const row = document.createElement("div");
    row.className = "map-row";
    row.append(figure("fmap", m, arrays[m.array], mode, "feature map"));
    const p = meta.pooled[i];
    if (p) row.append(figure("pooled", { ...p, label: m.label }, arrays[p.array], mode, `${meta.settings.pool.type} pooled`));
    card.append(row);
    return card;
  });
  box.replaceChildren(...cards);
  markStale(false);
  box.dataset.renders = String(Number(box.dataset.renders || 0) + 1);
  drawLegendFor(mode);
  tid("timing").textContent = `Computed by pycore in ${ms.toFixed(0)} ms on the ${meta.input.shape[0]}×${meta.input.shape[1]} input. Map sizes are rows × columns, as in the formulas.`;
  tid("conv-formula").replaceChildren(...describeGeometry(meta.maps, "Feature map", "kernel"));
  tid("pool-formula").replaceChildren(...(meta.pooled.length ? describeGeometry(meta.pooled.map((p, i) => ({ ...p, kernel: [meta.settings.pool.kernel_size, meta.settings.pool.kernel_size], label: meta.maps[i].label })), "Pooled map", "window") : []));
}

function drawLegendFor(mode) {
  // Each map is scaled on its own range, so the legend names the ends, not numbers.
  const ends = { gray: ["min of each map", "max of each map"], diverging: ["−max|v|", "+max|v| of each map"], abs: ["0", "max|v| of each map"] };
  const legend = tid("legend");
  drawLegend($(".legend-bar", legend), mode);
  $(".legend-lo", legend).textContent = ends[mode][0];
  $(".legend-hi", legend).textContent = ends[mode][1];
  $(".legend-help", legend).textContent = COLOR_MODES.find((c) => c.id === mode).help;
}

// ----------------------------------------------------------------------------- image

async function sendImage(rgba) {
  const copy = new Uint8ClampedArray(rgba); // keep ours; the copy's buffer is transferred
  state.imageSent = false;
  markStale(true); // until the new image's maps are drawn
  await client.call("set_image", { rgba: copy, width: state.image.width, height: state.image.height }, [copy.buffer]);
  state.imageSent = true;
  schedule();
}

async function onFile(file) {
  let decoded;
  try {
    decoded = await decodeImage(file, Number(tid("max-side").value));
  } catch (e) {
    setError("image", e instanceof ImageInputError ? e.message : `Could not open the image: ${e.message}`);
    return;
  }
  setError("image", null);
  const { rgba, ...info } = decoded;
  for (const fn of imageListeners) fn({ ...info, rgba });
  state.image = info;
  state.pendingRGBA = rgba;
  state.sourceFile = file;
  const inputCanvas = tid("input-image");
  drawRGBA(inputCanvas, rgba, info.width, info.height);
  // Small images are shown enlarged (crisp pixels) so a 30-pixel test image is visible.
  const zoom = Math.max(1, Math.min(8, Math.floor(320 / Math.max(info.width, info.height))));
  inputCanvas.style.width = zoom > 1 ? `${info.width * zoom}px` : "";
  inputCanvas.classList.toggle("pixelated", zoom > 1);
  const scaled = info.width !== info.sourceWidth ? ` (scaled from ${info.sourceWidth}×${info.sourceHeight})` : "";
  tid("image-caption").textContent = `${info.name}: ${info.width}×${info.height} pixels (width × height)${scaled}; as an array ${info.height} rows × ${info.width} columns.`;
  if (client.ready) {
    try {
      await sendImage(rgba);
    } catch (e) {
      setError("image", e.message);
    }
  }
}

tid("max-side").addEventListener("change", () => {
  if (state.sourceFile) onFile(state.sourceFile);
});

const SAMPLE_URL = new URL("../assets/sample-cat.jpg", import.meta.url).href;
wireImageSources({
  input: tid("upload"),
  dropZone: tid("dropzone").closest(".card"),
  sampleButton: tid("sample"),
  sampleURL: SAMPLE_URL,
  onFile,
  onError: (message) => setError("image", message),
});

drawLegendFor("gray");
// What other panels (explorers, builder) get: the one worker client, the current
// image, and the shared error banner. They mount into their own root element.
const imageListeners = [];
export const appContext = {
  client,
  setError,
  getImage: () => (state.image ? { ...state.image, rgba: state.pendingRGBA } : null),
  onImage: (fn) => imageListeners.push(fn),
  // Other panels load images through the same path, so decoding, errors and the
  // worker's copy of the image stay in one place.
  loadFile: (file) => onFile(file),
  loadSample: () => tid("sample").click(),
  onReady: (fn) => readyListeners.push(fn),
  isReady: () => client.ready && statusEl.dataset.state !== "loading",
};

wireTabs(document.querySelector(".tabs"));
mountBuilder(document.querySelector('[data-testid=builder-root]'), appContext);
mountExplorers(document.querySelector('[data-testid=explorers-root]'), appContext);
