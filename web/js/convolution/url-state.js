// The Convolution tab's settings in the address: `#convolution?stride=2&k=3x3:...:edge...`.
// Every control is written as the learner left it (the text of a number box, even one
// that does not compute, so a shared link shows the same message), when it differs from
// the page's default (a link names what was changed; the rest is the defaults, so the
// tutorial's setup is a bare "#convolution"); the image is not part of it. Reading a link never throws: what does not read is kept at the page's value and
// comes back as a problem {field, message} to show beside that control.
// Pure functions, no DOM (tested in tests/js).

export const TAB_ID = "convolution";

// setting name -> the URL parameter it is written as
const PARAMS = {
  channel: "channel", stride: "stride", dilation: "dilation", padding: "padding", paddingMode: "padding_mode",
  activation: "activation", slope: "slope", poolType: "pool", poolSize: "pool_size", poolStride: "pool_stride",
  poolPadding: "pool_padding", poolCeil: "ceil", colors: "colors",
};
const VIEW_PREFIX = "view."; // state.mapView's keys, each its own parameter

// A cell's text may hold anything typed; the three characters the format uses are escaped.
const escapeCell = (text) => text.replace(/%/g, "%25").replace(/,/g, "%2C").replace(/:/g, "%3A");
const unescapeCell = (text) => text.replace(/%2C/gi, ",").replace(/%3A/gi, ":").replace(/%25/g, "%");

/** One filter as `ROWSxCOLS:cell,cell,...:name` (the name last: it may hold any character). */
export function encodeFilter({ name, rows, cols, cells }) {
  return `${rows}x${cols}:${cells.map(escapeCell).join(",")}:${name}`;
}

/**
 * A filter back from encodeFilter's text.
 * @returns {{filter?: {name, rows, cols, cells: string[]}, error?: string}}
 */
export function decodeFilter(text, maxSide) {
  const first = text.indexOf(":");
  const second = first < 0 ? -1 : text.indexOf(":", first + 1);
  if (second < 0) return { error: "it is not written as size:cells:name" };
  const size = /^(\d{1,2})x(\d{1,2})$/.exec(text.slice(0, first));
  if (!size) return { error: `its size "${short(text.slice(0, first))}" is not rows x columns, such as 3x3` };
  const rows = Number(size[1]);
  const cols = Number(size[2]);
  if (rows < 1 || cols < 1 || rows > maxSide || cols > maxSide) {
    return { error: `its size ${rows}×${cols} is not between 1×1 and ${maxSide}×${maxSide}` };
  }
  const cells = text.slice(first + 1, second).split(",").map(unescapeCell);
  if (cells.length !== rows * cols) return { error: `it has ${cells.length} cells for a ${rows}×${cols} kernel` };
  const name = text.slice(second + 1).trim().slice(0, 40) || "filter";
  return { filter: { name, rows, cols, cells } };
}

/** A value from a link, quoted short enough for a message. */
function short(text) {
  return text.length > 24 ? `${text.slice(0, 20)}…` : text;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The hash for `settings` (what index.js's readControls gives): what differs from `defaults`
 * (the same shape), or a bare "#convolution" when nothing does.
 * @param {{filters: object[], view: object, [k: string]: any}} settings
 * @param {object} [defaults]
 * @returns {string}  "#convolution" or "#convolution?..."
 */
export function encodeSettings(settings, defaults = { view: {} }) {
  const pairs = [];
  const put = (param, v) => pairs.push(`${param}=${readable(typeof v === "boolean" ? (v ? "1" : "0") : String(v))}`);
  if (!same(settings.filters, defaults.filters)) for (const f of settings.filters) put("k", encodeFilter(f));
  for (const [key, param] of Object.entries(PARAMS)) {
    const v = settings[key];
    if (v !== undefined && v !== null && !same(v, defaults[key])) put(param, v);
  }
  for (const [key, v] of Object.entries(settings.view || {})) {
    if (!same(v, defaults.view?.[key])) put(VIEW_PREFIX + key, v);
  }
  return pairs.length ? `#${TAB_ID}?${pairs.join("&")}` : `#${TAB_ID}`;
}

// Percent-encoding, but ":", "," and "/" (legal in a fragment) stay as they are, so a
// kernel reads in the address bar: k=3x3:0,-1,0,-1,5,-1,0,-1,0:sharpen
const readable = (text) => encodeURIComponent(text).replace(/%3A/g, ":").replace(/%2C/g, ",").replace(/%2F/g, "/");

/** The query part of a hash that names this tab, or null ("#convolution?a=1" -> "a=1"). */
export function queryOf(hash) {
  const m = /^#?([^?]*)\?(.*)$/.exec(hash || "");
  if (!m || m[1] !== TAB_ID) return null;
  return m[2];
}

/**
 * Settings from a link's query. Only what the link holds is returned (the caller puts the
 * defaults under it).
 * @param {string} query  what follows "?" in the hash
 * @param {{maxSide: number, maxFilters: number, view: object}} o  view: state.mapView (its
 *   values' types say how each `view.*` parameter reads; keys it lacks are ignored)
 * @returns {{settings: object, problems: {field: string, message: string}[], image: string|null}}
 */
export function decodeSettings(query, { maxSide, maxFilters, view = {} }) {
  const q = new URLSearchParams(query);
  const settings = {};
  const problems = [];
  const ks = q.getAll("k");
  if (ks.length) {
    const filters = [];
    ks.slice(0, maxFilters).forEach((text, i) => {
      const { filter, error } = decodeFilter(text, maxSide);
      if (filter) filters.push(filter);
      else problems.push({ field: "kernels", message: `The link's filter ${i + 1} could not be read (${error}), so it was left out.` });
    });
    if (ks.length > maxFilters) {
      problems.push({ field: "kernels", message: `The link has ${ks.length} filters; at most ${maxFilters} are shown.` });
    }
    if (filters.length) settings.filters = filters;
  }
  for (const [key, param] of Object.entries(PARAMS)) {
    if (!q.has(param)) continue;
    const v = q.get(param);
    settings[key] = key === "poolCeil" ? v === "1" || v === "true" : v;
  }
  const viewOut = {};
  for (const [param, v] of q) {
    if (!param.startsWith(VIEW_PREFIX)) continue;
    const key = param.slice(VIEW_PREFIX.length);
    if (!(key in view)) continue;
    const kind = typeof view[key];
    if (kind === "boolean") viewOut[key] = v === "1" || v === "true";
    else if (kind === "number") {
      if (Number.isFinite(Number(v)) && v.trim() !== "") viewOut[key] = Number(v);
    } else viewOut[key] = v;
  }
  if (Object.keys(viewOut).length) settings.view = viewOut;
  return { settings, problems, image: q.get("image") };
}
