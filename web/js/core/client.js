// The page's side of the worker protocol (the message shape is in protocol.js). The
// worker starts with start(), which the shell calls once every view is listening.
// - call(fn, args, {image, transfer}): one request, one promise of {meta, arrays, ms}.
// - latest(channel, fn, args, {image}): for controls that fire rapidly. At most one
//   request per channel is in flight and at most one waits; a newer call replaces the
//   waiting one, and a result that was overtaken resolves as {stale: true} so it is never
//   drawn.
//
// A worker that dies is noticed and replaced (restart): its `error` or `messageerror`
// event after it was ready, a Pyodide fatal error it reports, or a call it never answers
// (the watchdog: calls are pending and the worker has answered nothing for
// CALL_TIMEOUT_MS). A restart rejects the plain call()s in flight with kind "Restart"
// (their state in the worker is gone: a training session), but keeps every latest()
// channel's job: once the new worker is ready and the shell has restored the image, the
// shell calls resume() and those jobs run again, so their promises resolve as if nothing
// had happened ("Running…" ends in a result).
import { request, resultOf } from "./protocol.js";

const startWorker = (search = "") => new Worker(new URL(`./worker.mjs${search}`, import.meta.url), { type: "module" });

const LOAD_TIMEOUT_MS = 120_000;

/**
 * The watchdog: how long the worker may go without answering while calls wait for it.
 * The longest real computations are a network_run at the builder's limit (1.5 G
 * multiply-adds) and a 16-filter 11×11 convolve of an image at its original size: tens of
 * seconds in Pyodide on a slow machine; training slices take about 50 ms. Two minutes
 * leaves room for those and still ends a hung worker. The user's own code (run_code)
 * has no watchdog: its Stop button ends it.
 */
export const CALL_TIMEOUT_MS = 120_000;
const NO_WATCHDOG = new Set(["run_code"]);

/** More restarts than this within RESTART_WINDOW_MS and the client gives up (a Retry button). */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;

/** A failed call: `kind` is Python's exception type (or Restart, WorkerLost, ...);
 * `field` the settings key of the control a bad setting came from (null: none). */
export class WorkerError extends Error {
  constructor(message, kind, field = null) {
    super(message);
    this.kind = kind;
    this.field = field;
  }
}

export class CoreClient {
  /**
   * @param {{onProgress?: Function, onReady?: Function, onLoadError?: Function, onBusy?: Function,
   *          onLost?: (reason: string) => void}} hooks  onLost: the worker stopped and a new
   *   one is starting (onReady follows when it is up)
   * @param {(search: string) => Worker} [createWorker]  makes the worker (tests pass a stand-in)
   * @param {{testHooks?: boolean}} [o]  testHooks: the worker honours its test-only calls
   */
  constructor(hooks = {}, createWorker = startWorker, { testHooks = false } = {}) {
    this.hooks = hooks;
    this.createWorker = createWorker;
    this.testHooks = testHooks;
    this.nextId = 1;
    this.pending = new Map(); // id -> {resolve, reject, fn}, in the order sent (the worker answers in turn)
    this.channels = new Map(); // channel -> {busy, waiting, generation}
    this.busyCount = 0;
    this.ready = false;
    this.holding = false; // after a restart: latest() jobs wait for resume()
    this.restarts = []; // times of recent restarts
    this.callTimeoutMs = CALL_TIMEOUT_MS;
    this.lastResults = new Map(); // with testHooks: fn -> its latest result (what the page got)
  }

  /** Start the worker (again: a restart rejects everything pending with kind "Restart"). */
  start() {
    this.restarts = [];
    this.holding = false;
    this.spawn(new WorkerError("worker restarted", "Restart"), { keepChannels: false });
  }

  /**
   * The worker stopped (or is stopped, `reason` saying why): start a new one. Plain calls
   * in flight reject with kind "Restart"; latest() jobs wait for resume(). Returns false
   * (and reports a load error instead) when the worker keeps dying: a request that kills
   * every new worker must not restart it for ever. byUser: a Stop button, not a failure.
   */
  restart(reason, { byUser = false } = {}) {
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < RESTART_WINDOW_MS);
    if (!byUser && this.restarts.length >= MAX_RESTARTS) {
      const lost = new WorkerError(`the Python worker stopped ${MAX_RESTARTS + 1} times within a minute (${reason})`, "WorkerLost");
      this.holding = false;
      this.spawn(lost, { keepChannels: false, noWorker: true }); // every job fails with this message
      this.hooks.onLoadError?.(lost.message);
      return false;
    }
    if (!byUser) this.restarts.push(now); // a Stop pressed again and again is no failure
    this.holding = true;
    this.spawn(new WorkerError(`the Python worker stopped (${reason}) and was restarted`, "Restart"), { keepChannels: true });
    this.hooks.onLost?.(reason);
    return true;
  }

  /** After a restart, once the image is back in the worker: run the channels' jobs again. */
  resume() {
    this.holding = false;
    for (const ch of this.channels.values()) this.pump(ch);
  }

  spawn(error, { keepChannels, noWorker = false }) {
    if (this.worker) {
      this.worker.onmessage = this.worker.onerror = this.worker.onmessageerror = null;
      this.worker.terminate();
    }
    this.worker = null;
    clearTimeout(this.callWatchdog);
    const pending = [...this.pending.values()];
    this.pending.clear();
    if (this.busyCount) this.hooks.onBusy?.(false);
    this.busyCount = 0;
    this.ready = false;
    if (!keepChannels) {
      for (const ch of this.channels.values()) {
        if (error.kind === "Restart") ch.generation++; // start(): what lands for the old jobs is stale
        if (ch.waiting) ch.waiting.reject(error);
        ch.waiting = null;
      }
      this.channels.clear();
    }
    for (const { reject } of pending) reject(error);
    if (noWorker) return;
    const worker = this.createWorker(this.testHooks ? "?test-hooks" : "");
    this.worker = worker;
    worker.onmessage = (ev) => this.onMessage(ev.data);
    worker.onmessageerror = () => this.restart("a message from it could not be read");
    // A load that neither finishes nor fails (a stalled download) must still end in
    // a message and a retry button.
    clearTimeout(this.loadWatchdog);
    this.loadWatchdog = setTimeout(() => {
      if (!this.ready) this.hooks.onLoadError?.(`Python did not finish loading within ${LOAD_TIMEOUT_MS / 1000} s`);
    }, LOAD_TIMEOUT_MS);
    worker.onerror = (ev) => {
      ev.preventDefault?.();
      // Before it is ready: a worker that fails to even parse or import (not loadError).
      // After: an error escaped every handler, so its state is unknown; start afresh.
      if (!this.ready) this.hooks.onLoadError?.(ev.message || "the worker script failed to start");
      else this.restart(ev.message ? `an error: ${ev.message}` : "an error");
    };
  }

  onMessage(msg) {
    if (msg.progress) return this.hooks.onProgress?.(msg.progress);
    if (msg.ready) {
      this.ready = true;
      clearTimeout(this.loadWatchdog);
      this.armWatchdog(); // calls sent while it loaded start their time now
      return this.hooks.onReady?.(msg);
    }
    if (msg.loadError) {
      clearTimeout(this.loadWatchdog);
      return this.hooks.onLoadError?.(msg.loadError);
    }
    const entry = this.pending.get(msg.id);
    if (!entry) return;
    this.pending.delete(msg.id);
    this.setBusy(-1);
    this.armWatchdog();
    if (msg.ok) {
      const result = resultOf(msg);
      if (this.testHooks) this.lastResults.set(entry.fn, result);
      entry.resolve(result);
    } else if (msg.fatal) {
      // Pyodide cannot be used again: this call failed, and the rest run on a new worker.
      entry.reject(new WorkerError(msg.error, msg.kind));
      this.restart(`Python failed: ${msg.error}`);
    } else entry.reject(new WorkerError(msg.error, msg.kind, msg.field ?? null));
  }

  setBusy(delta) {
    this.busyCount += delta;
    this.hooks.onBusy?.(this.busyCount > 0);
  }

  // The worker answers its calls in turn, so the first pending call is the one running:
  // it gets callTimeoutMs from now (from when the one before it was answered).
  armWatchdog() {
    clearTimeout(this.callWatchdog);
    if (!this.ready) return; // loading has its own watchdog
    const head = this.pending.values().next().value;
    if (!head || NO_WATCHDOG.has(head.fn)) return;
    this.callWatchdog = setTimeout(() => {
      this.restart(`${head.fn} did not answer within ${Math.round(this.callTimeoutMs / 1000)} s`);
    }, this.callTimeoutMs);
  }

  call(fn, args = {}, { image = false, transfer = [] } = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!this.worker) {
        reject(new WorkerError("Python is not running: press Retry", "WorkerLost"));
        return;
      }
      const first = this.pending.size === 0;
      this.pending.set(id, { resolve, reject, fn });
      this.setBusy(+1);
      if (first) this.armWatchdog();
      this.worker.postMessage(request(id, fn, args, image), transfer);
    });
  }

  latest(channel, fn, args = {}, { image = false } = {}) {
    let ch = this.channels.get(channel);
    if (!ch) {
      ch = { busy: false, waiting: null, generation: 0 };
      this.channels.set(channel, ch);
    }
    const generation = ++ch.generation;
    return new Promise((resolve, reject) => {
      if (ch.waiting) ch.waiting.resolve({ stale: true });
      ch.waiting = { fn, args, image, generation, resolve, reject };
      this.pump(ch);
    });
  }

  async pump(ch) {
    if (ch.busy || !ch.waiting || this.holding) return;
    const job = ch.waiting;
    ch.waiting = null;
    ch.busy = true;
    try {
      const result = await this.call(job.fn, job.args, { image: job.image });
      // Overtaken while running: the newer job will draw; this one must not.
      job.resolve(job.generation === ch.generation ? result : { stale: true });
    } catch (e) {
      if (job.generation !== ch.generation) job.resolve({ stale: true });
      else if (e.kind === "Restart" && this.holding) ch.waiting = job; // run again on the new worker
      else job.reject(e);
    } finally {
      ch.busy = false;
      this.pump(ch);
    }
  }
}
