// The builder's state and its URL form (builder/state.js), one layer's defaults
// (ui/layer-spec.js) and the layer fields' pair parser (ui/layer-editor.js). `TYPES`
// stands in for network_presets' "types": each layer type's keys with pycore's defaults
// (null: required).
import test from "node:test";
import assert from "node:assert/strict";
import { encodeState, decodeState, stateParam, stateFromPreset, callParams } from "../../web/js/builder/state.js";
import { fillLayer, stripLayer, newLayer, specFromList } from "../../web/js/ui/layer-spec.js";
import { parsePair, pairText } from "../../web/js/ui/layer-editor.js";

const TYPES = {
  conv2d: { filters: null, kernel_size: 3, stride: 1, padding: 0, activation: "relu" },
  flatten: {},
  dense: { units: null, activation: "none" },
};
const b64url = (text) => Buffer.from(text, "utf8").toString("base64url");
const unb64url = (text) => JSON.parse(Buffer.from(text, "base64url").toString("utf8"));

test("fillLayer adds the defaults and keeps keys pycore will name", () => {
  assert.deepEqual(fillLayer({ type: "conv2d", filters: 4 }, TYPES),
    { type: "conv2d", filters: 4, kernel_size: 3, stride: 1, padding: 0, activation: "relu" });
  assert.deepEqual(fillLayer({ type: "dense", units: 10, bogus: 1 }, TYPES), { type: "dense", units: 10, activation: "none", bogus: 1 });
  assert.deepEqual(fillLayer({ type: "lstm", size: 3 }, TYPES), { type: "lstm", size: 3 });
});

test("stripLayer drops keys equal to their default but keeps required ones", () => {
  const full = fillLayer({ type: "conv2d", filters: 4, padding: "same" }, TYPES);
  assert.deepEqual(stripLayer(full, TYPES), { type: "conv2d", filters: 4, padding: "same" });
  assert.deepEqual(stripLayer(fillLayer({ type: "dense", units: 10 }, TYPES), TYPES), { type: "dense", units: 10 });
});

test("the URL form holds only what differs from the defaults, and reads back", () => {
  const state = {
    spec: [fillLayer({ type: "conv2d", filters: 4, padding: "same" }, TYPES), fillLayer({ type: "flatten" }, TYPES),
      fillLayer({ type: "dense", units: 10 }, TYPES)],
    input: { color: "gray", height: 28, width: 28, fit: "crop" },
    seed: 3,
    init: "he",
    preset: null,
  };
  const s = encodeState(state, TYPES);
  assert.match(s, /^[A-Za-z0-9_-]+$/); // base64url, no padding
  assert.deepEqual(unb64url(s), {
    v: 1,
    spec: [{ type: "conv2d", filters: 4, padding: "same" }, { type: "flatten" }, { type: "dense", units: 10 }],
    input: { color: "gray", height: 28, width: 28, fit: "crop" },
    seed: 3,
  });
  assert.deepEqual(decodeState(s, TYPES), state);
  const named = encodeState({ ...state, init: "glorot", preset: "tiny" }, TYPES);
  assert.equal(unb64url(named).init, "glorot");
  assert.equal(unb64url(named).preset, "tiny");
  assert.deepEqual(decodeState(named, TYPES), { ...state, init: "glorot", preset: "tiny" });
});

test("decodeState fills what a link leaves out", () => {
  assert.deepEqual(decodeState(b64url('{"spec": [{"type": "flatten"}]}'), TYPES), {
    spec: [{ type: "flatten" }], input: { color: "rgb", height: 352, width: 480, fit: "crop" }, seed: 0, init: "he", preset: null,
  });
});

test("a link that does not read says why", () => {
  assert.throws(() => decodeState("%%%", TYPES), { message: "The link's network could not be read (it is cut off or damaged)" });
  assert.throws(() => decodeState(b64url("[1, 2]"), TYPES), { message: "The link holds no network" });
  assert.throws(() => decodeState(b64url('{"v": 2, "spec": []}'), TYPES),
    { message: "The link is in a format this page does not read (version 2; this page reads version 1)" });
  assert.throws(() => decodeState(b64url('{"input": {}}'), TYPES), { message: "The link holds no layer stack" });
  assert.throws(() => decodeState(b64url('{"spec": [{"type": "flatten"}, 7]}'), TYPES),
    { message: 'The link\'s network is damaged: layer 2 is not an object with a "type" (such as {"type": "flatten"}); it is number 7' });
});

test("specFromList names the first entry that is not a layer", () => {
  assert.throws(() => specFromList("x", TYPES), { message: 'the layers must be a list, got the text "x"' });
  assert.throws(() => specFromList([{ units: 3 }], TYPES), { message: 'layer 1 is not an object with a "type" (such as {"type": "flatten"}); it is an object without a "type"' });
  assert.deepEqual(specFromList([{ type: "dense", units: 2 }], TYPES), [{ type: "dense", units: 2, activation: "none" }]);
});

test("the s parameter of a hash", () => {
  assert.equal(stateParam("#build?s=abc&x=1"), "abc");
  assert.equal(stateParam("#build?x=1"), null);
  assert.equal(stateParam("#build"), null);
  assert.equal(stateParam(""), null);
});

test("presets, new layers and what the Python calls take", () => {
  const preset = { name: "tiny", input: { color: "rgb", height: 8, width: 8, fit: "resize" }, spec: [{ type: "conv2d", filters: 2 }] };
  const s = stateFromPreset(preset, TYPES, 5, "glorot");
  assert.deepEqual(s, {
    spec: [{ type: "conv2d", filters: 2, kernel_size: 3, stride: 1, padding: 0, activation: "relu" }],
    input: { color: "rgb", height: 8, width: 8, fit: "resize" }, seed: 5, init: "glorot", preset: "tiny",
  });
  assert.notEqual(s.input, preset.input); // a copy: editing the state leaves the preset alone
  assert.deepEqual(callParams(s), { spec: s.spec, input: s.input, seed: 5, init: "glorot" });
  assert.deepEqual(newLayer("conv2d", TYPES), { type: "conv2d", filters: 8, kernel_size: 3, stride: 1, padding: "same", activation: "relu" });
  assert.deepEqual(newLayer("dense", TYPES), { type: "dense", units: 10, activation: "none" });
});

test("parsePair reads one size or a pair and leaves the rest for pycore to name", () => {
  assert.equal(parsePair("3"), 3);
  assert.deepEqual(parsePair("3,5"), [3, 5]);
  assert.deepEqual(parsePair("3x5"), [3, 5]);
  assert.deepEqual(parsePair("3 × 5"), [3, 5]);
  assert.deepEqual(parsePair("(3, 5)"), [3, 5]);
  assert.deepEqual(parsePair("[3,5]"), [3, 5]);
  assert.equal(parsePair("  "), null);
  assert.equal(parsePair("same"), "same");
  assert.equal(parsePair("3.5"), "3.5");
  assert.equal(pairText([3, 5]), "3,5");
  assert.equal(pairText(4), "4");
  assert.equal(pairText(null), "");
});
