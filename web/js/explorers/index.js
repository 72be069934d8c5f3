// The "Explorers" tab: small interactive lessons, each in a module of its own.
// mountExplorers builds them into the tab's root once Python is up; every number they show
// comes from pycore's explorer calls through the shared worker client (context.client), and
// every option list and limit from pycore's options (context.options).
import { el } from "../ui/dom.js";
import { explorerCard } from "./card.js";
import { mountMultiply } from "./multiply.js";
import { mountSliding } from "./sliding.js";
import { mountPooling } from "./pooling.js";
import { mountPadding } from "./padding.js";
import { mountReceptive } from "./receptive.js";
import { mountFlip } from "./flip.js";
import { mountRGB } from "./rgb.js";
import { mountParams } from "./params.js";
import { mountTransposed } from "./transposed.js";

/**
 * Every explorer, in page order. Its key is its one name: the card is section#x-KEY with
 * data-testid explorer-KEY, its runner's channel and error source are explorer-KEY, and
 * its controls' test ids start with KEY-.
 */
export const EXPLORERS = [
  { key: "multiply", title: "Multiply and sum", mount: mountMultiply },
  { key: "sliding", title: "Sliding window", mount: mountSliding },
  { key: "pooling", title: "Pooling", mount: mountPooling },
  { key: "padding", title: "Padding", mount: mountPadding },
  { key: "receptive", title: "Receptive field", mount: mountReceptive },
  { key: "flip", title: "Convolution vs cross-correlation", mount: mountFlip },
  { key: "rgb", title: "3-D filter over RGB", mount: mountRGB },
  { key: "params", title: "Parameter counts", mount: mountParams },
  { key: "transposed", title: "Transposed convolution", mount: mountTransposed },
];

/**
 * Build every explorer into `root`.
 * @param {HTMLElement} root  the [data-testid=explorers-root] element
 * @param {object} ctx  the shell's context (client, options, setError, getImage, onImage, onReady, isReady)
 */
export function mountExplorers(root, ctx) {
  if (!root) return null;
  root.replaceChildren();
  const nav = el("nav", { class: "x-toc", "aria-label": "Explorers", dataset: { testid: "explorers-toc" } });
  const list = el("ul");
  for (const { key, title } of EXPLORERS) {
    const a = el("a", { href: `#explore`, dataset: { target: `x-${key}` } }, title);
    // Scroll within the tab without changing the hash (the hash selects the tab).
    a.addEventListener("click", (ev) => {
      ev.preventDefault();
      const target = document.getElementById(`x-${key}`);
      // no smooth scrolling for those who asked for less motion
      const reduce = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches;
      target?.scrollIntoView({ behavior: reduce ? "auto" : "smooth", block: "start" });
      target?.querySelector("h2")?.focus({ preventScroll: true });
    });
    list.append(el("li", {}, a));
  }
  nav.append(el("p", { class: "hint" }, "Each explorer works on a small grid: a random one, a digit, or a crop of your image (load one in the first tab). Jump to:"), list);
  root.append(nav);
  const api = {};
  for (const { key, title, mount } of EXPLORERS) {
    try {
      api[key] = mount(explorerCard(root, key, title), ctx, key);
    } catch (e) {
      console.error(`explorer ${key} failed to mount`, e);
      ctx.setError(`explorer-${key}`, `The ${key} explorer failed to start: ${e.message}`);
    }
  }
  for (const h of root.querySelectorAll(".explorer > h2")) h.tabIndex = -1;
  // Leaving the tab takes the explorers' messages off the shared banner (they stay inside each explorer).
  window.addEventListener("hashchange", () => {
    if (location.hash.split("?")[0] === "#explore") return;
    for (const { key } of EXPLORERS) ctx.setError(`explorer-${key}`, null);
  });
  // The project's benchmark calls this through page.evaluate (see docs/explorers.md).
  window.cnnExplorers = {
    /** @see mountSliding bench: {stepsPerSecond, steps, ms, input, positions, mode, maxStepMs} */
    benchSlidingWindow: (opts) => api.sliding.bench(opts),
    explorers: api,
  };
  return api;
}
