// The "Explorers" tab: small interactive lessons, each in a module of its own.
// mountExplorers builds them into the tab's root; every number they show comes from
// pycore.explain through the shared worker client (appContext.client).
import { el } from "./common.js";
import { mountMultiply } from "./multiply.js";
import { mountSliding } from "./sliding.js";
import { mountPooling } from "./pooling.js";
import { mountPadding } from "./padding.js";
import { mountReceptive, wireConvPanelHover } from "./receptive.js";
import { mountFlip } from "./flip.js";
import { mountRGB } from "./rgb.js";
import { mountParams } from "./params.js";

const EXPLORERS = [
  ["x-multiply", "Multiply and sum", mountMultiply],
  ["x-sliding", "Sliding window", mountSliding],
  ["x-pooling", "Pooling", mountPooling],
  ["x-padding", "Padding", mountPadding],
  ["x-receptive", "Receptive field", mountReceptive],
  ["x-flip", "Convolution vs cross-correlation", mountFlip],
  ["x-rgb", "3-D filter over RGB", mountRGB],
  ["x-params", "Parameter counts", mountParams],
];

/**
 * Build every explorer into `root`.
 * @param {HTMLElement} root  the [data-testid=explorers-root] element
 * @param {object} appContext  main.js's shared context (client, setError, getImage, onImage, onReady, isReady)
 */
export function mountExplorers(root, appContext) {
  if (!root) return null;
  root.replaceChildren();
  const nav = el("nav", { class: "x-toc", "aria-label": "Explorers", dataset: { testid: "explorers-toc" } });
  const list = el("ul");
  for (const [id, title] of EXPLORERS) {
    const a = el("a", { href: `#explore`, dataset: { target: id } }, title);
    // Scroll within the tab without changing the hash (the hash selects the tab).
    a.addEventListener("click", (ev) => {
      ev.preventDefault();
      const target = document.getElementById(id);
      target?.scrollIntoView({ behavior: "smooth", block: "start" });
      target?.querySelector("h2")?.focus({ preventScroll: true });
    });
    list.append(el("li", {}, a));
  }
  nav.append(el("p", { class: "hint" }, "Each explorer works on a small grid: a random one, a digit, or a crop of your image (load one in the first tab). Jump to:"), list);
  root.append(nav);
  const api = {};
  for (const [id, , mount] of EXPLORERS) {
    try {
      api[id.slice(2)] = mount(root, appContext);
    } catch (e) {
      console.error(`explorer ${id} failed to mount`, e);
      appContext.setError(`explorer-${id}`, `The ${id.slice(2)} explorer failed to start: ${e.message}`);
    }
  }
  for (const h of root.querySelectorAll(".explorer > h2")) h.tabIndex = -1;
  // Leaving the tab takes the explorers' messages off the shared banner (they stay inside each explorer).
  window.addEventListener("hashchange", () => {
    if (location.hash.split("?")[0] === "#explore") return;
    for (const n of ["mul", "sliding", "xpool", "xpad", "rf", "flip", "rgb", "params"]) appContext.setError(`explorer-${n}`, null);
  });
  try {
    wireConvPanelHover(appContext);
  } catch (e) {
    console.error("receptive field on the convolution panel", e);
  }
  // The project's benchmark calls this through page.evaluate (see docs/explorers.md).
  window.cnnExplorers = {
    /** @see mountSliding bench: {stepsPerSecond, steps, ms, input, positions, mode, maxStepMs} */
    benchSlidingWindow: (opts) => api.sliding.bench(opts),
    explorers: api,
  };
  return api;
}
