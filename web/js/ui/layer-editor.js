// The layer stack editor: one card per layer with its settings, move/remove buttons that
// work from the keyboard, and the output shape (or the reason the stack breaks there),
// filled in from pycore's trace.
import { el, prefixTestids } from "./dom.js";
import { fmtInt } from "./format.js";
import { clearFieldErrors, showFieldError } from "./field-errors.js";

export const TYPE_LABELS = {
  conv2d: "Conv2d",
  maxpool: "MaxPool",
  avgpool: "AvgPool",
  flatten: "Flatten",
  dense: "Dense",
  softmax: "Softmax",
};

export const TYPE_HELP = {
  conv2d: "Slides filters over all input channels; each filter makes one feature map.",
  maxpool: "Keeps the largest value of each window, channel by channel.",
  avgpool: "Keeps the mean of each window, channel by channel.",
  flatten: "Lays every value of the maps out in one row, so dense layers can use them.",
  dense: "Every output (unit) is a weighted sum of all inputs plus a bias.",
  softmax: "Turns scores into probabilities that add up to 1.",
};

const ACT_LABELS = {
  none: "none",
  relu: "ReLU",
  leaky_relu: "leaky ReLU",
  sigmoid: "sigmoid",
  tanh: "tanh",
};

/** "3" -> 3, "3,5" / "3x5" / "3×5" / "[3,5]" / "(3, 5)" -> [3, 5], "" -> null; anything else is sent as typed so pycore names it. */
export function parsePair(text) {
  const t = String(text).trim().replace(/^\[\s*(.*?)\s*\]$|^\(\s*(.*?)\s*\)$/, "$1$2");
  if (t === "") return null;
  const m = t.match(/^(\d+)\s*(?:[,xX×]\s*(\d+))?$/);
  if (!m) return t;
  return m[2] !== undefined ? [Number(m[1]), Number(m[2])] : Number(m[1]);
}

export function pairText(v) {
  if (v === null || v === undefined) return "";
  return Array.isArray(v) ? v.join(",") : String(v);
}

function parseWhole(text) {
  const t = String(text).trim();
  if (t === "") return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

const layerIds = new WeakMap();
let nextId = 1;
export function layerId(layer) {
  if (!layerIds.has(layer)) layerIds.set(layer, `L${nextId++}`);
  return layerIds.get(layer);
}

/**
 * Draw the stack.
 * @param {HTMLOListElement} list
 * @param {object} state     the builder state (state.spec is edited in place)
 * @param {object} opts      {activations, onEdit(), onMove(i, delta), onRemove(i), focus: {id, part},
 *                           testidPrefix: put before every data-testid (another tab's editor)}
 */
export function renderStack(list, state, opts) {
  const n = state.spec.length;
  list.replaceChildren(
    ...state.spec.map((layer, i) => prefixTestids(layerCard(layer, i, n, opts), opts.testidPrefix)),
  );
  if (opts.focus) {
    const card = list.querySelector(`[data-layer-id="${opts.focus.id}"]`);
    let target = card?.querySelector(`[data-part="${opts.focus.part}"]`);
    if (target?.disabled) target = card.querySelector(`[data-part="${opts.focus.part === "up" ? "down" : "up"}"]`);
    if (target?.disabled) target = card.querySelector(`[data-part="remove"]`);
    target?.focus();
  }
}

function layerCard(layer, i, n, opts) {
  const id = layerId(layer);
  const type = layer.type;
  const label = TYPE_LABELS[type] || String(type);
  const li = el("li", { className: "b-layer", dataset: { testid: "layer-card", index: String(i), layerId: id, type } });
  const num = el("span", { className: "b-num", "aria-hidden": "true" }, String(i + 1));
  const name = el("strong", { className: "b-name", dataset: { testid: "layer-name" } }, label);
  const kind = el("span", { className: "b-kind muted" }, "");
  const shape = el("span", { className: "b-shape", dataset: { testid: "layer-shape" }, "aria-live": "off" }, "");
  const up = el("button", { type: "button", className: "icon", dataset: { part: "up", testid: "layer-up" }, "aria-label": `Move layer ${i + 1} (${label}) up`, title: "Move up", disabled: i === 0 }, "↑");
  const down = el("button", { type: "button", className: "icon", dataset: { part: "down", testid: "layer-down" }, "aria-label": `Move layer ${i + 1} (${label}) down`, title: "Move down", disabled: i === n - 1 }, "↓");
  const remove = el("button", { type: "button", className: "icon b-remove", dataset: { part: "remove", testid: "layer-remove" }, "aria-label": `Remove layer ${i + 1} (${label})`, title: "Remove" }, "✕");
  up.addEventListener("click", () => opts.onMove(i, -1));
  down.addEventListener("click", () => opts.onMove(i, +1));
  remove.addEventListener("click", () => opts.onRemove(i));
  const head = el("div", { className: "b-layer-head" },
    num, el("span", { className: "b-title" }, name, " ", kind),
    el("span", { className: "b-tools" }, up, down, remove));
  li.append(head);

  const fields = layerFields(layer, i, label, opts);
  if (fields.length) li.append(el("div", { className: "b-fields" }, ...fields));
  else li.append(el("p", { className: "hint b-nofields" }, TYPE_HELP[type] || ""));
  li.append(el("p", { className: "b-out" }, shape));
  li.append(el("p", { className: "b-error", dataset: { testid: "layer-error" }, hidden: true }));
  const why = el("details", { className: "b-why", hidden: true },
    el("summary", {}, "How is this worked out?"),
    el("ul", { dataset: { testid: "layer-explain" } }));
  li.append(why);
  return li;
}

function field(labelText, control, help) {
  // The help is the control's description for screen readers and a tooltip; the
  // "What do the settings mean?" list explains every setting on the page.
  if (help) control.title = help;
  return el("label", { className: "b-field" }, el("span", {}, labelText), control);
}

function textInput(layer, key, i, label, placeholder = "") {
  const input = el("input", {
    type: "text", inputmode: "numeric", autocomplete: "off", spellcheck: "false",
    value: pairText(layer[key]), placeholder,
    dataset: { testid: `field-${key}`, key },
    "aria-label": `Layer ${i + 1} (${label}) ${key.replace("_", " ")}`,
  });
  // Arrow keys step whole numbers, as a number field would.
  input.addEventListener("keydown", (e) => {
    if (e.key !== "ArrowUp" && e.key !== "ArrowDown") return;
    const v = parsePair(input.value);
    if (typeof v !== "number") return;
    e.preventDefault();
    const min = key === "padding" ? 0 : 1;
    input.value = String(Math.max(min, v + (e.key === "ArrowUp" ? 1 : -1)));
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
  return input;
}

function layerFields(layer, i, label, opts) {
  const type = layer.type;
  const out = [];
  const edit = (key, value) => {
    layer[key] = value;
    opts.onEdit();
  };
  const aria = (what) => `Layer ${i + 1} (${label}) ${what}`;
  const number = (key, help, labelText) => {
    const input = el("input", { type: "number", min: "1", step: "1", value: layer[key] ?? "", dataset: { testid: `field-${key}`, key }, "aria-label": aria(labelText.toLowerCase()) });
    input.addEventListener("input", () => edit(key, parseWhole(input.value)));
    out.push(field(labelText, input, help));
  };
  const pair = (key, labelText, help, placeholder) => {
    const input = textInput(layer, key, i, label, placeholder);
    input.setAttribute("aria-label", aria(labelText.toLowerCase()));
    input.addEventListener("input", () => edit(key, parsePair(input.value)));
    out.push(field(labelText, input, help));
  };
  const activation = () => {
    const select = el("select", { dataset: { testid: "field-activation", key: "activation" }, "aria-label": aria("activation") },
      ...opts.activations.map((a) => el("option", { value: a, selected: a === layer.activation }, ACT_LABELS[a] || a)));
    select.addEventListener("change", () => edit("activation", select.value));
    out.push(field("Activation", select));
  };
  if (type === "conv2d") {
    number("filters", "one feature map per filter", "Filters");
    pair("kernel_size", "Kernel", "k, or h,w");
    pair("stride", "Stride", "step between positions");
    // padding: "same", "valid" or a number of pixels
    const kind = typeof layer.padding === "string" ? layer.padding : "number";
    const select = el("select", { dataset: { testid: "field-padding-kind", key: "padding" }, "aria-label": aria("padding kind") },
      el("option", { value: "same", selected: kind === "same" }, "same"),
      el("option", { value: "valid", selected: kind === "valid" }, "valid"),
      el("option", { value: "number", selected: kind === "number" }, "pixels"));
    const px = textInput(layer, "padding", i, label);
    px.setAttribute("aria-label", aria("padding in pixels"));
    px.value = kind === "number" ? pairText(layer.padding) : "";
    px.hidden = kind !== "number";
    select.addEventListener("change", () => {
      px.hidden = select.value !== "number";
      if (select.value === "number") {
        if (px.value === "") px.value = "0";
        edit("padding", parsePair(px.value));
      } else edit("padding", select.value);
    });
    px.addEventListener("input", () => edit("padding", parsePair(px.value)));
    select.title = "same: pad so the output keeps the input's size (stride 1); valid: no padding; pixels: that many zeros on each side";
    out.push(el("div", { className: "b-field" }, el("span", {}, "Padding"), el("span", { className: "b-pad" }, select, px)));
    pair("dilation", "Dilation", "gap between taps");
    activation();
  } else if (type === "maxpool" || type === "avgpool") {
    pair("kernel_size", "Window", "k, or h,w");
    pair("stride", "Stride", "empty: the window", "= window");
    const check = el("input", { type: "checkbox", checked: !!layer.ceil_mode, dataset: { testid: "field-ceil_mode", key: "ceil_mode" } });
    check.addEventListener("change", () => edit("ceil_mode", check.checked));
    check.title = "keep a partial window at the edge instead of dropping it";
    out.push(el("label", { className: "b-field b-check" }, check, el("span", {}, "Ceil mode")));
  } else if (type === "dense") {
    number("units", "outputs of this layer", "Units");
    activation();
  }
  return out;
}

/**
 * The control of a card that a trace problem's `key` names (the visible one: padding has a
 * kind menu and a size box), or null when the problem is the layer's, not one setting's.
 */
function controlOf(card, key) {
  if (!key) return null;
  const controls = [...card.querySelectorAll(".b-fields [data-key]")].filter((c) => c.dataset.key === key && !c.hidden);
  return controls[controls.length - 1] || null;
}

/** Write a trace's shapes, errors and working into the cards drawn by renderStack. A bad
 * setting's reason goes under its own box (ui/field-errors.js); a layer that does not fit
 * its input says so at the card's foot. */
export function updateStack(list, trace) {
  const rows = trace ? trace.rows.slice(1) : [];
  list.querySelectorAll(":scope > li.b-layer").forEach((card, i) => {
    const row = rows[i];
    const shapeEl = card.querySelector(".b-shape");
    const errEl = card.querySelector(".b-error");
    const kind = card.querySelector(".b-kind");
    const why = card.querySelector(".b-why");
    card.classList.remove("bad", "after-bad");
    card.removeAttribute("aria-invalid");
    clearFieldErrors(card);
    errEl.hidden = true;
    why.hidden = true;
    if (!row) {
      shapeEl.textContent = "";
      return;
    }
    kind.textContent = row.name && row.name !== row.type ? row.name : "";
    if (row.error && row.index === trace.error_index) {
      card.classList.add("bad");
      card.setAttribute("aria-invalid", "true");
      const reason = row.reason || row.error;
      const control = controlOf(card, row.problem?.key);
      if (control) {
        shapeEl.textContent = "✕ the stack breaks here, at the setting marked above";
        showFieldError(control, reason);
      } else {
        shapeEl.textContent = "✕ the stack breaks here:";
        errEl.hidden = false;
        errEl.textContent = reason;
      }
    } else if (row.error) {
      card.classList.add("after-bad");
      shapeEl.textContent = "not computed: a layer above breaks the stack";
    } else {
      shapeEl.textContent = `→ output ${row.output_shape.join("×")}${row.params ? ` · ${fmtInt(row.params)} parameters` : ""}`;
      const ex = row.explain;
      if (ex) {
        why.hidden = false;
        const items = [["Shape", ex.shape], ["Parameters", ex.params], ["Multiply-adds", ex.macs]].filter(([, t]) => t);
        why.querySelector("ul").replaceChildren(...items.map(([k, t]) => el("li", {}, el("strong", {}, `${k}: `), t)));
      }
    }
  });
}

/** The "What do the settings mean?" list for the layer cards' settings. */
export function layerSettingsHelp() {
  const item = (term, text) => [el("dt", {}, term), el("dd", {}, text)];
  return el("details", { className: "b-glossary" }, el("summary", {}, "What do the settings mean?"),
    el("dl", {},
      item("Filters", "How many filters a conv layer has; each one makes one feature map, so this is the number of output channels."),
      item("Kernel / window", "The size of the filter or pooling window: 3 means 3×3; 3,5 means 3 rows by 5 columns. A conv filter also spans every input channel."),
      item("Stride", "How many pixels the filter or window moves between positions; 2 roughly halves the size. A pool's stride left empty equals its window (no overlap)."),
      item("Padding", "Zeros added around the border first. \"same\" adds just enough for the output to keep the input's size (needs stride 1); \"valid\" adds none."),
      item("Dilation", "Gaps between the filter's taps: a 3×3 filter with dilation 2 covers 5×5 pixels with 9 weights."),
      item("Activation", "A function applied to every output value: ReLU keeps positives and turns negatives to 0."),
      item("Ceil mode", "Keep a last, partial pooling window at the edge instead of dropping the leftover rows and columns."),
      item("Units", "The outputs of a dense layer; each is a weighted sum of all its inputs plus a bias.")));
}

/**
 * The whole layer editor: the stack of cards, a status line, and a row to add a layer or
 * remove them all. Every change edits the spec in place and calls `onChange`.
 * @param {{types: object, activations: string[], getSpec: () => object[], onChange: () => void,
 *          newLayer: (type: string) => object, idPrefix?: string, testidPrefix?: string}} o
 *   types: network_presets' layer types (their keys order the "New" list); getSpec: the
 *   spec being edited (a list the editor changes in place); newLayer: a layer of a type with
 *   its defaults; idPrefix keeps element ids apart when two editors are on the page, and
 *   testidPrefix their data-testid hooks.
 * @returns {{list, status, addRow, render(focus?), update(trace)}}
 */
export function layerStackEditor(o) {
  const prefix = o.idPrefix || "b";
  const list = el("ol", { className: "b-stack", dataset: { testid: "layer-stack" }, "aria-label": "Layers, input first" });
  const addType = el("select", { id: `${prefix}-add-type`, dataset: { testid: "add-layer-type" } });
  const addBtn = el("button", { type: "button", dataset: { testid: "add-layer" } }, "Add layer");
  const clearBtn = el("button", { type: "button", className: "secondary", dataset: { testid: "clear-layers" } }, "Remove all");
  const addHelp = el("small", { className: "b-add-help" });
  const status = el("p", { className: "b-stack-status", role: "status", dataset: { testid: "stack-status" } });
  const addRow = el("div", { className: "b-add" },
    el("label", { htmlFor: `${prefix}-add-type`, className: "inline" }, "New", addType),
    addBtn, clearBtn, addHelp);
  for (const node of [list, status, addRow]) prefixTestids(node, o.testidPrefix);
  let trace = null;

  function render(focus = null) {
    renderStack(list, { spec: o.getSpec() }, {
      activations: o.activations,
      onEdit: () => o.onChange(),
      onMove: (i, d) => {
        const spec = o.getSpec();
        const j = i + d;
        if (j < 0 || j >= spec.length) return;
        [spec[i], spec[j]] = [spec[j], spec[i]];
        render({ id: layerId(spec[j]), part: d < 0 ? "up" : "down" });
        o.onChange();
      },
      onRemove: (i) => {
        const spec = o.getSpec();
        spec.splice(i, 1);
        const next = spec[i] || spec[i - 1];
        render(next ? { id: layerId(next), part: "remove" } : null);
        if (!next) addType.focus();
        status.textContent = `Layer ${i + 1} removed.`;
        o.onChange();
      },
      focus,
      testidPrefix: o.testidPrefix,
    });
    if (trace) updateStack(list, trace);
  }

  for (const t of Object.keys(o.types)) addType.add(new Option(TYPE_LABELS[t] || t, t));
  const showAddHelp = () => (addHelp.textContent = TYPE_HELP[addType.value] || "");
  addType.addEventListener("change", showAddHelp);
  showAddHelp();
  addBtn.addEventListener("click", () => {
    const spec = o.getSpec();
    const layer = o.newLayer(addType.value);
    spec.push(layer);
    render();
    const cardEl = list.querySelector(`[data-layer-id="${layerId(layer)}"]`);
    (cardEl?.querySelector("input, select") || cardEl?.querySelector("button"))?.focus();
    status.textContent = `Added ${TYPE_LABELS[layer.type]} as layer ${spec.length}.`;
    o.onChange();
  });
  clearBtn.addEventListener("click", () => {
    o.getSpec().length = 0;
    render();
    addType.focus();
    o.onChange();
  });

  return {
    list,
    status,
    addRow,
    render,
    /** Show a trace (network_trace meta) on the cards; kept for the next render. */
    update(t) {
      trace = t;
      updateStack(list, t);
    },
  };
}
