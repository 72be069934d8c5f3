// The confusion matrix's cell colours (ui/confusion.js): every count stays readable, 4.5:1
// at least against its shade (WCAG's contrast ratio, computed here from the formula).
import test from "node:test";
import assert from "node:assert/strict";
import { cellColour, inkOn } from "../../web/js/ui/confusion.js";

function channel(v) {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
}
function relLum(rgb) {
  return 0.2126 * channel(rgb[0]) + 0.7152 * channel(rgb[1]) + 0.0722 * channel(rgb[2]);
}
function ratio(a, b) {
  const [hi, lo] = [relLum(a), relLum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
const HEX = { "#000": [0, 0, 0], "#fff": [255, 255, 255] };

test("every share of a row, right or wrong, keeps its number at 4.5:1 or more", () => {
  for (const hit of [true, false]) {
    for (let k = 0; k <= 100; k++) {
      const bg = cellColour(hit, k / 100);
      const ink = inkOn(bg);
      assert.ok(ratio(bg, HEX[ink]) >= 4.5, `${hit ? "hit" : "miss"} share ${k}%: ${ink} on ${bg}`);
    }
  }
});

test("inkOn picks the colour with the higher contrast, on every gray", () => {
  for (let g = 0; g <= 255; g++) {
    const bg = [g, g, g];
    const best = ratio(bg, HEX["#000"]) >= ratio(bg, HEX["#fff"]) ? "#000" : "#fff";
    assert.equal(inkOn(bg), best, `gray ${g}`);
    assert.ok(ratio(bg, HEX[best]) >= 4.5);
  }
});

test("a larger share is a stronger shade: miss cells run from pale to the full red", () => {
  assert.deepEqual(cellColour(false, 1), [192, 57, 43]);
  assert.ok(relLum(cellColour(false, 0)) > relLum(cellColour(false, 0.5)));
  assert.ok(relLum(cellColour(true, 0)) > relLum(cellColour(true, 1)));
});
