// The one message shape between the page (client.js) and the worker (worker.mjs).
//
//   request   {id, fn, args, image}   fn: a function of pycore.page's CALLS table; args: a
//                                     plain object; image: true passes the worker's current
//                                     image (3, H, W) as the first argument, else None
//             the worker's own calls, which make its current image: set_image {rgba,
//             width, height, max_side} (pycore's prepare_image) and decode_file (pycore's,
//             with Pillow's wheel loaded first); both answer meta {source, size, ...} and
//             arrays {image: (3, h, w)}
//   response  {id, ok: true, meta, arrays, ms} | {id, ok: false, error, kind, field, fatal}
//             arrays: {name: Float32Array}, the names each call's docstring lists;
//             fatal: Pyodide cannot run anything more (the page starts a new worker);
//             kind "MemoryError": out of memory, error says what to make smaller;
//             field: the settings key (dotted for nested ones, "kernels.2") of the
//             control a bad setting came from, or null; the view shows error beside it
//   loading   {progress: {stage, detail, bytes}}, then {ready: true} or {loadError}
//
// A result reaches a view as {meta, arrays, ms}, and a view reads an array only by its
// name: `result.arrays.products`, or the name meta holds (`arrays[k.array]`).

/** A request message. */
export function request(id, fn, args = {}, image = false) {
  return { id, fn, args, image: !!image };
}

/** The result a view gets from a successful response: {meta, arrays, ms}. */
export function resultOf(msg) {
  return { meta: msg.meta, arrays: msg.arrays || {}, ms: msg.ms };
}
