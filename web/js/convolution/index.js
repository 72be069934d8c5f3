// The "Convolution & pooling" tab: the image card, the filters, how they slide, the
// activation and the pooling, and the feature maps pycore's convolve computes for them.
// Its markup is in index.html (section#convolution); this wires it, and start(options) fills
// its option lists and limits from pycore's `options`. The panel's state is the one object
// `state`; its settings are read only through getSettings().
import { tid } from "../ui/dom.js";
import { drawRGBA } from "../ui/canvas.js";
import { cellText } from "../ui/cells.js";
import { choices } from "../ui/choices.js";
import { fillSelect } from "../ui/fields.js";
import { FILE_ACCEPT, wireFileInput, wireDropZone, wirePaste } from "../ui/image-input.js";
import { coalesce } from "../ui/schedule.js";
import { parseFilter, renderKernelEditor, resizeCells } from "./kernel-editor.js";
import { describeGeometry } from "./geometry.js";
import { mapCards, drawLegendFor, mapViewControls, MAP_VIEW_DEFAULTS } from "./maps.js";
import { wireReceptiveHover } from "./receptive-hover.js";
import { mountPythonPanel } from "../ui/python-panel.js";

// The notebook's setup: edge, sharpen and blur, in that order.
const DEFAULT_FILTERS = ["edge", "sharpen", "blur"];
// The controls' first values (their option lists come from pycore).
const DEFAULTS = { channel: "gray", "padding-mode": "zeros", activation: "relu", "pool-type": "max" };
const NUMBER_CONTROLS = ["stride", "dilation", "padding", "slope", "pool-size", "pool-stride", "pool-padding"];

/**
 * @param {HTMLElement} panel  section#convolution
 * @param {{client, setError: Function, image: object}} ctx  the shell's client, banner and
 *   current image (shell/image.js)
 * @returns {{start: (options: object) => Promise<void>, getSettings: Function}}
 */
export function mountConvolution(panel, ctx) {
  const { client, setError, image } = ctx;
  const $ = (id) => tid(id, panel);
  const state = {
    library: new Map(), // name -> {rows, cols, values: Float32Array, description}
    filters: [], // {name, rows, cols, cells: string[]}
    nextCustom: 1, // the number of the next "custom N" filter
    colorMode: "gray",
    colorModes: [], // pycore's options.color_modes
    limits: null, // pycore's options.limits.convolution
    lastResult: null, // the convolve result on screen
    mapView: { ...MAP_VIEW_DEFAULTS }, // how the maps are drawn: {scale: "each"|"shared", before: bool}
    nextSeed: 1, // the seed of the next "random" filter: each one is a new draw
  };
  const schedule = coalesce(recompute); // the client drops results that were overtaken
  const python = mountPythonPanel($("maps").closest(".card").parentElement, ctx, { view: "convolution", title: "the Convolution tab" });

  // --------------------------------------------------------------------------- library and filters

  function filterFromLibrary(name) {
    const k = state.library.get(name);
    return { name, rows: k.rows, cols: k.cols, cells: Array.from(k.values, (v) => cellText(v)) };
  }

  /**
   * Once Python is up: the option lists and limits from pycore's `options` meta, then
   * pycore's kernel library (its names as `options` lists them) in the "Add" list.
   */
  async function start(options) {
    if (!state.limits) applyOptions(options); // once: a worker restart keeps the user's choices
    await loadLibrary(options.kernels);
  }

  function applyOptions(options) {
    for (const [id, list] of [["channel", options.channels], ["padding-mode", options.padding_modes],
      ["activation", options.activations], ["pool-type", options.pool_types]]) {
      fillSelect($(id), choices(list), DEFAULTS[id]);
    }
    const L = options.limits.convolution;
    state.limits = L;
    for (const [id, max] of [["stride", L.MAX_STRIDE], ["dilation", L.MAX_DILATION], ["padding", L.MAX_PADDING],
      ["pool-size", L.MAX_POOL], ["pool-stride", L.MAX_POOL], ["pool-padding", L.MAX_POOL_PADDING]]) {
      $(id).max = String(max);
    }
    state.colorModes = options.color_modes;
    renderColorModes();
    drawLegendFor($("legend"), state.colorMode, state.colorModes);
  }

  /** pycore's kernel library, in the order and with the labels of options.kernels. */
  async function loadLibrary(kernels) {
    const { meta, arrays } = await client.call("library");
    const library = new Map(meta.kernels.map((k) => [k.name, k]));
    state.library.clear();
    const select = $("add-kernel-select");
    select.replaceChildren();
    for (const { value: name, label, description } of kernels) {
      const k = library.get(name);
      if (!k) throw new Error(`the kernel library has no ${name}`);
      state.library.set(name, { rows: k.rows, cols: k.cols, values: arrays[k.array], description });
      const opt = new Option(`${label} (${k.rows}×${k.cols})`, name);
      opt.title = description;
      select.add(opt);
    }
    select.add(new Option("custom (empty 3×3)", "__custom__"));
    if (state.filters.length === 0) resetFilters();
  }

  function resetFilters() {
    state.filters = DEFAULT_FILTERS.filter((n) => state.library.has(n)).map(filterFromLibrary);
    state.nextCustom = 1;
    renderFilters();
  }

  // The filter limit's message belongs to this card and to its cause: it is shown beside
  // the Add button (not on the page-wide banner, which every tab shows) and goes as soon as
  // there is room for another filter again (a filter removed, Reset).
  const filtersNote = document.createElement("p");
  filtersNote.className = "filters-note";
  filtersNote.dataset.testid = "filters-note";
  filtersNote.setAttribute("role", "status");
  filtersNote.hidden = true;
  $("add-kernel").closest(".add-filter").after(filtersNote);
  function showFiltersNote(text) {
    filtersNote.textContent = text || "";
    filtersNote.hidden = !text;
  }

  function renderFilters() {
    if (state.filters.length < state.limits.MAX_FILTERS) showFiltersNote(null);
    $("filters").replaceChildren(
      ...state.filters.map((f, i) =>
        renderKernelEditor(f, i, {
          canRemove: state.filters.length > 1,
          maxSide: state.limits.MAX_KERNEL_SIDE,
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
            renderFilters();
            schedule();
          },
        }),
      ),
    );
  }

  $("reset-filters").addEventListener("click", () => {
    resetFilters();
    schedule();
  });

  $("add-kernel").addEventListener("click", () => {
    const name = $("add-kernel-select").value;
    const max = state.limits.MAX_FILTERS;
    if (state.filters.length >= max) {
      showFiltersNote(`At most ${max} filters at once: remove one first.`);
      return;
    }
    if (name === "__custom__") {
      state.filters.push({ name: `custom ${state.nextCustom++}`, rows: 3, cols: 3, cells: new Array(9).fill("0") });
    } else if (name === "random") {
      addRandom();
      return;
    } else if (state.library.has(name)) {
      state.filters.push(filterFromLibrary(name));
    }
    renderFilters();
    const cells = $("filters").querySelectorAll('[data-testid="kernel"]');
    cells[cells.length - 1]?.querySelector("input")?.focus();
    schedule();
  });

  // pycore draws each random filter with the next seed, so two are never the same
  async function addRandom() {
    const seed = state.nextSeed++;
    let result;
    try {
      result = await client.call("kernel", { name: "random", seed });
    } catch (e) {
      if (e.kind !== "Restart") showFiltersNote(e.message);
      return;
    }
    const { meta, arrays } = result;
    state.filters.push({ name: `random ${seed}`, rows: meta.rows, cols: meta.cols, cells: Array.from(arrays[meta.array], (v) => cellText(v)) });
    renderFilters();
    $("filters").querySelector('[data-testid="kernel"]:last-child input')?.focus();
    schedule();
  }

  // --------------------------------------------------------------------------- settings

  function numberOf(id) {
    const text = $(id).value.trim();
    // Send what was typed; pycore validates and names the control if it is impossible.
    return text === "" ? NaN : Number(text);
  }

  /**
   * The panel's current settings.
   * @returns {{params: object, problems: string[], filters: {rows: number, cols: number, values: Float64Array, valid: boolean}[]}}
   *   params: what convolve takes; problems: what must be fixed before it can run (first
   *   the bad kernel cells, then non-numbers); filters: each filter's parsed cells
   */
  function getSettings() {
    const kernels = [];
    const filters = [];
    const problems = [];
    state.filters.forEach((f, i) => {
      const { values, errors: bad } = parseFilter(f);
      for (const { index, reason } of bad) {
        const r = Math.floor(index / f.cols) + 1;
        const c = (index % f.cols) + 1;
        problems.push(`Filter ${i + 1} (${f.name}), row ${r}, column ${c}: ${reason}.`);
      }
      kernels.push({ name: f.name, rows: f.rows, cols: f.cols, values });
      filters.push({ rows: f.rows, cols: f.cols, values, valid: bad.length === 0 });
    });
    const params = {
      channel: $("channel").value,
      kernels,
      stride: numberOf("stride"),
      dilation: numberOf("dilation"),
      padding: $("padding-kind").value === "same" ? "same" : numberOf("padding"),
      padding_mode: $("padding-mode").value,
      activation: $("activation").value,
      negative_slope: numberOf("slope"),
      pool: {
        type: $("pool-type").value,
        kernel_size: numberOf("pool-size"),
        stride: numberOf("pool-stride"),
        padding: numberOf("pool-padding"),
        ceil_mode: $("pool-ceil").checked,
      },
      pre_activation: state.mapView.before,
    };
    for (const [label, v] of [["Stride", params.stride], ["Dilation", params.dilation], ["Padding size", params.padding],
      ["Pooling window", params.pool.kernel_size], ["Pooling stride", params.pool.stride], ["Pooling padding", params.pool.padding]]) {
      if (typeof v === "number" && !Number.isFinite(v)) problems.push(`${label} must be a number.`);
    }
    return { params, problems, filters };
  }

  for (const id of ["channel", "padding-mode", "activation", "pool-type", "pool-ceil", ...NUMBER_CONTROLS]) {
    $(id).addEventListener("input", schedule);
    $(id).addEventListener("change", schedule);
  }
  $("padding-kind").addEventListener("change", () => {
    $("padding").disabled = $("padding-kind").value === "same";
    schedule();
  });
  $("activation").addEventListener("change", () => {
    $("slope-row").hidden = $("activation").value !== "leaky_relu";
  });
  $("pool-size").addEventListener("input", () => {
    // Keep the common non-overlapping default unless the user chose a stride.
    if (!$("pool-stride").dataset.touched) $("pool-stride").value = $("pool-size").value;
    schedule();
  });
  $("pool-stride").addEventListener("input", () => ($("pool-stride").dataset.touched = "1"));

  // --------------------------------------------------------------------------- computing

  // When the latest settings or image could not be computed, the maps on screen belong to
  // earlier ones: say so, rather than let them pass for the current result.
  function markStale(stale) {
    const maps = $("maps");
    maps.dataset.stale = String(stale);
    maps.closest(".card").classList.toggle("stale", stale);
    $("stale-note").hidden = !stale || maps.childElementCount === 0;
    for (const id of ["conv-formula", "pool-formula", "timing"]) $(id).classList.toggle("stale", stale);
  }

  async function recompute() {
    if (!image.get() || !client.ready || !image.inWorker()) return;
    const { params, problems } = getSettings();
    if (problems.length) {
      setError("params", problems[0] + (problems.length > 1 ? ` (${problems.length - 1} more)` : ""));
      markStale(true);
      return;
    }
    python.update(params, { image: true });
    const imageNumber = $("input-image").dataset.image; // the image these maps are of
    let result;
    try {
      result = await client.latest("conv", "convolve", params, { image: true });
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
    $("maps").dataset.image = imageNumber;
  }

  function drawResult(result) {
    const { meta, ms } = result;
    const mode = state.colorMode;
    const box = $("maps");
    box.replaceChildren(...mapCards(result, mode, state.mapView));
    markStale(false);
    box.dataset.renders = String(Number(box.dataset.renders || 0) + 1);
    const overflowed = [...meta.maps, ...meta.pooled].some((m) => m.nonfinite?.any);
    drawLegendFor($("legend"), mode, state.colorModes, overflowed, state.mapView.scale);
    $("timing").textContent = `Computed by pycore in ${ms.toFixed(0)} ms on the ${meta.input.shape[0]}×${meta.input.shape[1]} input. Map sizes are rows × columns, as in the formulas.`;
    $("conv-formula").replaceChildren(...describeGeometry(meta.maps, "Feature map", "kernel"));
    const pooled = meta.pooled.map((p, i) => ({ ...p, kernel: [meta.settings.pool.kernel_size, meta.settings.pool.kernel_size], label: meta.maps[i].label }));
    $("pool-formula").replaceChildren(...(meta.pooled.length ? describeGeometry(pooled, "Pooled map", "window") : []));
  }

  // --------------------------------------------------------------------------- colour modes

  function renderColorModes() {
    const modesBox = $("color-modes");
    modesBox.querySelectorAll("label").forEach((l) => l.remove()); // keep the legend
    for (const m of state.colorModes) {
      const label = document.createElement("label");
      label.className = "inline";
      label.title = m.help;
      const input = document.createElement("input");
      input.type = "radio";
      input.name = "color-mode";
      input.value = m.value;
      input.checked = m.value === state.colorMode;
      input.dataset.testid = `color-${m.value}`;
      input.addEventListener("change", () => {
        state.colorMode = m.value;
        if (state.lastResult) drawResult(state.lastResult);
      });
      label.append(input, ` ${m.label}`);
      modesBox.append(label);
    }
  }

  // the map view's controls: a new scale redraws, the maps before the activation recompute
  $("color-modes").closest(".maps-head").after(mapViewControls(state.mapView, (key, value) => {
    state.mapView[key] = value;
    if (key === "before") schedule();
    else if (state.lastResult) drawResult(state.lastResult);
  }));

  // --------------------------------------------------------------------------- the image

  const inputCanvas = $("input-image");
  image.onChange((img) => {
    drawRGBA(inputCanvas, img.rgba, img.width, img.height);
    inputCanvas.dataset.image = String(Number(inputCanvas.dataset.image || 0) + 1);
    inputCanvas.dataset.decoder = img.decoder;
    // Small images are shown enlarged (crisp pixels) so a 30-pixel test image is visible.
    const zoom = Math.max(1, Math.min(8, Math.floor(320 / Math.max(img.width, img.height))));
    inputCanvas.style.width = zoom > 1 ? `${img.width * zoom}px` : "";
    inputCanvas.classList.toggle("pixelated", zoom > 1);
    const scaled = img.width !== img.sourceWidth ? ` (scaled from ${img.sourceWidth}×${img.sourceHeight})` : "";
    const pillow = img.decoder === "pillow" ? ` Read by Pillow (${img.decoderReason}).` : "";
    $("image-caption").textContent = `${img.name}: ${img.width}×${img.height} pixels (width × height)${scaled}; as an array ${img.height} rows × ${img.width} columns.${pillow}`;
  });
  image.onSending(() => markStale(true)); // until the new image's maps are drawn
  image.onSent(schedule);
  ctx.onWorkerLost?.(() => markStale(true)); // until the new worker has drawn them again

  const maxSide = $("max-side");
  image.setMaxSide(Number(maxSide.value));
  maxSide.addEventListener("change", () => image.setMaxSide(Number(maxSide.value)));
  const loadFile = (file) => image.load(file);
  $("upload").accept = FILE_ACCEPT; // TGA, SGI, PNM and TIFF too (Pillow reads them)
  wireFileInput($("upload"), loadFile);
  wireDropZone($("dropzone").closest(".card"), loadFile);
  wirePaste(loadFile);
  $("sample").addEventListener("click", () => image.loadSample());

  drawLegendFor($("legend"), "gray", state.colorModes); // the help text comes with the options
  try {
    wireReceptiveHover({ client, getImage: image.get, getSettings, maps: $("maps"), input: inputCanvas });
  } catch (e) {
    console.error("receptive field on the convolution panel", e);
  }

  return { start, getSettings };
}
