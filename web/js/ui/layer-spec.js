// Layers of a network spec as the layer editor holds them: each with every key of its
// type (pycore's SPEC_KEYS defaults, from network_presets' "types"). Pure functions, no DOM;
// the Build and Train tabs share them.

/** Fill a layer's missing keys from `types` (pycore's SPEC_KEYS defaults); drop unknown types' extras untouched. */
export function fillLayer(layer, types) {
  const defaults = Object.hasOwn(types, layer.type) ? types[layer.type] : null;
  if (!defaults) return { ...layer };
  const out = { type: layer.type };
  for (const [k, v] of Object.entries(defaults)) out[k] = k in layer ? layer[k] : v;
  for (const [k, v] of Object.entries(layer)) if (!(k in out)) out[k] = v; // keep: pycore names it
  return out;
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A layer without the keys that equal their default (required keys are always kept). */
export function stripLayer(layer, types) {
  const defaults = types[layer.type] || {};
  const out = { type: layer.type };
  for (const [k, v] of Object.entries(layer)) {
    if (k === "type") continue;
    if (k in defaults && defaults[k] !== null && same(defaults[k], v)) continue;
    out[k] = v;
  }
  return out;
}

function describeValue(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "string") return `the text ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`;
  if (typeof v === "object") return "an object without a \"type\"";
  return `${typeof v} ${String(v)}`;
}

/**
 * A list of layers (from a link or imported JSON) with defaults filled in, or throws an
 * Error naming the first entry that is not a layer, counting from 1 as the page does.
 * A layer needs only to be an object with a text "type": an unknown type is let through,
 * so the table marks it with pycore's reason.
 */
export function specFromList(list, types) {
  if (!Array.isArray(list)) throw new Error(`the layers must be a list, got ${describeValue(list)}`);
  list.forEach((l, i) => {
    if (!l || typeof l !== "object" || Array.isArray(l) || typeof l.type !== "string") {
      throw new Error(`layer ${i + 1} is not an object with a "type" (such as {"type": "flatten"}); it is ${describeValue(l)}`);
    }
  });
  return list.map((l) => fillLayer(l, types));
}

/** A new layer of a type with its defaults (required keys get a sensible start). */
export function newLayer(type, types) {
  const starts = { conv2d: { filters: 8, padding: "same" }, dense: { units: 10 } };
  return fillLayer({ type, ...(starts[type] || {}) }, types);
}
