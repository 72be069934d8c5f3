// The "Convolution & pooling" tab: the image card, the filters, how they slide, the
// activation and the pooling, and the feature maps pycore's convolve computes for them.
// Its markup is in index.html (section#convolution); this wires it, and start(options) fills
// its option lists and limits from pycore's `options`. The panel's state is the one object
// `state`; its settings are read only through getSettings().
import { el, tid } from "../ui/dom.js";
import { drawRGBA } from "../ui/canvas.js";
import { cellText } from "../ui/cells.js";
import { choices } from "../ui/choices.js";
import { fillSelect } from "../ui/fields.js";
import { FILE_ACCEPT, wireFileInput, wireDropZone, wirePaste } from "../ui/image-input.js";
import { coalesce } from "../ui/schedule.js";
import { parseFilter, renderKernelEditor, resizeCells } from "./kernel-editor.js";
import { describeGeometry } from "./geometry.js";
import { mapCards, drawLegendFor, mapViewControls, syncMapViewControls, MAP_VIEW_DEFAULTS } from "./maps.js";
import { wireReceptiveHover } from "./receptive-hover.js";
import { mountPythonPanel } from "../ui/python-panel.js";
import { showFieldError, clearFieldErrors } from "../ui/field-errors.js";
import { summaryOf } from "./geometry.js";
import { TAB_ID, encodeSettings, decodeSettings, queryOf } from "./url-state.js";

// The notebook's setup: edge, sharpen and blur, in that order.
const DEFAULT_FILTERS = ["edge", "sharpen", "blur"];
// The controls' first values (their option lists come from pycore).
const DEFAULTS = { channel: "gray", "padding-mode": "zeros", activation: "relu", "pool-type": "max" };
const NUMBER_CONTROLS = ["stride", "dilation", "padding", "slope", "pool-size", "pool-stride", "pool-padding"];
// A settings key (pycore's `error.field`, the names convolve takes) -> the control it is
// typed into and the name the learner sees on it. "kernels.N" is filter N's editor.
const FIELDS = {
  channel: ["channel", "Channel"], stride: ["stride", "Stride"], dilation: ["dilation", "Dilation"],
  padding: ["padding", "Padding size"], padding_mode: ["padding-mode", "Padding mode"],
  activation: ["activation", "Activation"], negative_slope: ["slope", "Slope below zero"],
  pool: ["pool-type", "Pooling type"], "pool.type": ["pool-type", "Pooling type"],
  "pool.kernel_size": ["pool-size", "Pooling window"], "pool.stride": ["pool-stride", "Pooling stride"],
  "pool.padding": ["pool-padding", "Pooling padding"], "pool.ceil_mode": ["pool-ceil", "Ceil mode"],
  // a pooling problem pycore ties to no one control: beside the pooling group
  "pool.group": ["pool-controls", "the pooling settings"],
};
// Text typed by the learner, quoted short in a message (1e308, not 309 digits).
const shortText = (text) => `"${text.length > 16 ? `${text.slice(0, 12)}…` : text}"`;
// The number boxes as getSettings reads them: control id -> its field
const NUMBER_FIELDS = { stride: "stride", dilation: "dilation", padding: "padding", slope: "negative_slope",
  "pool-size": "pool.kernel_size", "pool-stride": "pool.stride", "pool-padding": "pool.padding" };
// The controls as the address holds them: setting name -> control id (url-state.js)
const URL_CONTROLS = { channel: "channel", stride: "stride", dilation: "dilation", paddingMode: "padding-mode",
  activation: "activation", slope: "slope", poolType: "pool-type", poolSize: "pool-size", poolStride: "pool-stride",
  poolPadding: "pool-padding" };

/**
 * @param {HTMLElement} panel  section#convolution
 * @param {{client, setError: Function, image: object}} ctx  the shell's client, banner and
 *   current image (shell/image.js)
 * @returns {{start: (options: object) => Promise<void>, getSettings: Function}}
 */
export function mountConvolution(panel, ctx) {
  const { client, image } = ctx;
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
    const first = !state.limits;
    if (first) applyOptions(options); // once: a worker restart keeps the user's choices
    await loadLibrary(options.kernels);
    if (first) {
      urlReady = true;
      defaults = structuredClone(readControls()); // the page's own setup, before any link
      const query = queryOf(location.hash);
      if (query !== null) applyLink(query);
      writeURL();
    }
  }

  function applyOptions(options) {
    for (const [id, list] of [["channel", options.channels], ["activation", options.activations], ["pool-type", options.pool_types]]) {
      fillSelect($(id), choices(list), DEFAULTS[id]);
    }
    // The mode's name in the box (its long label did not fit); the label under it, as the hint.
    fillSelect($("padding-mode"), choices(options.padding_modes, { label: (e) => e.value }), DEFAULTS["padding-mode"]);
    for (const o of $("padding-mode").options) o.title = options.padding_modes.find((m) => m.value === o.value).label;
    const L = options.limits.convolution;
    state.limits = L;
    for (const [id, max] of [["stride", L.MAX_STRIDE], ["dilation", L.MAX_DILATION], ["padding", L.MAX_PADDING],
      ["pool-size", L.MAX_POOL], ["pool-stride", L.MAX_POOL], ["pool-padding", L.MAX_POOL_PADDING]]) {
      $(id).max = String(max);
    }
    state.colorModes = options.color_modes;
    renderColorModes();
    drawLegendFor($("legend"), state.colorMode, state.colorModes);
    syncControls();
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
      const opt = new Option(`${label} ${k.rows}×${k.cols}`, name);
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
    linkProblems.delete("kernels");
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
   * @returns {{params: object, problems: {field: string, message: string}[], filters: {rows: number, cols: number, values: Float64Array, valid: boolean}[]}}
   *   params: what convolve takes; problems: what must be fixed before it can run (the bad
   *   kernel cells, one per filter, then the number boxes that hold no number), each with
   *   the settings key of its control; filters: each filter's parsed cells
   */
  function getSettings() {
    const kernels = [];
    const filters = [];
    const problems = [];
    state.filters.forEach((f, i) => {
      const { values, errors: bad } = parseFilter(f);
      if (bad.length) {
        const where = bad.map(({ index, reason }) => `row ${Math.floor(index / f.cols) + 1}, column ${(index % f.cols) + 1} ${reason}`);
        const more = where.length > 2 ? ` (and ${where.length - 2} more cells)` : "";
        problems.push({ field: `kernels.${i}`, message: `Filter ${i + 1} (${f.name}): ${where.slice(0, 2).join("; ")}${more}.` });
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
    for (const [id, field] of Object.entries(NUMBER_FIELDS)) {
      if (id === "padding" && params.padding === "same") continue;
      if (id === "slope" && params.activation !== "leaky_relu") continue;
      if (Number.isFinite(numberOf(id))) continue;
      const text = $(id).value.trim();
      const label = FIELDS[field][1];
      problems.push({ field, message: text === "" ? `${label} is empty: type a number.` : `${label} must be a number, not ${shortText(text)}.` });
    }
    return { params, problems, filters };
  }

  for (const id of ["channel", "padding-mode", "activation", "pool-type", "pool-ceil", "padding-kind", ...NUMBER_CONTROLS]) {
    const edited = () => {
      for (const [field, [control]] of Object.entries(FIELDS)) if (control === id) linkProblems.delete(field);
      schedule();
    };
    $(id).addEventListener("input", edited);
    $(id).addEventListener("change", edited);
  }
  // What the controls' state implies for the others (also after a link set them).
  function syncControls() {
    $("padding").disabled = $("padding-kind").value === "same";
    $("slope-row").hidden = $("activation").value !== "leaky_relu";
    const mode = $("padding-mode").selectedOptions[0];
    $("padding-mode-hint").textContent = `What the added border pixels contain${mode ? `: ${mode.title || mode.textContent}` : ""}.`;
  }
  for (const id of ["padding-kind", "activation", "padding-mode"]) $(id).addEventListener("change", syncControls);
  $("pool-size").addEventListener("input", () => {
    // Keep the common non-overlapping default unless the user chose a stride.
    if (!$("pool-stride").dataset.touched) $("pool-stride").value = $("pool-size").value;
    schedule();
  });
  $("pool-stride").addEventListener("input", () => ($("pool-stride").dataset.touched = "1"));

  // --------------------------------------------------------------------------- computing

  // When the latest settings or image could not be computed, the maps on screen belong to
  // earlier ones: say so, and name the setting to fix, rather than let them pass for the
  // current result. `cause`: the label of the control whose message says why (or null).
  function markStale(stale, cause = null) {
    const maps = $("maps");
    maps.dataset.stale = String(stale);
    maps.closest(".card").classList.toggle("stale", stale);
    $("stale-note").hidden = !stale || maps.childElementCount === 0;
    $("stale-note").textContent = `Not updated: these maps are from the last settings that could be computed.${cause ? ` Fix ${cause} (marked in red) to update them.` : ""}`;
    for (const id of ["conv-formula", "pool-formula", "timing"]) $(id).classList.toggle("stale", stale);
  }

  // ------------------------------------------------------------------------- messages

  // Problems a link's settings had, shown beside their controls until that control is
  // changed (the control keeps the page's value meanwhile): field -> message.
  const linkProblems = new Map();

  /** The control a settings key belongs to, with where its message goes and its name. */
  function controlFor(field) {
    const kernel = /^kernels\.(\d+)/.exec(field || "");
    if (kernel) {
      const box = $("filters").querySelectorAll('[data-testid="kernel"]')[Number(kernel[1])];
      if (box) return { control: box, anchor: box.querySelector(".kernel-grid"), label: `filter ${Number(kernel[1]) + 1}` };
    }
    if (field === "kernels" || kernel) return { control: $("filters"), anchor: $("add-kernel").closest(".add-filter"), label: "the filters" };
    if (field === "padding" && $("padding-kind").value === "same") return { control: $("padding-kind"), label: "Padding" };
    const known = FIELDS[field];
    if (!known) return null;
    return { control: $(known[0]), label: known[1] };
  }

  /**
   * Show each problem beside its control (one message per control, the first), any without
   * a known control at the top of the Feature maps card; clear every other message.
   * @param {{field: string|null, message: string}[]} problems
   * @returns {string|null}  the name of the first control marked, for the stale note
   */
  function showProblems(problems) {
    clearFieldErrors(panel);
    const loose = [];
    let first = null;
    const shown = new Set();
    for (const p of [...problems, ...[...linkProblems].map(([field, message]) => ({ field, message }))]) {
      const target = controlFor(p.field);
      if (!target) {
        loose.push(p.message);
        continue;
      }
      if (shown.has(target.control)) continue;
      shown.add(target.control);
      const box = showFieldError(target.control, p.message, target.anchor ? { anchor: target.anchor } : {});
      if (target.control.contains(document.activeElement)) strip.keepClear(box); // the message of what is being typed in
      first ??= target.label;
    }
    const box = $("maps-error");
    box.textContent = loose.join(" ");
    box.hidden = loose.length === 0;
    return first;
  }

  /** A pooling problem of a result: next to the pooling controls (pycore's field, or the pooling group). */
  function poolProblems(meta) {
    const e = meta.pool_error;
    if (!e) return [];
    const message = typeof e === "string" ? e : e.message;
    const field = typeof e === "string" ? meta.pool_field ?? null : e.field;
    return [{ field: FIELDS[field] ? field : "pool.group", message }];
  }

  // ------------------------------------------------------------------------- computing

  // Each recompute's number: a result that comes back after newer settings were found
  // not to compute (no newer call reached the worker to overtake it) is dropped.
  let recomputes = 0;

  async function recompute() {
    writeURL(); // the address holds the settings even when they cannot be computed
    if (!image.get() || !client.ready || !image.inWorker()) return;
    const ticket = ++recomputes;
    const { params, problems } = getSettings();
    if (problems.length) {
      markStale(true, showProblems(problems));
      return;
    }
    python.update(params, { image: true });
    const imageNumber = $("input-image").dataset.image; // the image these maps are of
    let result;
    try {
      result = await client.latest("conv", "convolve", params, { image: true });
    } catch (e) {
      if (e.kind === "Restart" || ticket !== recomputes) return;
      markStale(true, showProblems([{ field: e.field ?? null, message: e.message }]));
      return;
    }
    if (result.stale || ticket !== recomputes) return;
    showProblems(poolProblems(result.meta));
    state.lastResult = result;
    drawResult(result);
    $("maps").dataset.image = imageNumber;
    announce(summaryOf(result.meta));
  }

  // One short sentence per settled result for screen readers (the formulas and maps are
  // readable on the page but not announced: they ran to ~740 characters an edit).
  function announce(text) {
    const live = $("conv-summary");
    if (live.textContent === text) live.textContent = ""; // the same text again is still news
    live.textContent = text;
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
    strip.update();
    writeURL();
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
  const mapViewBox = mapViewControls(state.mapView, (key, value) => {
    state.mapView[key] = value;
    if (key === "before") schedule();
    else if (state.lastResult) drawResult(state.lastResult);
  });
  $("color-modes").after(mapViewBox);

  // --------------------------------------------------------------------------- the image

  const inputCanvas = $("input-image");
  image.onChange((img) => { // live: each camera frame too
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
  }, { live: true });
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

  // --------------------------------------------------------------------------- the address

  let urlReady = false; // the options and library are in, and the arrival's link applied
  let settledHash = null; // the address as this tab last left it
  let defaults = null; // readControls() of the page's own setup: a link names what differs
  const visible = () => !panel.hidden;

  /** The controls as the address holds them (text as typed; url-state.js). */
  function readControls() {
    const out = { filters: state.filters, view: state.mapView, colors: state.colorMode,
      padding: $("padding-kind").value === "same" ? "same" : $("padding").value, poolCeil: $("pool-ceil").checked };
    for (const [key, id] of Object.entries(URL_CONTROLS)) out[key] = $(id).value;
    return out;
  }

  /** A link's settings onto the controls; what does not read is kept and said beside its control. */
  function applyLink(query) {
    const decoded = decodeSettings(query, { maxSide: state.limits.MAX_KERNEL_SIDE, maxFilters: state.limits.MAX_FILTERS, view: state.mapView });
    const { problems } = decoded;
    // what the link does not name is the default
    const settings = { ...structuredClone(defaults), ...decoded.settings, view: { ...defaults.view, ...decoded.settings.view } };
    linkProblems.clear();
    if (settings.filters) {
      state.filters = settings.filters;
      state.nextCustom = 1 + state.filters.filter((f) => /^custom \d+$/.test(f.name)).length;
    }
    renderFilters(); // before the link's kernel problems are noted (a render clears them)
    for (const p of problems) linkProblems.set(p.field, p.message);
    const setSelect = (id, field, value) => {
      const select = $(id);
      if ([...select.options].some((o) => o.value === value)) select.value = value;
      else linkProblems.set(field, `The link's ${FIELDS[field][1].toLowerCase()} ${shortText(value)} is not one of the choices; ${select.selectedOptions[0]?.textContent ?? "the first"} is used.`);
    };
    for (const [key, id] of Object.entries(URL_CONTROLS)) {
      if (settings[key] === undefined) continue;
      if ($(id).tagName === "SELECT") setSelect(id, Object.keys(FIELDS).find((f) => FIELDS[f][0] === id), settings[key]);
      else $(id).value = settings[key];
    }
    if (settings.padding !== undefined) {
      $("padding-kind").value = settings.padding === "same" ? "same" : "number";
      if (settings.padding !== "same") $("padding").value = settings.padding;
    }
    if (settings.poolCeil !== undefined) $("pool-ceil").checked = settings.poolCeil;
    if (decoded.settings.poolStride !== undefined) $("pool-stride").dataset.touched = "1"; // the link's stride, not the window's
    else delete $("pool-stride").dataset.touched;
    if (settings.colors !== undefined) {
      if (state.colorModes.some((m) => m.value === settings.colors)) state.colorMode = settings.colors;
      renderColorModes();
    }
    Object.assign(state.mapView, settings.view);
    syncMapViewControls(mapViewBox, state.mapView);
    syncControls();
    showProblems([]);
  }

  function writeURL() {
    if (!urlReady || !visible()) return;
    if (!["", TAB_ID].includes(location.hash.replace(/^#/, "").split("?")[0])) return; // another tab's link, arriving
    const hash = encodeSettings(readControls(), defaults);
    // the tutorial's setup on a bare address (the page's first load) leaves it bare
    if (location.hash !== hash && !(hash === `#${TAB_ID}` && location.hash === "")) history.replaceState(null, "", hash);
    settledHash = location.hash;
  }

  // A link pasted into the address bar, or reached by back and forward, is applied; a bare
  // #convolution (a tab click) gets the settings' link.
  function followURL() {
    if (!urlReady || !visible() || location.hash === settledHash) return;
    // a link to another tab (this panel is still shown as it arrives): that tab's business
    if (location.hash.replace(/^#/, "").split("?")[0] !== TAB_ID) return;
    const query = queryOf(location.hash);
    if (query === null) writeURL();
    else {
      applyLink(query);
      settledHash = location.hash;
      schedule();
    }
  }
  window.addEventListener("hashchange", followURL);
  window.addEventListener("popstate", followURL);
  new MutationObserver(followURL).observe(panel, { attributes: true, attributeFilter: ["hidden"] });

  // Copy link: the clipboard where the page may write to it, else the link selected in a
  // box for the learner to copy.
  $("copy-link").addEventListener("click", async () => {
    writeURL();
    const link = location.href;
    const note = $("copy-note");
    const box = $("share-text");
    try {
      await navigator.clipboard.writeText(link);
      box.hidden = true;
      note.textContent = "Copied";
    } catch {
      box.value = link;
      box.hidden = false;
      box.focus();
      box.select();
      note.textContent = "Select and copy the link below";
    }
    clearTimeout(note.timer);
    note.timer = setTimeout(() => (note.textContent = ""), 4000);
  });

  // --------------------------------------------------------------------------- the maps preview

  // On a narrow screen the controls sit below the maps: while the maps card is scrolled out
  // of view, a strip of small copies of the maps stays at the bottom of the viewport, so an
  // edit's effect is seen where it is made. It only duplicates the maps (aria-hidden), and
  // the page's scroll padding keeps a focused control above it.
  const strip = (() => {
    const box = $("map-strip");
    const narrow = matchMedia("(max-width: 760px)");
    let mapsInView = true;
    function sync() {
      const show = narrow.matches && !mapsInView && visible() && box.childElementCount > 0;
      box.hidden = !show;
      document.documentElement.style.scrollPaddingBottom = show ? `${box.offsetHeight + 8}px` : "";
      panel.style.paddingBottom = show ? `${box.offsetHeight}px` : "";
    }
    function update() {
      const thumbs = [...$("maps").querySelectorAll('canvas[data-testid="fmap"]')].map((src) => {
        const c = el("canvas", { class: "strip-map" });
        const scale = Math.min(1, 56 / src.height);
        c.width = Math.max(1, Math.round(src.width * scale));
        c.height = Math.max(1, Math.round(src.height * scale));
        const g = c.getContext("2d");
        g.imageSmoothingEnabled = scale < 1;
        g.drawImage(src, 0, 0, c.width, c.height);
        return el("figure", {}, c, el("figcaption", {}, src.dataset.label));
      });
      box.replaceChildren(...thumbs);
      sync();
    }
    new IntersectionObserver((entries) => {
      mapsInView = entries.some((e) => e.isIntersecting);
      sync();
    }).observe($("maps"));
    narrow.addEventListener("change", sync);
    new MutationObserver(sync).observe(panel, { attributes: true, attributeFilter: ["hidden"] });
    /** Scroll `element` clear of the strip if the strip covers it. */
    function keepClear(element) {
      if (box.hidden) return;
      const over = element.getBoundingClientRect().bottom - box.getBoundingClientRect().top + 8;
      if (over > 0) window.scrollBy(0, over);
    }
    // a control focused under the strip (Tab from the one above) is scrolled clear of it
    panel.addEventListener("focusin", (e) => keepClear(e.target));
    return { update, keepClear };
  })();

  // --------------------------------------------------------------------------- arrival

  // The sample photo is loaded on arrival, so the maps are there without a click, unless
  // the address says otherwise (`?image=none`, in the query or this tab's hash). Asked for
  // before Python is up, the image store reads it as soon as it is.
  const arrivalQuery = new URLSearchParams(location.search);
  // (window.__cnnNoSample is the end-to-end tests' hook: they load their own images)
  const noImage = arrivalQuery.get("image") === "none" || globalThis.__cnnNoSample === true
    || decodeSettings(queryOf(location.hash) ?? "", { maxSide: 0, maxFilters: 0 }).image === "none";
  // Only when the page opens on this tab: a link to another tab opens as it always has.
  const arrivingHere = ["", TAB_ID].includes(location.hash.replace(/^#/, "").split("?")[0]);
  if (!noImage && arrivingHere) image.loadSample();

  return { start, getSettings };
}
