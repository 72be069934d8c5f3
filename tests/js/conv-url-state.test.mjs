// The Convolution tab's settings in the address (convolution/url-state.js) and the one
// sentence announced per result (convolution/geometry.js summaryOf).
import test from "node:test";
import assert from "node:assert/strict";
import { encodeSettings, decodeSettings, encodeFilter, decodeFilter, queryOf } from "../../web/js/convolution/url-state.js";
import { summaryOf } from "../../web/js/convolution/geometry.js";

const LIMITS = { maxSide: 11, maxFilters: 16 };

test("every setting survives the round trip, odd cell texts and names included", () => {
  const settings = {
    filters: [
      { name: "edge", rows: 3, cols: 3, cells: ["-1", "-1", "-1", "-1", "8", "-1", "-1", "-1", "-1"] },
      { name: "odd: a, b %20 & c?", rows: 1, cols: 3, cells: ["1/16", "1,5", "a:b%"] },
    ],
    channel: "red", stride: "2", dilation: "1", padding: "same", paddingMode: "circular", activation: "leaky_relu",
    slope: "0.2", poolType: "avg", poolSize: "3", poolStride: "1", poolPadding: "1", poolCeil: true, colors: "diverging",
    view: { scale: "shared", before: true, zoom: 3 },
  };
  const hash = encodeSettings(settings);
  assert.ok(hash.startsWith("#convolution?"));
  const { settings: back, problems, image } = decodeSettings(queryOf(hash), { ...LIMITS, view: { scale: "own", before: false, zoom: 1 } });
  assert.deepEqual(problems, []);
  assert.equal(image, null);
  assert.deepEqual(back, settings);
});

test("only what differs from the defaults is written; nothing differing is a bare #convolution", () => {
  const filters = [{ name: "edge", rows: 1, cols: 1, cells: ["1"] }];
  const defaults = { filters, stride: "1", padding: "0", poolCeil: false, view: { scale: "own" } };
  assert.equal(encodeSettings({ ...defaults, filters: [...filters], view: { scale: "own" } }, defaults), "#convolution");
  assert.equal(encodeSettings({ ...defaults, stride: "2", poolCeil: true, view: { scale: "shared" } }, defaults),
    "#convolution?stride=2&ceil=1&view.scale=shared");
  assert.equal(encodeSettings({ ...defaults, filters: [{ ...filters[0], cells: ["2"] }] }, defaults), "#convolution?k=1x1:2:edge");
});

test("a filter's text is size, cells and name; a bad one says what is wrong", () => {
  const f = { name: "x", rows: 2, cols: 1, cells: ["1", "2"] };
  assert.equal(encodeFilter(f), "2x1:1,2:x");
  assert.deepEqual(decodeFilter("2x1:1,2:x", 11).filter, f);
  assert.match(decodeFilter("2x1:1,2,3:x", 11).error, /3 cells for a 2×1 kernel/);
  assert.match(decodeFilter("12x12:0:x", 11).error, /between 1×1 and 11×11/);
  assert.match(decodeFilter("big:0:x", 11).error, /"big" is not rows x columns/);
  assert.match(decodeFilter("nothing", 11).error, /size:cells:name/);
});

test("a hand-edited link: what does not read is a problem for its field, never a throw", () => {
  const { settings, problems } = decodeSettings("k=3x3:1:bad&k=1x1:5:one&stride=1e308&view.nope=1&view.zoom=abc", { ...LIMITS, view: { zoom: 1 } });
  assert.deepEqual(settings.filters, [{ name: "one", rows: 1, cols: 1, cells: ["5"] }]);
  assert.equal(settings.stride, "1e308"); // the control shows it and pycore names the problem
  assert.equal(settings.view, undefined); // unknown keys and unreadable numbers are left out
  assert.equal(problems.length, 1);
  assert.equal(problems[0].field, "kernels");
  assert.match(problems[0].message, /filter 1 could not be read \(it has 1 cells for a 3×3 kernel\)/);
  const many = decodeSettings(Array.from({ length: 18 }, () => "k=1x1:1:a").join("&"), LIMITS);
  assert.equal(many.settings.filters.length, 16);
  assert.match(many.problems[0].message, /18 filters; at most 16/);
});

test("only this tab's hash has a query; image=none is read", () => {
  assert.equal(queryOf("#build?s=abc"), null);
  assert.equal(queryOf("#convolution"), null);
  assert.equal(queryOf("#convolution?image=none"), "image=none");
  assert.equal(decodeSettings("image=none", LIMITS).image, "none");
});

test("the summary is one short sentence", () => {
  const m = (h, w) => ({ shape: [h, w] });
  assert.equal(summaryOf({ maps: [m(298, 449), m(298, 449), m(298, 449)], pooled: [m(149, 224), m(149, 224), m(149, 224)] }),
    "3 feature maps, 298×449, pooled to 149×224.");
  assert.equal(summaryOf({ maps: [m(5, 5), m(3, 3)], pooled: [] }), "2 feature maps, 5×5, 3×3.");
  assert.equal(summaryOf({ maps: [m(5, 5)], pooled: [], pool_error: "x" }), "1 feature map, 5×5, not pooled (see the pooling settings).");
});
