// The camera's frame rate and its messages (web/js/shell/camera.js).
import test from "node:test";
import assert from "node:assert/strict";
import { FPS_WINDOW_MS, NO_CAMERA_API, cameraProblem, frameRate } from "../../web/js/shell/camera.js";

test("the frame rate counts the frames drawn in the last window", () => {
  // A frame every 200 ms for 5 s: 5 per second, whatever the window holds.
  const times = Array.from({ length: 26 }, (_, i) => 1000 + i * 200);
  assert.equal(frameRate(times, times.at(-1)), 5);
  // Only the window counts: a frame a second, then one every 100 ms from 3000 to 4100 ms.
  // The last 2 s hold the frames from 3000 on: 11 intervals in 1.1 s, 10 per second (all
  // 15 frames would give 14 in 4.1 s, 3.4 per second).
  const burst = [0, 1000, 2000, 3000, ...Array.from({ length: 11 }, (_, i) => 3100 + i * 100)];
  assert.ok(Math.abs(frameRate(burst, 4100) - 10) < 1e-9, String(frameRate(burst, 4100)));
  // Later, with no new frame, the window holds fewer of them.
  assert.ok(Math.abs(frameRate(burst, 5600) - 10) < 1e-9); // 3600..4100: 5 intervals in 0.5 s
  assert.equal(frameRate(burst, 6050), null); // only 4100 left
});

test("no rate from fewer than two frames, or frames too old", () => {
  assert.equal(frameRate([], 0), null);
  assert.equal(frameRate([500], 600), null);
  assert.equal(frameRate([0, 100], 100 + FPS_WINDOW_MS + 1), null);
  assert.equal(frameRate([50, 50], 60), null);
});

test("each way getUserMedia fails has its own plain message", () => {
  const said = (name) => cameraProblem({ name, message: "x" });
  assert.match(said("NotAllowedError"), /not allowed/);
  assert.equal(said("SecurityError"), said("NotAllowedError"));
  assert.match(said("NotFoundError"), /No camera was found/);
  assert.equal(said("OverconstrainedError"), said("NotFoundError"));
  assert.match(said("NotReadableError"), /another program/);
  assert.equal(cameraProblem({ name: "Weird", message: "the device said no" }), "The camera could not be started: the device said no.");
  assert.match(NO_CAMERA_API, /secure address/);
  for (const m of [said("NotAllowedError"), said("NotFoundError"), said("NotReadableError")]) {
    assert.doesNotMatch(m, /Error|undefined/);
  }
});
