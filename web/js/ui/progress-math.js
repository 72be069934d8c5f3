// How far a run has come and how long it still takes: steps per second measured over the
// last few seconds of running (a pause is not counted: the caller starts a new window when
// it resumes) and the time left at that rate. Pure functions, no DOM.

/**
 * The samples to keep: the latest ones spanning at least `windowMs` (the oldest kept is
 * the newest one at least that far back), and never fewer than two.
 * @param {{t: number, step: number}[]} samples  in time order (t in ms)
 */
export function keepRecent(samples, windowMs = 3000) {
  if (samples.length <= 2) return samples;
  const last = samples[samples.length - 1].t;
  let i = 0;
  while (i < samples.length - 2 && last - samples[i + 1].t >= windowMs) i++;
  return samples.slice(i);
}

/** Steps per second from the first to the last sample; null until there are two apart in time. */
export function stepsPerSecond(samples) {
  if (samples.length < 2) return null;
  const a = samples[0];
  const b = samples[samples.length - 1];
  if (!(b.t > a.t)) return null;
  return ((b.step - a.step) * 1000) / (b.t - a.t);
}

/** Seconds for `stepsLeft` at `rate` steps/s; null when the rate is unknown; 0 when done. */
export function secondsLeft(stepsLeft, rate) {
  if (stepsLeft <= 0) return 0;
  if (!(rate > 0)) return null;
  return stepsLeft / rate;
}

/** "<1 s", "42 s", "3 min 05 s", "1 h 02 min". */
export function fmtDuration(s) {
  if (s === null || !Number.isFinite(s)) return "—";
  if (s < 1) return "<1 s";
  const total = Math.round(s);
  if (total < 60) return `${total} s`;
  const m = Math.floor(total / 60);
  if (m < 60) return `${m} min ${String(total % 60).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

/**
 * Where a run stands, for the progress bar.
 * @param {{step: number, totalSteps: number, stepsPerEpoch: number, epochs: number}} p
 *   step: batches trained so far
 * @returns {{fraction: number, epoch: number, stepInEpoch: number}}
 *   epoch: the epoch being trained, from 1 (the last one once all are done); stepInEpoch:
 *   batches of it done (stepsPerEpoch when it has just ended)
 */
export function position({ step, totalSteps, stepsPerEpoch, epochs }) {
  const fraction = totalSteps > 0 ? Math.min(1, step / totalSteps) : 0;
  if (step <= 0) return { fraction, epoch: 1, stepInEpoch: 0 };
  const epoch = Math.min(epochs, Math.ceil(step / stepsPerEpoch));
  return { fraction, epoch, stepInEpoch: step - (epoch - 1) * stepsPerEpoch };
}
