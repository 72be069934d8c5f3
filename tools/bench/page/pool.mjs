// A pool of Pyodide workers sharing one convolution (the speed issue's "every core"),
// measured by the bench page. Each worker is a py_worker.mjs (Pyodide, numpy, pycore and
// bench_cases.py through the product's loader) holding the whole image, sent to it once.
// A call hands each worker its part of the plan (bench_cases.pool_plan: a band of output
// rows, whose halo rows the worker takes from the image it holds, or a range of filters),
// and the parts come back as transferred Float32Arrays and are stitched here.
//
// Every step is timed on the clock the threads share (performance.timeOrigin + now), so a
// call splits into: sending (post to the worker's onmessage), the worker's compute (Python),
// its copy out of the wasm heap, the reply (its post to our handler), and the stitch.

/** Milliseconds on a clock all of the page's threads share. */
export const sharedNow = () => performance.timeOrigin + performance.now();

/** How many values part i of `plan` holds (see stitchParts). */
export function partLength(plan, i) {
  const [cOut, ho, wo] = plan.out;
  const [lo, hi] = plan.ranges[i];
  if (plan.split === "rows") return cOut * (hi - lo) * wo;
  if (plan.split === "filters") return (hi - lo) * ho * wo;
  throw new Error(`unknown split ${plan.split}`);
}

/**
 * The whole output (C_out, Ho, Wo), row-major, from the parts of `plan`
 * ({out: [C_out, Ho, Wo], split: "rows" | "filters", ranges: [[lo, hi], ...]}), in its order.
 * A "rows" part is (C_out, hi - lo, Wo): each channel's rows land in that channel's plane;
 * a "filters" part is (hi - lo, Ho, Wo), one contiguous block.
 * @param {{out: number[], split: string, ranges: number[][]}} plan
 * @param {Float32Array[]} parts
 * @param {Float32Array} [into]  the output's buffer, when one of the right length is at hand
 * @returns {Float32Array}
 */
export function stitchParts(plan, parts, into = null) {
  if (parts.length !== plan.ranges.length) {
    throw new Error(`${parts.length} parts for a plan of ${plan.ranges.length}`);
  }
  const out = outputBuffer(plan, into);
  parts.forEach((part, i) => stitchPart(plan, out, i, part));
  return out;
}

/** `into` when it has the length of plan's output, else a new array of that length. */
function outputBuffer(plan, into) {
  const n = plan.out.reduce((a, b) => a * b, 1);
  return into && into.length === n ? into : new Float32Array(n);
}

/** Part i of `plan` copied to its place in `out` (see stitchParts). */
export function stitchPart(plan, out, i, part) {
  const [cOut, ho, wo] = plan.out;
  const [lo, hi] = plan.ranges[i];
  const want = partLength(plan, i);
  if (part.length !== want) throw new Error(`part ${i} has ${part.length} values, not ${want}`);
  const plane = ho * wo;
  if (plan.split === "filters") {
    out.set(part, lo * plane);
    return;
  }
  const band = (hi - lo) * wo;
  for (let c = 0; c < cOut; c++) out.set(part.subarray(c * band, (c + 1) * band), c * plane + lo * wo);
}

/**
 * Each output channel's map (Ho, Wo) as a view into the "filters" parts, in channel
 * order: what a page drawing one map per filter needs, with no stitch.
 */
export function channelViews(plan, parts) {
  if (plan.split !== "filters") throw new Error("only a split over filters has whole maps in its parts");
  const [, ho, wo] = plan.out;
  const plane = ho * wo;
  return plan.ranges.flatMap(([lo, hi], i) =>
    Array.from({ length: hi - lo }, (_, c) => parts[i].subarray(c * plane, (c + 1) * plane)));
}

/** Where two float32 arrays differ bit for bit: {bitEqual, mismatches, maxAbsDiff}. */
export function compareBits(a, b) {
  if (a.length !== b.length) return { bitEqual: false, mismatches: Math.max(a.length, b.length), maxAbsDiff: null };
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let mismatches = 0;
  let maxAbsDiff = 0;
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) {
      mismatches++;
      const d = Math.abs(a[i] - b[i]);
      if (!(d <= maxAbsDiff)) maxAbsDiff = d; // NaN counts as the largest
    }
  }
  return { bitEqual: mismatches === 0, mismatches, maxAbsDiff };
}

export class ConvPool {
  /** @param {{call: (msg: object, transfer?: Transferable[]) => Promise<object>}[]} workers */
  constructor(workers) {
    this.workers = workers;
    // Buffers handed back by release(), reused for the next call's parts and output: a new
    // 16-32 MB ArrayBuffer costs its page faults on first touch, every call.
    this.spareParts = workers.map(() => null);
    this.spareOut = null;
  }

  /**
   * Send the image (C, H, W) to every worker, each its own structured-clone copy.
   * @returns {Promise<{sendMs: number, holdMs: number, totalMs: number}[]>}
   */
  hold(x, shape) {
    return Promise.all(this.workers.map(async (w) => {
      const t0 = sharedNow();
      const r = await w.call({ op: "hold", x, shape: JSON.stringify(shape) });
      return { sendMs: r.receivedAt - t0, holdMs: r.holdMs, totalMs: sharedNow() - t0 };
    }));
  }

  /**
   * One conv over the held image, the plan's part i on worker i. `stitch: false` (a split
   * over filters only) leaves the maps in their parts: `maps` are views, `out` is null.
   * @returns {Promise<{out: Float32Array | null, maps: Float32Array[] | null,
   *   parts: Float32Array[], totalMs: number, stitchMs: number, steps: object[]}>}
   */
  async conv(plan, w, wshape, settings, { stitch = true } = {}) {
    if (plan.ranges.length > this.workers.length) {
      throw new Error(`a plan of ${plan.ranges.length} parts for ${this.workers.length} workers`);
    }
    const t0 = sharedNow();
    const whole = plan.ranges.length === 1 && partLength(plan, 0) === plan.out.reduce((a, b) => a * b, 1);
    // Each band is stitched as it comes, while the other workers still compute.
    const out = stitch && !whole ? outputBuffer(plan, this.spareOut) : null;
    if (out) this.spareOut = null;
    let stitchMs = 0;
    const replies = await Promise.all(plan.ranges.map(async (range, i) => {
      const request = JSON.stringify({ wshape, settings, split: plan.split, range });
      const spare = this.spareParts[i];
      const into = spare && spare.length === partLength(plan, i) ? spare : null;
      this.spareParts[i] = null;
      const sentAt = sharedNow();
      const r = await this.workers[i].call({ op: "part", w, request, into }, into ? [into.buffer] : []);
      const gotAt = sharedNow();
      if (out) {
        stitchPart(plan, out, i, r.part);
        stitchMs += sharedNow() - gotAt;
      }
      return { ...r, sentAt, gotAt };
    }));
    const t1 = sharedNow();
    const parts = replies.map((r) => r.part);
    const maps = !stitch && !whole ? channelViews(plan, parts) : null;
    const t2 = sharedNow();
    return {
      out: whole ? parts[0] : out, maps, parts, stitched: out !== null,
      totalMs: t2 - t0,
      stitchMs, // all of it; the last part's comes after every reply
      lastStitchMs: t1 - Math.max(...replies.map((r) => r.gotAt)),
      steps: replies.map((r) => ({
        sendMs: r.receivedAt - r.sentAt,
        computeMs: r.computeMs,
        copyMs: r.copyMs,
        replyMs: r.gotAt - r.repliedAt,
      })),
    };
  }

  /** Hand a result's buffers back for the next call (the caller no longer reads them). */
  release(result) {
    result.parts.forEach((p, i) => { this.spareParts[i] = p; });
    if (result.stitched) this.spareOut = result.out;
  }
}
