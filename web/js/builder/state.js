// The builder's state and its URL form. Pure functions, no DOM. (One layer's defaults
// and a list of layers read from JSON: ui/layer-spec.js, shared with the Train tab.)
//
// state = {
//   spec:  [{type, ...every key of that type}],   // pycore's network spec, defaults filled in
//   input: {color: "rgb"|"gray", height, width, fit: "resize"|"crop"},
//   seed:  integer, init: "he"|"glorot"|"uniform",
//   preset: name of the preset it was loaded from (a label only; edits keep it)
// }
//
// In the URL (`#build?s=<base64url of JSON>`) each layer keeps only the keys that differ
// from pycore's defaults, so the notebook's network is a few hundred characters.

import { fillLayer, stripLayer, specFromList } from "../ui/layer-spec.js";

export const STATE_VERSION = 1;

function toBase64url(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

/** state -> the `s` parameter. */
export function encodeState(state, types) {
  const doc = {
    v: STATE_VERSION,
    spec: state.spec.map((l) => stripLayer(l, types)),
    input: state.input,
    seed: state.seed,
  };
  if (state.init && state.init !== "he") doc.init = state.init;
  if (state.preset) doc.preset = state.preset;
  return toBase64url(JSON.stringify(doc));
}

/**
 * The `s` parameter -> a state (defaults filled in), or throws an Error whose message
 * says what is wrong with the link (the caller says what is shown instead).
 */
export function decodeState(text, types) {
  let doc;
  try {
    doc = JSON.parse(fromBase64url(text));
  } catch {
    throw new Error("The link's network could not be read (it is cut off or damaged)");
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
    throw new Error("The link holds no network");
  }
  if (doc.v !== undefined && doc.v !== STATE_VERSION) {
    throw new Error(`The link is in a format this page does not read (version ${JSON.stringify(doc.v)}; this page reads version ${STATE_VERSION})`);
  }
  if (!Array.isArray(doc.spec)) throw new Error("The link holds no layer stack");
  let spec;
  try {
    spec = specFromList(doc.spec, types);
  } catch (e) {
    throw new Error(`The link's network is damaged: ${e.message}`, { cause: e });
  }
  const input = doc.input && typeof doc.input === "object" ? doc.input : {};
  return {
    spec,
    input: {
      color: input.color ?? "rgb",
      height: input.height ?? 352,
      width: input.width ?? 480,
      fit: input.fit ?? "crop",
    },
    seed: Number.isInteger(doc.seed) ? doc.seed : 0,
    init: typeof doc.init === "string" ? doc.init : "he",
    preset: typeof doc.preset === "string" ? doc.preset : null,
  };
}

/** The `s` parameter of a hash like "#build?s=...&x=1" (or null). */
export function stateParam(hash) {
  const q = (hash || "").split("?")[1];
  if (!q) return null;
  return new URLSearchParams(q).get("s");
}

/** A state from a preset entry of network_presets. */
export function stateFromPreset(preset, types, seed = 0, init = "he") {
  return {
    spec: preset.spec.map((l) => fillLayer(l, types)),
    input: { ...preset.input },
    seed,
    init,
    preset: preset.name,
  };
}

/** What the Python calls take: {spec, input, seed, init}. */
export function callParams(state) {
  return { spec: state.spec, input: state.input, seed: state.seed, init: state.init };
}
