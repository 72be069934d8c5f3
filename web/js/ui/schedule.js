// Putting work off: to the end of this tick (coalesce), after a quiet spell (debounce),
// or to when an element changes size (onResize).

/**
 * A function that runs `fn` once at the end of the current tick however often it is
 * called before then: the events of one edit cost one computation.
 */
export function coalesce(fn) {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      fn();
    });
  };
}

/** A function that runs `fn` `ms` after the last of a burst of calls (0: the next task). */
export function debounce(fn, ms = 0) {
  let t = null;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

/** Call `fn` (debounced by `ms`) whenever `target` changes size. */
export function onResize(target, fn, ms) {
  const observer = new ResizeObserver(debounce(fn, ms));
  observer.observe(target);
  return observer;
}
