// The worker message shape and the one way views read result arrays (core/protocol.js),
// and the client's request bookkeeping (core/client.js) with a stand-in worker.
import test from "node:test";
import assert from "node:assert/strict";
import { request, resultOf } from "../../web/js/core/protocol.js";
import { CoreClient } from "../../web/js/core/client.js";

// named arrays as the worker sends them: {name: Float32Array([i])}
const arrays = (...names) => Object.fromEntries(names.map((n, i) => [n, new Float32Array([i])]));

test("a request carries the image flag beside the arguments, not inside them", () => {
  assert.deepEqual(request(7, "convolve", { stride: 2 }, true), { id: 7, fn: "convolve", args: { stride: 2 }, image: true });
  assert.deepEqual(request(8, "library"), { id: 8, fn: "library", args: {}, image: false });
});

test("a result carries the worker's named arrays as they came, and meta's references are names", () => {
  const sent = arrays("input", "windows", "values", "rows", "cols", "argmax", "coverage", "counts", "output");
  const r = resultOf({ id: 3, ok: true, meta: { positions: 4 }, arrays: sent, ms: 1.5 });
  assert.deepEqual(r.meta, { positions: 4 });
  assert.equal(r.ms, 1.5);
  assert.equal(r.arrays, sent); // not copied, not renamed
  assert.equal(r.arrays.argmax[0], 5);
  assert.equal(r.arrays.output[0], 8);
  const lib = resultOf({ meta: { kernels: [{ name: "edge", array: "edge" }] }, arrays: arrays("edge"), ms: 0 });
  assert.equal(lib.arrays[lib.meta.kernels[0].array][0], 0);
  assert.deepEqual(resultOf({ meta: {}, ms: 0 }).arrays, {}); // meta-only calls (options)
});

class FakeWorker {
  constructor() {
    this.sent = [];
    this.terminated = false;
  }
  postMessage(msg, transfer) {
    this.sent.push({ msg, transfer });
  }
  terminate() {
    this.terminated = true;
  }
  /** the worker's side: a message to the page */
  reply(data) {
    this.onmessage({ data });
  }
}

function startedClient(hooks = {}) {
  const workers = [];
  const client = new CoreClient(hooks, () => {
    const w = new FakeWorker();
    workers.push(w);
    return w;
  });
  client.start();
  workers[0].reply({ ready: true, version: "x" }); // also stops the load watchdog
  return { client, workers };
}

test("the client starts nothing until start(), then reports progress and readiness", () => {
  let made = 0;
  const seen = [];
  const client = new CoreClient({ onProgress: (p) => seen.push(p.stage), onReady: (m) => seen.push(`ready ${m.version}`) }, () => {
    made++;
    return new FakeWorker();
  });
  assert.equal(made, 0);
  assert.equal(client.ready, false);
  client.start();
  assert.equal(made, 1);
  client.worker.reply({ progress: { stage: "numpy" } });
  client.worker.reply({ ready: true, version: "0.1" });
  assert.equal(client.ready, true);
  assert.deepEqual(seen, ["numpy", "ready 0.1"]);
});

test("call sends one request and resolves with named arrays", async () => {
  const busy = [];
  const { client, workers } = startedClient({ onBusy: (b) => busy.push(b) });
  const rgba = new Uint8ClampedArray(4);
  const p = client.call("window_steps", { size: 3 }, { image: true, transfer: [rgba.buffer] });
  const { msg, transfer } = workers[0].sent[0];
  assert.deepEqual(msg, { id: msg.id, fn: "window_steps", args: { size: 3 }, image: true });
  assert.deepEqual(transfer, [rgba.buffer]);
  const sent = arrays("input", "padded", "kernel", "windows", "products", "sums", "z", "outputs", "rows", "cols");
  workers[0].reply({ id: msg.id, ok: true, meta: { positions: 1 }, arrays: sent, ms: 2 });
  const r = await p;
  assert.equal(r.arrays.outputs, sent.outputs);
  assert.equal(r.arrays.outputs[0], 7);
  assert.deepEqual(busy, [true, false]);
});

test("a failed call rejects with the worker's message and kind", async () => {
  const { client, workers } = startedClient();
  const p = client.call("convolve", {});
  workers[0].reply({ id: workers[0].sent[0].msg.id, ok: false, error: "stride must be at least 1", kind: "ValueError" });
  await assert.rejects(p, { message: "stride must be at least 1", kind: "ValueError" });
});

test("latest: one request in flight per channel, overtaken results come back stale", async () => {
  const { client, workers } = startedClient();
  const w = workers[0];
  const p1 = client.latest("conv", "convolve", { n: 1 });
  const p2 = client.latest("conv", "convolve", { n: 2 });
  const p3 = client.latest("conv", "convolve", { n: 3 }, { image: true });
  assert.deepEqual(await p2, { stale: true }); // replaced while waiting: never sent
  assert.equal(w.sent.length, 1);
  assert.deepEqual(w.sent[0].msg.args, { n: 1 });
  w.reply({ id: w.sent[0].msg.id, ok: true, meta: { n: 1 }, arrays: {}, ms: 1 });
  assert.deepEqual(await p1, { stale: true }); // overtaken while running: must not be drawn
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(w.sent.length, 2);
  assert.deepEqual(w.sent[1].msg.args, { n: 3 });
  assert.equal(w.sent[1].msg.image, true);
  w.reply({ id: w.sent[1].msg.id, ok: true, meta: { n: 3 }, arrays: {}, ms: 1 });
  assert.deepEqual((await p3).meta, { n: 3 });
  // other channels do not wait for this one
  const q = client.latest("other", "library", {});
  assert.equal(w.sent.length, 3);
  w.reply({ id: w.sent[2].msg.id, ok: true, meta: {}, arrays: {}, ms: 1 });
  assert.deepEqual((await q).meta, {});
});

test("a restart rejects what was pending as a Restart", async () => {
  const { client, workers } = startedClient();
  const p = client.call("convolve", {});
  client.start();
  await assert.rejects(p, { kind: "Restart" });
  assert.equal(workers[0].terminated, true);
  assert.equal(client.ready, false);
  workers[1].reply({ ready: true }); // stops the new worker's load watchdog
});
