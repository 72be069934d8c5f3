// A dead worker (core/client.js): noticed by its error and messageerror events, by a
// Pyodide fatal error it reports, and by the watchdog; replaced by a new worker that redoes
// every latest() channel's job once the shell calls resume().
import test from "node:test";
import assert from "node:assert/strict";
import { CoreClient } from "../../web/js/core/client.js";

class FakeWorker {
  constructor(search) {
    this.search = search;
    this.sent = [];
    this.terminated = false;
  }
  postMessage(msg) {
    this.sent.push(msg);
  }
  terminate() {
    this.terminated = true;
  }
  reply(data) {
    this.onmessage({ data });
  }
  answer(i, meta = {}) {
    this.reply({ id: this.sent[i].id, ok: true, meta, arrays: {}, ms: 1 });
  }
}

function started(hooks = {}, o = {}) {
  const workers = [];
  const lost = [];
  const client = new CoreClient({ onLost: (r) => lost.push(r), ...hooks }, (search) => {
    const w = new FakeWorker(search);
    workers.push(w);
    return w;
  }, o);
  client.start();
  workers[0].reply({ ready: true });
  return { client, workers, lost };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

test("an error event after ready restarts the worker and redoes the channel's job", async () => {
  const { client, workers, lost } = started();
  const busy = [];
  client.hooks.onBusy = (b) => busy.push(b);
  const p = client.latest("conv", "convolve", { n: 1 }, { image: true });
  assert.equal(workers[0].sent.length, 1);
  workers[0].onerror({ message: "boom", preventDefault() {} });
  assert.equal(workers[0].terminated, true);
  assert.equal(workers.length, 2);
  assert.deepEqual(lost, ["an error: boom"]);
  assert.equal(client.ready, false);
  assert.equal(busy.at(-1), false); // the status does not stay "Computing…"
  await tick();
  workers[1].reply({ ready: true });
  await tick();
  assert.equal(workers[1].sent.length, 0); // held until the shell has restored the image
  client.call("set_image", {});
  workers[1].answer(0);
  client.resume();
  assert.equal(workers[1].sent.length, 2);
  assert.deepEqual(workers[1].sent[1], { id: workers[1].sent[1].id, fn: "convolve", args: { n: 1 }, image: true });
  workers[1].answer(1, { n: 1 });
  assert.deepEqual((await p).meta, { n: 1 }); // the original promise: "Running…" ends in a result
});

test("a restart rejects plain calls as Restart, and a newer job replaces the held one", async () => {
  const { client, workers } = started();
  const step = client.call("train_step", {});
  const old = client.latest("conv", "convolve", { n: 1 });
  workers[0].onmessageerror({});
  await assert.rejects(step, { kind: "Restart" });
  workers[1].reply({ ready: true });
  const newer = client.latest("conv", "convolve", { n: 2 });
  await tick();
  client.resume();
  assert.deepEqual(await old, { stale: true });
  assert.equal(workers[1].sent.length, 1);
  assert.deepEqual(workers[1].sent[0].args, { n: 2 });
  workers[1].answer(0, { n: 2 });
  assert.deepEqual((await newer).meta, { n: 2 });
});

test("the watchdog restarts a worker that does not answer, timed from the call in turn", async () => {
  const { client, workers, lost } = started();
  client.callTimeoutMs = 40;
  client.call("a", {}).catch(() => {});
  client.call("b", {}).catch(() => {});
  await new Promise((r) => setTimeout(r, 25));
  workers[0].answer(0); // a answered: b gets its own 40 ms from now
  await new Promise((r) => setTimeout(r, 25));
  assert.equal(workers.length, 1);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(workers.length, 2);
  assert.deepEqual(lost, ["b did not answer within 0 s"]);
  workers[1].reply({ ready: true });
});

test("the user's own code has no watchdog (its Stop button ends it)", async () => {
  const { client, workers } = started();
  client.callTimeoutMs = 10;
  client.call("run_code", {}).catch(() => {});
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(workers.length, 1);
  client.restart("stopped by you", { byUser: true });
  assert.equal(workers.length, 2);
  workers[1].reply({ ready: true });
});

test("no watchdog while the new worker loads", async () => {
  const { client, workers } = started();
  client.callTimeoutMs = 10;
  client.restart("test");
  client.call("options", {}).catch(() => {});
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(workers.length, 2); // still loading: the load has its own watchdog
  workers[1].reply({ ready: true });
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(workers.length, 3); // ready, and options never answered
  workers[2].reply({ ready: true });
});

test("a fatal error from Pyodide fails that call and restarts", async () => {
  const { client, workers, lost } = started();
  const p = client.call("convolve", {});
  workers[0].reply({ id: workers[0].sent[0].id, ok: false, error: "memory access out of bounds", kind: "RuntimeError", fatal: true });
  await assert.rejects(p, { message: "memory access out of bounds" });
  assert.deepEqual(lost, ["Python failed: memory access out of bounds"]);
  workers[1].reply({ ready: true });
});

test("a worker that keeps dying is given up on, with a message, and channels fail", async () => {
  const errors = [];
  const { client, workers } = started({ onLoadError: (m) => errors.push(m) });
  const p = client.latest("conv", "convolve", {});
  for (let i = 0; i < 3; i++) {
    assert.equal(client.restart("crash"), true);
    workers.at(-1).reply({ ready: true });
    await tick();
    client.resume(); // the job runs again, and the worker dies again
  }
  assert.equal(client.restart("crash"), false);
  assert.equal(workers.length, 4); // no fifth
  assert.match(errors[0], /stopped 4 times within a minute \(crash\)/);
  await assert.rejects(p, { kind: "WorkerLost" });
  await assert.rejects(client.call("library"), { kind: "WorkerLost" });
});

test("test hooks reach the worker only when asked for", () => {
  assert.equal(started().workers[0].search, "");
  assert.equal(started({}, { testHooks: true }).workers[0].search, "?test-hooks");
});
