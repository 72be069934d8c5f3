// The Train tab's run state and what each button does in it. Pure functions, no DOM.
//
//   idle     no network yet (or after Reset): the settings can be changed
//   running  slices follow each other in the worker
//   paused   a network part-way through its epochs (or a model loaded to train on)
//   done     every epoch trained (or a model loaded that fits no data set)
//
// Once a network exists its settings are fixed; Reset goes back to idle to change them.

export const STATES = ["idle", "running", "paused", "done"];

/**
 * The state after `event`.
 * @param {string} state   one of STATES
 * @param {string} event   "start" | "pause" | "paused" (the slice in flight has landed) |
 *                         "step" | "stepped" | "finished" | "reset" | "loaded" | "loaded-final" | "failed"
 * @returns {string}
 */
export function nextState(state, event) {
  switch (event) {
    case "start":
      return state === "idle" || state === "paused" ? "running" : state;
    case "pause":
      return state; // running until the slice in flight lands ("paused")
    case "paused":
      return state === "running" ? "paused" : state;
    case "step":
      return state;
    case "stepped":
      return state === "idle" || state === "paused" ? "paused" : state;
    case "finished":
      return state === "idle" ? state : "done";
    case "reset":
      return "idle";
    case "loaded":
      return "paused";
    case "loaded-final":
      return "done";
    case "failed":
      return state === "running" ? "paused" : state;
    default:
      throw new Error(`unknown training event ${event}`);
  }
}

/**
 * What the controls show in a state.
 * @param {string} state
 * @param {{pausing?: boolean, hasNetwork?: boolean}} o  pausing: Pause was pressed and the
 *   slice in flight has not landed yet; hasNetwork: there is a network to save or open
 * @returns {{start: {enabled, label}, pause: {enabled}, step: {enabled}, reset: {enabled},
 *            settings: boolean, save: boolean}}  settings: the settings may be edited
 */
export function controls(state, { pausing = false, hasNetwork = false } = {}) {
  if (!STATES.includes(state)) throw new Error(`unknown training state ${state}`);
  const idle = state === "idle";
  return {
    start: { enabled: idle || state === "paused", label: state === "paused" ? "Resume" : "Start training" },
    pause: { enabled: state === "running" && !pausing },
    step: { enabled: idle || state === "paused" },
    reset: { enabled: !idle },
    settings: idle,
    save: hasNetwork && state !== "running",
  };
}
