// The colour maps (ui/colormap.js): which values reach the ends of the scale, and the
// colour of a value in each mode.
import test from "node:test";
import assert from "node:assert/strict";
import { modeRange, grayLevel, colorOf } from "../../web/js/ui/colormap.js";

test("modeRange: min..max, symmetric about zero, or 0..max|v|", () => {
  assert.deepEqual(modeRange("gray", -2, 3), { lo: -2, hi: 3 });
  assert.deepEqual(modeRange("diverging", -2, 3), { lo: -3, hi: 3 });
  assert.deepEqual(modeRange("diverging", -5, 1), { lo: -5, hi: 5 });
  assert.deepEqual(modeRange("abs", -5, 1), { lo: 0, hi: 5 });
  assert.throws(() => modeRange("rainbow", 0, 1), /unknown colour mode rainbow/);
});

test("grayLevel: lo black, hi white, clipped, a constant map mid-gray", () => {
  assert.equal(grayLevel(0, 0, 1), 0);
  assert.equal(grayLevel(1, 0, 1), 255);
  assert.equal(grayLevel(0.5, 0, 1), 128); // 127.5 rounds up
  assert.equal(grayLevel(0.25, -1, 1), 159); // (1.25 / 2) * 255 = 159.375
  assert.equal(grayLevel(5, 0, 1), 255);
  assert.equal(grayLevel(-1, 0, 1), 0);
  assert.equal(grayLevel(7, 2, 2), 128);
});

test("colorOf: diverging runs blue - white - red; NaN is magenta", () => {
  assert.deepEqual(colorOf("diverging", 0, -1, 1), [247, 247, 247]);
  assert.deepEqual(colorOf("diverging", 1, -1, 1), [178, 24, 43]);
  assert.deepEqual(colorOf("diverging", -1, -1, 1), [33, 102, 172]);
  assert.deepEqual(colorOf("diverging", 2, -1, 1), [178, 24, 43]); // clipped
  // halfway to red: 247 + (178 - 247) / 2 = 212.5, 247 + (24 - 247) / 2 = 135.5, 145
  assert.deepEqual(colorOf("diverging", 0.5, -1, 1), [213, 136, 145]);
  assert.deepEqual(colorOf("diverging", 3, 0, 0), [247, 247, 247]); // an all-zero map
  assert.deepEqual(colorOf("gray", NaN, 0, 1), [255, 0, 255]);
  assert.deepEqual(colorOf("gray", 0.5, 0, 1), [128, 128, 128]);
  assert.deepEqual(colorOf("abs", -1, 0, 1), [255, 255, 255]);
  assert.deepEqual(colorOf("abs", -0.5, 0, 1), [128, 128, 128]);
});
