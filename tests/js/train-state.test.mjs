// The Train tab's run states and buttons (train/state.js).
import test from "node:test";
import assert from "node:assert/strict";
import { STATES, nextState, controls } from "../../web/js/train/state.js";

test("a run: start, pause, resume, step, finish, reset", () => {
  let s = "idle";
  const go = (e) => (s = nextState(s, e));
  assert.equal(go("start"), "running");
  assert.equal(go("pause"), "running", "running until the slice in flight lands");
  assert.equal(go("paused"), "paused");
  assert.equal(go("step"), "paused");
  assert.equal(go("stepped"), "paused");
  assert.equal(go("start"), "running");
  assert.equal(go("finished"), "done");
  assert.equal(go("start"), "done", "nothing left to train");
  assert.equal(go("reset"), "idle");
});

test("Step from idle sets up and trains one batch; a model loads paused or done", () => {
  assert.equal(nextState("idle", "stepped"), "paused");
  assert.equal(nextState("idle", "loaded"), "paused");
  assert.equal(nextState("running", "loaded-final"), "done");
  assert.equal(nextState("paused", "stepped"), "paused");
  assert.equal(nextState("paused", "finished"), "done", "the last batch was a Step");
  assert.equal(nextState("running", "failed"), "paused");
  assert.equal(nextState("idle", "failed"), "idle");
  assert.throws(() => nextState("idle", "fly"), /unknown training event fly/);
});

test("buttons in every state", () => {
  const enabled = (s, o) => {
    const c = controls(s, o);
    return ["start", "pause", "step", "reset"].filter((k) => c[k].enabled);
  };
  assert.deepEqual(enabled("idle"), ["start", "step"]);
  assert.deepEqual(enabled("running"), ["pause", "reset"]);
  assert.deepEqual(enabled("running", { pausing: true }), ["reset"]);
  assert.deepEqual(enabled("paused"), ["start", "step", "reset"]);
  assert.deepEqual(enabled("done"), ["reset"]);
  assert.equal(controls("paused").start.label, "Resume");
  assert.equal(controls("idle").start.label, "Start training");
  assert.deepEqual(STATES.map((s) => controls(s).settings), [true, false, false, false]);
  assert.deepEqual(STATES.map((s) => controls(s, { hasNetwork: true }).save), [true, false, true, true]);
  assert.throws(() => controls("flying"), /unknown training state/);
});
