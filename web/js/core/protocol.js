// The one message shape between the page (client.js) and the worker (worker.mjs).
//
//   request   {id, fn, args, image}   fn: a function of pycore's page interface; args: a
//                                     plain object; image: true passes the worker's current
//                                     image (3, H, W) as the first argument, else none
//             set_image is the worker's own call: args {rgba, width, height}
//   response  {id, ok: true, meta, arrays, ms} | {id, ok: false, error, kind}
//   loading   {progress: {stage, detail, bytes}}, then {ready: true, version} or {loadError}
//
// A result reaches a view as {meta, arrays, ms}, and a view reads an array only as
// `result.arrays[name]`: a name listed below, or the reference meta holds (e.g.
// `arrays[meta.products]`, `arrays[k.array]`). Today's pycore.api returns a positional
// list, so namedArrays() files each array under its position and, for the calls listed in
// ARRAY_NAMES, under its name too. When pycore returns a dict of named arrays (and meta
// refers to them by name), namedArrays() becomes the identity and ARRAY_NAMES goes: no view
// changes.

/** The names of each call's arrays, in the order pycore.api returns them. */
export const ARRAY_NAMES = {
  multiply_sum: ["a", "b", "products"],
  window_steps: ["input", "padded", "kernel", "windows", "products", "sums", "z", "outputs", "rows", "cols"],
  pool_steps: ["input", "windows", "values", "rows", "cols", "argmax", "coverage", "counts", "output"],
  flip_compare: ["input", "kernel", "flipped", "cross", "conv", "diff"],
  rgb_filter: ["input", "weights", "partial", "z", "output", "windows", "products"],
  padded_view: ["input"], // the padded copies are referred to from meta
  receptive_field: ["input"], // the layer maps and boxes are referred to from meta
};

/** A request message. */
export function request(id, fn, args = {}, image = false) {
  return { id, fn, args, image: !!image };
}

/**
 * The arrays of one response, readable by name or by the reference meta holds.
 * @param {string} fn  the call they answer
 * @param {Float32Array[]} list  as the worker sent them
 * @returns {Object<string, Float32Array>}
 */
export function namedArrays(fn, list) {
  const out = {};
  list.forEach((a, i) => {
    out[i] = a;
  });
  (ARRAY_NAMES[fn] || []).forEach((name, i) => {
    if (i < list.length) out[name] = list[i];
  });
  return out;
}

/** The result a view gets from a response: {meta, arrays, ms}. */
export function resultOf(fn, msg) {
  return { meta: msg.meta, arrays: namedArrays(fn, msg.arrays || []), ms: msg.ms };
}
