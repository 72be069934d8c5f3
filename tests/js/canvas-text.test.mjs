// Numbers written on canvas cells (ui/canvas.js textColorOn): black or white, whichever keeps
// WCAG's 4.5:1 against the cell's colour.
import test from "node:test";
import assert from "node:assert/strict";
import { luminance, contrastRatio, textColorOn } from "../../web/js/ui/canvas.js";

const contrastOf = (text, rgb) => contrastRatio(luminance(text === "#000" ? [0, 0, 0] : [255, 255, 255]), luminance(rgb));

test("luminance and contrast follow WCAG 2 (white on black is 21:1, #777 on white about 4.48:1)", () => {
  assert.equal(luminance([0, 0, 0]), 0);
  assert.equal(luminance([255, 255, 255]), 1);
  assert.ok(Math.abs(contrastRatio(luminance([255, 255, 255]), luminance([0, 0, 0])) - 21) < 1e-9);
  assert.ok(Math.abs(contrastRatio(luminance([119, 119, 119]), 1) - 4.48) < 0.01);
});

test("every gray level and a spread of colours get text of at least 4.5:1", () => {
  const colours = [];
  for (let g = 0; g < 256; g++) colours.push([g, g, g]);
  for (let r = 0; r < 256; r += 17) for (let g = 0; g < 256; g += 17) for (let b = 0; b < 256; b += 17) colours.push([r, g, b]);
  for (const rgb of colours) {
    const text = textColorOn([rgb]);
    assert.ok(contrastOf(text, rgb) >= 4.5, `${text} on rgb(${rgb}): ${contrastOf(text, rgb).toFixed(2)}`);
  }
  // the mid grays where the old rule (0.3 R + 0.59 G + 0.11 B > 140) chose white at 3.4:1
  assert.equal(textColorOn([[139, 139, 139]]), "#000");
  assert.equal(textColorOn([[100, 100, 100]]), "#fff");
});

test("several backgrounds: the colour whose worst contrast is best", () => {
  // a white cell with a dark hatch line through one sample point still gets black text
  assert.equal(textColorOn([[255, 255, 255], [255, 255, 255], [255, 255, 255], [90, 20, 20]]), "#000");
  assert.equal(textColorOn([[10, 10, 10], [30, 30, 30]]), "#fff");
});
