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

// One banner shows the latest problem; each source clears its own when it is fixed.
const errors = new Map();
function setError(source, message) {
  errors.delete(source);
  if (message) errors.set(source, message);
  const banner = tid("error");
  const last = [...errors.values()].pop();
  banner.hidden = !last;
  banner.querySelector(".error-text").textContent = last || "";
}
document.querySelector(".error-close").addEventListener("click", () => {
  errors.clear();
  setError("", null);
});

// ----------------------------------------------------------------------------- worker and views

const readyListeners = [];
const client = new CoreClient({ onProgress: showStage, onReady, onLoadError, onBusy });
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
  isReady: () => client.ready && statusEl.dataset.state !== "loading",
};

const convolution = mountConvolution(document.getElementById("convolution"), context);
const tabs = wireTabs(document.querySelector(".tabs"));
const builder = mountBuilder(tid("builder-root"), context); // it starts on ready, with context.options
// The Train tab hands a trained network (train_export's result) to the Build tab.
// (Object.create: the view sees the context's later fields, options, as they are set.)
mountTrain(tid("train-root"), Object.assign(Object.create(context), {
  openInBuilder: (model) => {
    builder?.showTrained(model);
    history.pushState(null, "", "#build");
    tabs.show("build", { focus: true });
  },
}));
client.start(); // last: every view is listening before the worker can answer

let explorersMounted = false;

async function onReady() {
  for (const li of tid("stages").children) li.classList.add("done");
  try {
    context.options ??= (await client.call("options")).meta;
    tid("version").textContent = `pycore ${context.options.version}.`;
    await convolution.start(context.options);
    if (!explorersMounted) {
      explorersMounted = true;
      mountExplorers(tid("explorers-root"), context);
    }
    setState("ready", "Ready");
    tid("retry").hidden = true;
    for (const fn of readyListeners) fn();
    await image.resend();
  } catch (e) {
    setState("error", "Python loaded, but its options or kernel library did not");
    setError("load", e.message);
  }
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
