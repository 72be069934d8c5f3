// Running one explorer's pycore call: the latest settings only, errors shown inside the
// explorer (and on the shared banner while the tab is on screen), old output marked stale.
import { el } from "../ui/dom.js";
import { debounce } from "../ui/schedule.js";
import { mountPythonPanel } from "../ui/python-panel.js";
import { nonfiniteNotes } from "../ui/nonfinite.js";

const STALE_NOTE = "Not updated: see the message above. What is dimmed here is for the previous settings.";

/**
 * Mark an explorer's output as out of date (its latest computation failed), or current again.
 * The note goes first in `target`; the rest is dimmed, its text (which describes the old
 * settings) hidden by explorers.css, and it leaves the keyboard and screen-reader order
 * (inert) until the next success. Without `note` (a second target) only the dimming applies.
 * @param {HTMLElement} target  e.g. the explorer's .x-stage
 * @param {boolean} stale
 * @param {{note?: boolean, testid?: string}} o
 */
export function setStale(target, stale, { note = true, testid } = {}) {
  if (!target) return;
  let n = target.querySelector(":scope > .x-stale-note");
  if (stale && note && !n) {
    n = el("p", { class: "x-stale-note", dataset: { testid } }, STALE_NOTE);
    target.prepend(n);
  }
  if (n) n.hidden = !(stale && note);
  target.classList.toggle("x-stale", stale);
  for (const c of target.children) if (c !== n) c.inert = stale;
  if (stale) target.dataset.stale = "true";
  else delete target.dataset.stale;
}

/**
 * Run one explorer's pycore call with the latest settings: stale results are dropped.
 * A failure is shown inside the explorer (above its output, which is marked out of date,
 * see setStale) and mirrored on the shared banner, prefixed with the explorer's title,
 * only while the Explorers tab is on screen; both clear on the next success.
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
 */
export function makeRunner(ctx, { key: name, fn, collect, onResult, host = null, source = null, stale = null }) {
  let lastGood = null;
  let renders = 0;
  let inline = null;
  let overflow = null; // the notes on arrays of the result that hold +∞, −∞ or NaN
  let message = null; // the explorer's current problem, or null
  const key = `explorer-${name}`;
  const title = host?.querySelector("h2")?.textContent || name;
  const targets = stale || (host ? [...host.querySelectorAll(".x-stage")] : []);
  const python = host ? mountPythonPanel(host, ctx, { view: fn, title: `the “${title}” explorer` }) : null;
  const onScreen = () => {
    const panel = host?.closest('[role="tabpanel"]');
    return !(panel && panel.hidden);
  };
  // the banner: only while the Explorers tab is on screen, and named
  const mirror = () => ctx.setError(key, message && onScreen() ? `${title}: ${message}` : null);
  function show(text) {
    message = text || null;
    if (host) {
      if (!inline) {
        inline = el("p", { class: "x-error", role: "status", dataset: { testid: `${name}-error` } });
        host.querySelector("h2")?.after(inline);
      }
      inline.textContent = message ? message[0].toUpperCase() + message.slice(1) : "";
      inline.hidden = !message;
    }
    mirror();
  }
  // A problem with the computation: the output no longer matches the controls.
  function report(text) {
    show(text);
    targets.forEach((t, i) => setStale(t, !!text && !!lastGood, { note: i === 0, testid: `${name}-stale` }));
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
  // Leaving the tab takes the message off the banner; coming back puts it there again.
  // (The tabs switch with history.pushState, which fires no hashchange: watch the panel.)
  const panel = host?.closest('[role="tabpanel"]');
  if (panel) new MutationObserver(() => message && mirror()).observe(panel, { attributes: true, attributeFilter: ["hidden"] });
  async function run() {
    if (!ctx.isReady()) return;
    let args;
    try {
      args = collect();
    } catch (e) {
      report(e.message);
      return;
    }
    if (!args) return;
    const image = !!source?.needsImage();
    if (image && !ctx.getImage()) {
      report("No image yet: load one in the “Convolution & pooling” tab, or choose a random grid as the input.");
      return;
    }
    python?.update(args, { image });
    let result;
    try {
      result = await ctx.client.latest(key, fn, args, { image });
    } catch (e) {
      if (e.kind === "Restart") return;
      report(e.message);
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
