// The app shell: the loading status, the error banner and the tabs. It owns the one
// worker client and the one current image (shell/image.js) and hands them to each view
// (convolution/, explorers/, builder/, train/) in a context; views never import each other, and
// what one needs of another reaches it through a callback passed in here. When Python is
// up it asks pycore for its `options` once: every option list and limit a view shows comes
// from there (context.options), so the explorers are mounted only then.
import { CoreClient } from "./core/client.js";
import { tid } from "./ui/dom.js";
import { wireTabs } from "./ui/tabs.js";
import { createImageStore } from "./shell/image.js";
import { wireCamera } from "./shell/camera.js";
import { registerOffline } from "./shell/offline.js";
import { mountConvolution } from "./convolution/index.js";
import { mountExplorers } from "./explorers/index.js";
import { mountBuilder } from "./builder/index.js";
import { mountTrain } from "./train/index.js";

// ----------------------------------------------------------------------------- status

const statusEl = tid("status");
const STAGE_LABELS = { runtime: "Python runtime", numpy: "numpy", pycore: "pycore" };

function setState(state, text) {
  statusEl.dataset.state = state;
  if (text) tid("status-text").textContent = text;
}

function showStage({ stage, detail, bytes }) {
  const list = tid("stages");
  for (const li of list.children) li.classList.add("done");
  const li = document.createElement("li");
  const size = bytes ? ` (${(bytes / 1048576).toFixed(1)} MB)` : "";
  li.textContent = `${STAGE_LABELS[stage] || detail}${size}`;
  list.append(li);
  setState("loading", `Loading ${STAGE_LABELS[stage] || detail}${size}…`);
}

// ----------------------------------------------------------------------------- errors

// One banner shows the latest problem; each source clears its own when it is fixed. A
// view's messages belong to its tab (panel): they show only while that tab is shown, so a
// problem on one tab never sits over another. Page-wide ones (loading, the image, the
// worker) have no panel and always show.
const errors = new Map(); // source -> {message, panel}
let shownPanel = null;
function renderBanner() {
  const banner = tid("error");
  const last = [...errors.values()].filter((e) => e.panel === null || e.panel === shownPanel).pop();
  banner.hidden = !last;
  banner.querySelector(".error-text").textContent = last?.message || "";
}
function setError(source, message, panel = null) {
  errors.delete(source);
  if (message) errors.set(source, { message, panel });
  renderBanner();
}
/** The setError a view gets: its messages are tied to its tab's panel. */
const panelErrors = (panel) => (source, message) => setError(`${panel}:${source}`, message, panel);
document.querySelector(".error-close").addEventListener("click", () => {
  errors.clear();
  renderBanner();
});

// ----------------------------------------------------------------------------- worker and views

const readyListeners = [];
const lostListeners = [];
const restoredListeners = [];
// ?test-hooks in the address: window.__cnnTest (below) and the worker's test-only calls.
const TEST_HOOKS = new URLSearchParams(location.search).has("test-hooks");
const client = new CoreClient({ onProgress: showStage, onReady, onLoadError, onBusy, onLost }, undefined, { testHooks: TEST_HOOKS });
const image = createImageStore({ client, setError, sampleURL: new URL("../assets/sample-cat.jpg", import.meta.url).href });

// What every view gets: the one worker client, the current image, the shared error banner,
// and pycore's option lists and limits (null until Python is up).
const context = {
  options: null,
  client,
  setError,
  image,
  getImage: image.get,
  onImage: image.onChange,
  loadFile: image.load,
  loadSample: image.loadSample,
  onReady: (fn) => readyListeners.push(fn),
  /** fn() when the worker has stopped and a new one is starting: mark what is on screen out of date. */
  onWorkerLost: (fn) => lostListeners.push(fn),
  /** fn() when the new worker has the image again (the channels' requests are being redone). */
  onRestored: (fn) => restoredListeners.push(fn),
  /** Stop whatever the worker runs (a runaway cell): a new worker, the image and settings restored. */
  stopWorker: (why) => client.restart(why, { byUser: true }),
  isReady: () => client.ready && statusEl.dataset.state !== "loading",
};

// A view's own context: the shared one (Object.create: it sees later fields, options, as
// they are set) with a setError tied to the view's tab.
const viewContext = (panel, extra = {}) => Object.assign(Object.create(context), { setError: panelErrors(panel) }, extra);

const convolution = mountConvolution(document.getElementById("convolution"), viewContext("convolution"));
// The camera's frames are the image only while the Convolution tab, which draws them, is shown.
const camera = wireCamera({ root: document.getElementById("convolution"), image, client, isReady: context.isReady });
const tabs = wireTabs(document.querySelector(".tabs"), (panel) => {
  shownPanel = panel;
  renderBanner();
  if (panel !== "convolution") camera.stop("tab");
});
const builder = mountBuilder(tid("builder-root"), viewContext("build")); // it starts on ready, with context.options
// The Train tab hands a trained network (train_export's result) to the Build tab.
mountTrain(tid("train-root"), viewContext("train", {
  openInBuilder: (model) => {
    builder?.showTrained(model);
    history.pushState(null, "", "#build");
    tabs.show("build", { focus: true });
  },
}));
client.start(); // last: every view is listening before the worker can answer

let explorersMounted = false;
let lostReason = null; // why the worker was restarted, until the new one has the image

async function onReady() {
  for (const li of tid("stages").children) li.classList.add("done");
  try {
    context.options ??= (await client.call("options")).meta;
    tid("version").textContent = `pycore ${context.options.version}.`;
    await convolution.start(context.options);
    if (!explorersMounted) {
      explorersMounted = true;
      mountExplorers(tid("explorers-root"), viewContext("explore"));
    }
  } catch (e) {
    setState("error", "Python loaded, but its options or kernel library did not");
    setError("load", e.message);
    return;
  }
  // The image first: what the views ask for next may need it.
  try {
    await image.resend();
  } catch (e) {
    setError("image", e.message);
  }
  setState("ready", "Ready");
  tid("retry").hidden = true;
  registerOffline(); // after the first start, never competing with it
  for (const fn of readyListeners) fn();
  if (lostReason !== null) {
    client.resume(); // the requests the old worker never answered
    for (const fn of restoredListeners) fn();
    setError("worker", `The Python worker stopped (${lostReason}); it was restarted and your image and settings restored.`);
    lostReason = null;
  }
}

// The worker died (or a Stop ended it) and a new one is loading: say so until it is up.
function onLost(reason) {
  lostReason = reason;
  setError("worker", `The Python worker stopped (${reason}); restarting it…`);
  clearTimeout(readyTimer);
  tid("stages").replaceChildren();
  setState("loading", "Restarting Python…");
  for (const fn of lostListeners) fn(reason);
}

function onLoadError(message) {
  setState("error", "Python failed to load");
  setError("load", `Loading failed: ${message}. Check that the page's files are all served, then retry.`);
  tid("retry").hidden = false;
}

// The status is a live region: while the Train tab runs slice after slice, the worker is
// idle only between two calls, so "ready" waits a moment and the text changes only when
// the state does (no flicker, nothing announced for each slice).
let readyTimer = null;
function onBusy(busy) {
  if (statusEl.dataset.state === "loading" || statusEl.dataset.state === "error") return;
  clearTimeout(readyTimer);
  if (busy) {
    if (statusEl.dataset.state !== "busy") setState("busy", "Computing…");
  } else {
    readyTimer = setTimeout(() => {
      if (statusEl.dataset.state === "busy") setState("ready", "Ready");
    }, 30);
  }
}

tid("retry").addEventListener("click", () => {
  tid("stages").replaceChildren();
  setError("load", null);
  setState("loading", "Loading Python…");
  tid("retry").hidden = true;
  client.start();
});

// For the end-to-end tests (only with ?test-hooks in the address): end the worker behind
// the client's back, make it throw where nothing catches, make it hang, make the next
// result's copy run out of memory; shorten the watchdog; read what a page call returned.
if (TEST_HOOKS) {
  window.__cnnTest = {
    killWorker: () => client.worker.terminate(),
    crashWorker: () => client.call("__test_crash").catch(() => {}),
    hangWorker: () => client.call("__test_hang").catch(() => {}),
    failNextCopy: () => client.call("__test_fail_next_copy"),
    setCallTimeout: (ms) => (client.callTimeoutMs = ms),
    /** The latest result of page call `fn`: {meta, arrays: {name: number[]}} (only the names asked for). */
    lastResult: (fn, names = []) => {
      const r = client.lastResults.get(fn);
      return r && { meta: r.meta, arrays: Object.fromEntries(names.filter((n) => r.arrays[n]).map((n) => [n, Array.from(r.arrays[n])])) };
    },
  };
}
