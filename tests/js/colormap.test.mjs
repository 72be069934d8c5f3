// The colour maps (ui/colormap.js): which values reach the ends of the scale, and the
// colour of a value in each mode.
import test from "node:test";
import assert from "node:assert/strict";
import { modeRange, grayLevel, colorOf, nonfiniteRGB, NONFINITE_KEY, NAN_RGB, POSINF_RGB, NEGINF_RGB } from "../../web/js/ui/colormap.js";

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

test("modeRange: a map with no finite value (pycore's null range) has nothing to scale", () => {
  for (const mode of ["gray", "diverging", "abs"]) assert.deepEqual(modeRange(mode, null, null), { lo: 0, hi: 0 });
  assert.throws(() => modeRange("rainbow", null, null), /unknown colour mode rainbow/);
});

test("+∞, −∞ and NaN have colours of their own in every mode, used by no finite value", () => {
  const specials = [POSINF_RGB, NEGINF_RGB, NAN_RGB];
  assert.equal(new Set(specials.map(String)).size, 3);
  assert.deepEqual(NONFINITE_KEY.map((k) => k.kind), ["posinf", "neginf", "nan"]);
  for (const mode of ["gray", "diverging", "abs"]) {
    assert.deepEqual(colorOf(mode, Infinity, 0, 1), POSINF_RGB);
    assert.deepEqual(colorOf(mode, -Infinity, 0, 1), NEGINF_RGB);
    assert.deepEqual(colorOf(mode, NaN, -1, 1), NAN_RGB);
    assert.deepEqual(colorOf(mode, Infinity, 0, 0), POSINF_RGB); // with no finite range too
    const { lo, hi } = modeRange(mode, -1, 1);
    for (let i = 0; i <= 200; i++) {
      const c = colorOf(mode, -1 + i / 100, lo, hi);
      for (const s of specials) assert.notDeepEqual(c, s);
    }
  }
  assert.equal(nonfiniteRGB(1e308), null);
  assert.equal(nonfiniteRGB(-0), null);
});

test("sharedRange: the finite extremes over every map; none when no map has one", async () => {
  const { sharedRange } = await import("../../web/js/ui/colormap.js");
  assert.deepEqual(sharedRange([{ vmin: -1, vmax: 2 }, { vmin: 0.5, vmax: 7 }, { vmin: -3, vmax: 0 }]), { vmin: -3, vmax: 7 });
  assert.deepEqual(sharedRange([{ vmin: null, vmax: null }, { vmin: 1, vmax: 4 }]), { vmin: 1, vmax: 4 });
  assert.deepEqual(sharedRange([{ vmin: null, vmax: null }]), { vmin: null, vmax: null });
  assert.deepEqual(sharedRange([]), { vmin: null, vmax: null });
});

test("legendTicks: the ends, and zero where it falls inside with room", async () => {
  const { legendTicks } = await import("../../web/js/ui/colormap.js");
  assert.deepEqual(legendTicks("diverging", -4, 4), [{ value: -4, at: 0 }, { value: 0, at: 0.5 }, { value: 4, at: 1 }]);
  assert.deepEqual(legendTicks("gray", -1, 3), [{ value: -1, at: 0 }, { value: 0, at: 0.25 }, { value: 3, at: 1 }]);
  assert.deepEqual(legendTicks("gray", -1, 99), [{ value: -1, at: 0 }, { value: 99, at: 1 }]); // zero too near the end
  assert.deepEqual(legendTicks("abs", 0, 5), [{ value: 0, at: 0 }, { value: 5, at: 1 }]);
  assert.deepEqual(legendTicks("gray", 2, 2), [{ value: 2, at: 0.5 }]);
  assert.throws(() => legendTicks("rainbow", 0, 1), /unknown colour mode/);
});
