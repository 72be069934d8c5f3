// Running one explorer's pycore call: the latest settings only, a bad setting's message
// beside its control (any other problem at the top of the explorer), old output marked stale.
import { el } from "../ui/dom.js";
import { showFieldError, clearFieldErrors } from "../ui/field-errors.js";
import { debounce } from "../ui/schedule.js";
import { mountPythonPanel } from "../ui/python-panel.js";
import { nonfiniteNotes } from "../ui/nonfinite.js";

const STALE_NOTE = "Not updated: see the message above. What is hatched here is from the previous settings.";
const staleNoteBeside = (name) => `Not updated: see the message at “${name}”. What is hatched here is from the previous settings.`;

/** What a control is called on screen: its aria-label, or its <label>'s own text. */
function controlName(control) {
  const own = control.getAttribute("aria-label");
  if (own) return own.split(":")[0];
  const label = control.closest("label");
  const text = label ? [...label.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join("").trim() : "";
  return text || "the controls";
}

/**
 * An error a view's own checks raise for one of its controls: `field` is the settings key,
 * as in a WorkerError from pycore, so both are shown the same way.
 */
export function fieldError(message, field) {
  const e = new Error(message);
  e.field = field;
  return e;
}

/**
 * Mark an explorer's output as out of date (its latest computation failed), or current again.
 * The note goes first in `target`; the rest is dimmed, its text (which describes the old
 * settings) hidden by explorers.css, and it leaves the keyboard and screen-reader order
 * (inert) until the next success. Without `note` (a second target) only the dimming applies.
 * @param {HTMLElement} target  e.g. the explorer's .x-stage
 * @param {boolean} stale
 * @param {{note?: boolean, testid?: string}} o
 */
export function setStale(target, stale, { note = true, testid, beside = null } = {}) {
  if (!target) return;
  let n = target.querySelector(":scope > .x-stale-note");
  if (stale && note && !n) {
    n = el("p", { class: "x-stale-note", dataset: { testid } });
    target.prepend(n);
  }
  if (n && stale) n.textContent = beside ? staleNoteBeside(beside) : STALE_NOTE;
  if (n) n.hidden = !(stale && note);
  target.classList.toggle("x-stale", stale);
  for (const c of target.children) if (c !== n) c.inert = stale;
  // a legend's numbers are the old result's, like the captions: hidden with them
  for (const legend of target.querySelectorAll(".x-legend")) legend.style.visibility = stale ? "hidden" : "";
  if (stale) target.dataset.stale = "true";
  else delete target.dataset.stale;
}

/**
 * Run one explorer's pycore call with the latest settings: stale results are dropped.
 * A failure is shown inside the explorer, its output marked out of date (see setStale):
 * a bad setting (an error whose `field` is a settings key, from pycore or from `collect`)
 * beside the control `controls(field)` returns, anything else at the top of the explorer.
 * The shared banner is for page-wide problems and never shows them. Both clear on the next
 * success.
 * @param {object} ctx  the shell's context (client, setError, getImage, onReady, isReady)
 * @param {object} o
 * @param {string} o.key  the explorer's key (explorers/index.js): its channel, its error
 *   source `explorer-KEY` and the prefix of its test ids
 * @param {string} o.fn  the pycore call
 * @param {() => object} o.collect  the call's arguments (throws to report a problem)
 * @param {(result: {meta, arrays, ms}) => void} o.onResult  draws a result
 * @param {HTMLElement} [o.host]  the explorer's card
 * @param {{needsImage: () => boolean}} [o.source]  its source picker: the call takes the image when it says so
 * @param {HTMLElement[]} [o.stale]  the output to mark out of date (default: the host's .x-stage)
 * @param {(field: string) => (HTMLElement | {control: HTMLElement, anchor?: HTMLElement} | null)} [o.controls]
 *   the control a settings key (a dotted path for nested settings, e.g. "kernel.size") came
 *   from, and where its message goes (default: after its label); null: not one of them
 */
export function makeRunner(ctx, { key: name, fn, collect, onResult, host = null, source = null, stale = null, controls = null }) {
  let lastGood = null;
  let renders = 0;
  let inline = null;
  let overflow = null; // the notes on arrays of the result that hold +∞, −∞ or NaN
  let message = null; // the explorer's current problem, or null
  const key = `explorer-${name}`;
  const title = host?.querySelector("h2")?.textContent || name;
  const targets = stale || (host ? [...host.querySelectorAll(".x-stage")] : []);
  const python = host ? mountPythonPanel(host, ctx, { view: fn, title: `the “${title}” explorer` }) : null;
  const sentence = (text) => (text ? text[0].toUpperCase() + text.slice(1) : "");
  /** Show `text` at the top of the explorer (null clears it). */
  function show(text) {
    message = text || null;
    if (host) {
      if (!inline) {
        inline = el("p", { class: "x-error", role: "status", dataset: { testid: `${name}-error` } });
        host.querySelector("h2")?.after(inline);
      }
      inline.textContent = sentence(message);
      inline.hidden = !message;
    }
  }
  /** The control (and where its message goes) for an error's settings key, or null. */
  function placeOf(field) {
    if (!field || !controls) return null;
    const found = controls(String(field));
    if (!found) return null;
    return found instanceof Element ? { control: found } : found;
  }
  // A problem with the computation: the output no longer matches the controls.
  function report(text, field = null) {
    if (host) clearFieldErrors(host);
    const place = text ? placeOf(field) : null;
    if (place) {
      show(null);
      message = text;
      showFieldError(place.control, sentence(text), { anchor: place.anchor }).dataset.field = String(field);
    } else show(text);
    const beside = place ? controlName(place.control) : null;
    targets.forEach((t, i) => setStale(t, !!text && !!lastGood, { note: i === 0, testid: `${name}-stale`, beside }));
    if (host) {
      if (text) host.dataset.failed = "true";
      else delete host.dataset.failed;
    }
  }
  // Every explorer's meta counts the cells of its arrays that are not finite (pycore's
  // nonfinite); the ones that hold any are named under the title, with pycore's sentence.
  function showNonfinite(nonfinite) {
    if (!host) return;
    const notes = nonfiniteNotes(nonfinite);
    if (!overflow) {
      overflow = el("div", { class: "x-nonfinite", dataset: { testid: `${name}-nonfinite` } });
      (inline || host.querySelector("h2"))?.after(overflow);
    }
    overflow.replaceChildren(...notes);
    overflow.hidden = notes.length === 0;
  }
  async function run() {
    if (!ctx.isReady()) return;
    let args;
    try {
      args = collect();
    } catch (e) {
      report(e.message, e.field);
      return;
    }
    if (!args) return;
    const image = !!source?.needsImage();
    if (image && !ctx.getImage()) {
      report("No image yet: load one in the “Convolution & pooling” tab, or choose a random grid as the input.", "source");
      return;
    }
    python?.update(args, { image });
    let result;
    try {
      result = await ctx.client.latest(key, fn, args, { image });
    } catch (e) {
      if (e.kind === "Restart") return;
      report(e.message, e.field);
      return;
    }
    if (result.stale) return;
    report(null);
    lastGood = result;
    onResult(result);
    showNonfinite(result.meta.nonfinite);
    if (host) {
      // For tests and the benchmark: what was computed, and how many times.
      host.dataset.args = JSON.stringify(args);
      host.dataset.renders = String(++renders);
    }
  }
  const schedule = debounce(run, 0);
  ctx.onReady(() => setTimeout(schedule, 0)); // after a worker restart too: computed again
  ctx.onWorkerLost?.(() => lastGood && targets.forEach((t) => setStale(t, true, { note: false })));
  if (ctx.isReady()) setTimeout(schedule, 0);
  /** notice(text): a message about a button press (the output stays current); cleared by the next success. */
  return { run: schedule, now: run, last: () => lastGood, notice: show, failed: () => !!message };
}
