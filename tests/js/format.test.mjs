// Number formatting (ui/format.js) against hand-worked values.
import test from "node:test";
import assert from "node:assert/strict";
import { fmt, fmtRange, short, fmtInt, fmtShort, fmtMs, plural, rangeText } from "../../web/js/ui/format.js";

test("fmt: three significant digits, exponent outside 1e-3..1e4, typographic minus", () => {
  assert.equal(fmt(0), "0");
  assert.equal(fmt(3.14159), "3.14");
  assert.equal(fmt(-2.5), "−2.5");
  assert.equal(fmt(1234.5), "1230");
  assert.equal(fmt(12345), "1.23e+4");
  // only the first minus becomes typographic: the exponent's, for a positive value
  assert.equal(fmt(0.000123), "1.23e−4");
  assert.equal(fmt(-0.000123), "−1.23e-4");
  assert.equal(fmt(0.001), "0.001");
  assert.equal(fmt(NaN), "NaN");
  assert.equal(fmt(Infinity), "∞");
  assert.equal(fmt(-Infinity), "−∞");
});

test("short: about two significant digits for a grid cell", () => {
  assert.equal(short(0), "0");
  // NaN and ±∞ are data in a grid (an overflow), written as such, not left blank
  assert.equal(short(NaN), "NaN");
  assert.equal(short(Infinity), "∞");
  assert.equal(short(-Infinity), "−∞");
  assert.equal(short(0.5), ".50");
  assert.equal(short(-0.25), "−.25");
  assert.equal(short(3.14159), "3.1");
  assert.equal(short(12.3), "12");
  assert.equal(short(150.6), "151");
  assert.equal(short(-42), "−42");
});

test("integers, sizes and durations", () => {
  assert.equal(fmtInt(854362), "854,362");
  assert.equal(fmtShort(96959120), "97.0 M");
  assert.equal(fmtShort(854362), "854 k");
  assert.equal(fmtShort(2.5e9), "2.50 G");
  assert.equal(fmtShort(1234), "1,234");
  assert.equal(fmtMs(0.05), "<0.1 ms");
  assert.equal(fmtMs(3.456), "3.5 ms");
  assert.equal(fmtMs(120.4), "120 ms");
});

test("plural and ranges", () => {
  assert.equal(plural(1, "row"), "1 row");
  assert.equal(plural(0, "row"), "0 rows");
  assert.equal(plural(3, "partial window"), "3 partial windows");
  assert.equal(rangeText(4, 5), "4");
  assert.equal(rangeText(2, 7), "2–6");
});

test("fmtRange: a finite range, or says there is none (never 0 … 0 for an all-∞ map)", () => {
  assert.equal(fmtRange(0, 4.2567), "0 … 4.26");
  assert.equal(fmtRange(-1.5, -1.5), "−1.5 … −1.5");
  assert.equal(fmtRange(null, null), "no finite values");
  assert.equal(fmtRange(undefined, 3), "no finite values");
});
