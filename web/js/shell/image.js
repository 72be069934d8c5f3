// The page's one current image, shared by every tab. A file is read by the rule of the
// README's "How images are read" (pycore/image.py), the same as the command line's:
//   1. its header is read by pycore (image_header) before anything is decoded, so an image
//      of too many pixels is refused by its width × height;
//   2. the browser decodes what gives Pillow's pixels (8-bit opaque PNG, JPEG, GIF, BMP,
//      WebP), at source size; Pillow decodes in the worker (decode_file, its wheel loaded
//      only then) what the browser cannot or would decode differently, and whatever the
//      browser fails on, so the message names the problem;
//   3. pycore scales to the working size (prepare_image or decode_file) and keeps the
//      image in the worker as a (3, H, W) array; the page keeps the RGBA of that working
//      image to draw.
// Views read it and hear of changes through the context main.js gives them; none owns it.
import {
  HEADER_BYTES, ImageInputError, browserPixels, checkFile, fileName, rgbaFromPlanes, sampleSource,
} from "../ui/image-input.js";

/**
 * @param {{client: import("../core/client.js").CoreClient, setError: Function, sampleURL: string}} o
 */
export function createImageStore({ client, setError, sampleURL }) {
  const current = {
    info: null, // {width, height, sourceWidth, sourceHeight, name, decoder: "browser" | "pillow", decoderReason}
    rgba: null, // Uint8ClampedArray, width * height * 4: the working image pycore returned
    file: null, // what it was read from, to read again at another working size or after a restart
    maxSide: 512, // the working size: the longest side after scaling (0: none)
    inWorker: false, // the worker holds this image
  };
  let pending = null; // a file chosen before Python was up
  let queue = Promise.resolve(); // one file at a time, so the worker ends with the last one
  let latest = 0; // the number of the latest load asked for; older ones give way
  const listeners = { change: [], sending: [], sent: [] };
  const emit = (event, ...args) => listeners[event].forEach((fn) => fn(...args));
  const getSample = sampleSource(sampleURL);

  /** Read `file` into the worker (rule above); {meta, arrays.image} of pycore's working image. */
  async function readIntoWorker(file, bytes) {
    const name = fileName(file);
    const header = (await client.call("image_header", { bytes: bytes.subarray(0, HEADER_BYTES), name })).meta;
    const decodeFile = () => client.call("decode_file", { bytes, name, max_side: current.maxSide });
    if (header.decoder === "pillow") return { decoder: "pillow", reason: header.reason, result: await decodeFile() };
    const px = await browserPixels(file, header.max_pixels);
    if (!px) { // the browser failed: Pillow reads it, or names the problem
      return { decoder: "pillow", reason: "the browser could not decode it", result: await decodeFile() };
    }
    const { rgba, width, height } = px;
    const result = await client.call("set_image", { rgba, width, height, max_side: current.maxSide }, { transfer: [rgba.buffer] });
    return { decoder: "browser", reason: null, result };
  }

  async function read(file, ticket) {
    if (ticket !== latest) return; // a newer file was chosen meanwhile
    let bytes;
    try {
      checkFile(file);
      bytes = new Uint8Array(await file.arrayBuffer());
    } catch (e) {
      setError("image", e instanceof ImageInputError ? e.message : `Could not open the image: ${e.message}`);
      return;
    }
    emit("sending");
    let decoded;
    try {
      decoded = await readIntoWorker(file, bytes);
    } catch (e) {
      if (e.kind === "Restart") {
        pending = file; // the new worker reads it (resend)
        return;
      }
      setError("image", e.message); // messages name the file and the problem
      emit("sent"); // the worker still holds the image it had
      return;
    }
    setError("image", null);
    const { meta, arrays } = decoded.result;
    const [sourceWidth, sourceHeight] = meta.source;
    const [width, height] = meta.size;
    current.info = { width, height, sourceWidth, sourceHeight, name: fileName(file),
      decoder: decoded.decoder, decoderReason: decoded.reason };
    current.rgba = rgbaFromPlanes(arrays.image, height, width);
    current.file = file;
    current.inWorker = true;
    emit("change", get());
    emit("sent");
  }

  function load(file) {
    if (!client.ready) {
      pending = file; // read once Python is up (resend)
      return Promise.resolve();
    }
    const ticket = ++latest;
    queue = queue.then(() => read(file, ticket));
    return queue;
  }

  /** {width, height, sourceWidth, sourceHeight, name, decoder, decoderReason, rgba} of the current image, or null. */
  function get() {
    return current.info ? { ...current.info, rgba: current.rgba } : null;
  }

  return {
    get,
    load,
    async loadSample() {
      let file;
      try {
        file = await getSample();
      } catch (e) {
        setError("image", e.message);
        return;
      }
      await load(file);
    },
    /** A new working size: the current file is read again at it (pycore scales). */
    setMaxSide(n) {
      current.maxSide = n;
      if (current.file) load(current.file);
    },
    /** After the worker (re)started: read the current (or the waiting) file into it. */
    async resend() {
      const file = pending || current.file;
      pending = null;
      current.inWorker = false;
      if (file) await load(file);
    },
    inWorker: () => current.inWorker,
    /** fn(image) on every new image, once it is in the worker. */
    onChange: (fn) => listeners.change.push(fn),
    /** fn() when reading a file into the worker starts, and when it has ended (the worker holds the new image, or still the old one). */
    onSending: (fn) => listeners.sending.push(fn),
    onSent: (fn) => listeners.sent.push(fn),
  };
}
