// The page's side of the worker protocol (the message shape is in protocol.js). The
// worker starts with start(), which the shell calls once every view is listening.
// - call(fn, args, {image, transfer}): one request, one promise of {meta, arrays, ms}.
// - latest(channel, fn, args, {image}): for controls that fire rapidly. At most one
//   request per channel is in flight and at most one waits; a newer call replaces the
//   waiting one, and a result that was overtaken resolves as {stale: true} so it is never
//   drawn.
import { request, resultOf } from "./protocol.js";

const startWorker = () => new Worker(new URL("./worker.mjs", import.meta.url), { type: "module" });

const LOAD_TIMEOUT_MS = 120_000;

export class WorkerError extends Error {
  constructor(message, kind) {
    super(message);
    this.kind = kind;
  }
}

export class CoreClient {
  /**
   * @param {{onProgress?: Function, onReady?: Function, onLoadError?: Function, onBusy?: Function}} hooks
   * @param {() => Worker} [createWorker]  makes the worker (tests pass a stand-in)
   */
  constructor(hooks = {}, createWorker = startWorker) {
    this.hooks = hooks;
    this.createWorker = createWorker;
    this.nextId = 1;
    this.pending = new Map(); // id -> {resolve, reject}
    this.channels = new Map(); // channel -> {busy, waiting, generation}
    this.busyCount = 0;
    this.ready = false;
  }

  /** Start the worker (again: a restart rejects what was pending with kind "Restart"). */
  start() {
    if (this.worker) this.worker.terminate();
    for (const { reject } of this.pending.values()) reject(new WorkerError("worker restarted", "Restart"));
    this.pending.clear();
    this.channels.clear();
    this.busyCount = 0;
    this.ready = false;
    this.worker = this.createWorker();
    this.worker.onmessage = (ev) => this.onMessage(ev.data);
    // A load that neither finishes nor fails (a stalled download) must still end in
    // a message and a retry button.
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      if (!this.ready) this.hooks.onLoadError?.(`Python did not finish loading within ${LOAD_TIMEOUT_MS / 1000} s`);
    }, LOAD_TIMEOUT_MS);
    this.worker.onerror = (ev) => {
      // A worker that fails to even parse or import lands here, not in loadError.
      ev.preventDefault?.();
      this.hooks.onLoadError?.(ev.message || "the worker script failed to start");
    };
  }

  onMessage(msg) {
    if (msg.progress) return this.hooks.onProgress?.(msg.progress);
    if (msg.ready) {
      this.ready = true;
      clearTimeout(this.watchdog);
      return this.hooks.onReady?.(msg);
    }
    if (msg.loadError) {
      clearTimeout(this.watchdog);
      return this.hooks.onLoadError?.(msg.loadError);
    }
    const entry = this.pending.get(msg.id);
    if (!entry) return;
    this.pending.delete(msg.id);
    this.setBusy(-1);
    if (msg.ok) entry.resolve(resultOf(msg));
    else entry.reject(new WorkerError(msg.error, msg.kind));
  }

  setBusy(delta) {
    this.busyCount += delta;
    this.hooks.onBusy?.(this.busyCount > 0);
  }

  call(fn, args = {}, { image = false, transfer = [] } = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.setBusy(+1);
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
    if (ch.busy || !ch.waiting) return;
    const job = ch.waiting;
    ch.waiting = null;
    ch.busy = true;
    try {
      const result = await this.call(job.fn, job.args, { image: job.image });
      // Overtaken while running: the newer job will draw; this one must not.
      job.resolve(job.generation === ch.generation ? result : { stale: true });
    } catch (e) {
      if (job.generation === ch.generation) job.reject(e);
      else job.resolve({ stale: true });
    } finally {
      ch.busy = false;
      this.pump(ch);
    }
  }
}
