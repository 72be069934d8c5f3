// Putting work off: to the end of this tick (coalesce), after a quiet spell (debounce),
// or to when an element changes width (onWidthChange).

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

/**
 * Call `fn` (debounced by `ms`) when `target` is first laid out and whenever its width
 * changes. Height is ignored: what a view lays out depends on the width it has, and a
 * view whose own content changes height (a readout growing on hover) must not redraw.
 */
export function onWidthChange(target, fn, ms) {
  let width = null;
  const later = debounce(fn, ms);
  const observer = new ResizeObserver((entries) => {
    const w = entries[entries.length - 1].contentRect.width;
    if (w === width) return;
    width = w;
    later();
  });
  observer.observe(target);
  return observer;
}
