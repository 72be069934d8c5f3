// Which tab a URL hash selects (ui/tabs.js): anything after "?" belongs to the panel.
import test from "node:test";
import assert from "node:assert/strict";
import { tabFromHash } from "../../web/js/ui/tabs.js";

test("tabFromHash", () => {
  assert.equal(tabFromHash("#build?s=abc"), "build");
  assert.equal(tabFromHash("#explore"), "explore");
  assert.equal(tabFromHash("convolution"), "convolution");
  assert.equal(tabFromHash("#"), null);
  assert.equal(tabFromHash(""), null);
  assert.equal(tabFromHash(undefined), null);
});
