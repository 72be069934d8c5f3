// Option lists as the page's controls need them. Every list comes from pycore's `options`
// call ([{value, label, ...}]); a view that offers fewer choices names the ones it keeps,
// and a name pycore does not know is an error (never a silently missing option).
// Pure functions, no DOM.

/**
 * [value, label] pairs of an options list.
 * @param {{value: string|number, label: string}[]} list  one list of pycore's options
 * @param {object} [o]
 * @param {(string|number)[]} [o.only]  keep these values, in this order (each must be in `list`)
 * @param {(string|number)[]} [o.except]  drop these values
 * @param {(entry: object) => string} [o.label]  the text shown (default: the entry's label)
 * @returns {[string|number, string][]}
 */
export function choices(list, { only, except = [], label = (e) => e.label } = {}) {
  let entries = list;
  if (only) {
    entries = only.map((v) => {
      const e = list.find((x) => x.value === v);
      if (!e) throw new Error(`${JSON.stringify(v)} is not one of pycore's options (${list.map((x) => x.value).join(", ")})`);
      return e;
    });
  }
  return entries.filter((e) => !except.includes(e.value)).map((e) => [e.value, label(e)]);
}

/** {value: label} of an options list. */
export function labels(list) {
  return Object.fromEntries(list.map((e) => [e.value, e.label]));
}

/**
 * The whole numbers from `from` to pycore's `limit`, or only to `shown` when a control
 * deliberately offers fewer (never past the limit).
 */
export function wholeRange(from, limit, shown = limit) {
  const out = [];
  for (let n = from; n <= Math.min(limit, shown); n++) out.push(n);
  return out;
}
