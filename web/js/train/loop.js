// The training loop: slices in the worker, one after another, until paused or done. A
// slice is one train_step call (at most about 50 ms of training), so a Pause takes effect
// when the slice in flight lands, and calls of other channels (the drawing pad's
// predictions) run in the worker between slices. No DOM.

/**
 * @param {{runSlice: () => Promise<object>, onSlice: (result) => void,
 *          onStop: (why: "paused" | "done" | "error", error?) => void}} o
 *   runSlice resolves one train_step result; onSlice gets each one of the current run (a
 *   result that lands after cancel() is dropped); onStop is called once per run.
 * @returns {{start(): boolean, pause(): Promise<void>, cancel(): Promise<void>, running: () => boolean}}
 */
export function sliceLoop(o) {
  let running = false;
  let stopAsked = false;
  let generation = 0;
  let finished = Promise.resolve(); // resolves when the current run has stopped

  async function run(gen) {
    let why = "paused";
    let error = null;
    try {
      while (!stopAsked) {
        const r = await o.runSlice();
        if (gen !== generation) return; // cancelled: the run's results no longer count
        o.onSlice(r);
        if (r.meta.state === "done") {
          why = "done";
          break;
        }
      }
    } catch (e) {
      if (gen !== generation) return;
      why = "error";
      error = e;
    } finally {
      if (gen === generation) running = false;
    }
    o.onStop(why, error);
  }

  return {
    /** Start a run (false when one is under way). */
    start() {
      if (running) return false;
      running = true;
      stopAsked = false;
      finished = run(generation);
      return true;
    },
    /** Stop after the slice in flight; resolves once it has landed (and onStop ran). */
    pause() {
      stopAsked = true;
      return finished;
    },
    /** Stop and drop the slice in flight (for Reset); resolves once it has landed. */
    async cancel() {
      stopAsked = true;
      generation++;
      running = false;
      await finished.catch(() => {});
    },
    running: () => running,
  };
}
