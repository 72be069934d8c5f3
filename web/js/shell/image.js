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
// A camera frame (shell/camera.js) takes the same path from step 3: its pixels, at the
// camera's size, go to pycore's set_image like the browser's pixels of a file. While the
// camera runs, only the listeners that asked for live frames (the Convolution tab) hear of
// each one; the others hear once, of the frame that stays, when it stops (endLive).
// Views read it and hear of changes through the context main.js gives them; none owns it.
import {
  HEADER_BYTES, ImageInputError, browserPixels, checkFile, fileName, rgbaFromPlanes, sampleSource,
} from "../ui/image-input.js";

/**
 * @param {{client: import("../core/client.js").CoreClient, setError: Function, sampleURL: string}} o
 */
export function createImageStore({ client, setError, sampleURL }) {
  const current = {
    info: null, // {width, height, sourceWidth, sourceHeight, name, decoder: "browser" | "pillow" | "camera", decoderReason}
    rgba: null, // Uint8ClampedArray, width * height * 4: the working image pycore returned
    file: null, // what it was read from, to read again at another working size or after a restart
    frame: null, // or the camera frame it is: {rgba, width, height, name} at the camera's size, kept for the same
    live: false, // the camera is running: the views that do not draw live frames have not heard of this one
    maxSide: 512, // the working size: the longest side after scaling (0: none)
    inWorker: false, // the worker holds this image
  };
  let pending = null; // {file} or {frame} chosen before Python was up, or sent to a worker that died
  let queue = Promise.resolve(); // one file at a time, so the worker ends with the last one
  let latest = 0; // the number of the latest load asked for; older ones give way
  const listeners = { change: [], sending: [], sent: [], chosen: [] }; // change: [{fn, live}]
  const emit = (event, ...args) => listeners[event].forEach((fn) => fn(...args));
  // To every change listener; to those that asked for live frames (only: a frame of the
  // running camera); or to the others (rest: the frame that stays when it stops).
  const emitChange = (to = "all") => {
    for (const { fn, live } of listeners.change) if (to === "all" || (to === "live") === live) fn(get());
  };
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
        pending = { file }; // the new worker reads it (resend)
        return;
      }
      setError("image", e.message); // messages name the file and the problem
      emit("sent"); // the worker still holds the image it had
      return;
    }
    setError("image", null);
    current.live = false;
    keep(decoded.result, { name: fileName(file), decoder: decoded.decoder, decoderReason: decoded.reason }, { file });
  }

  /** What pycore returned ({meta, arrays.image}) becomes the current image, read from `source` ({file} or {frame}). */
  function keep({ meta, arrays }, about, source) {
    const [sourceWidth, sourceHeight] = meta.source;
    const [width, height] = meta.size;
    current.info = { width, height, sourceWidth, sourceHeight, ...about };
    current.rgba = rgbaFromPlanes(arrays.image, height, width);
    current.file = source.file || null;
    current.frame = source.frame || null;
    current.inWorker = true;
    emitChange(current.live ? "live" : "all");
    emit("sent");
  }

  /**
   * A camera frame into the worker (set_image, at the working size).
   * @returns {Promise<"sent" | "restart" | "superseded">}  restart: the worker died (or is not
   *   up yet) and the new one is given this frame (resend); superseded: a newer image came first
   * @throws {WorkerError} pycore refused it (the message says why)
   */
  async function readFrame(frame, ticket) {
    if (ticket !== latest) return "superseded";
    const rgba = frame.rgba.slice(); // the frame itself is kept, to read again
    let result;
    try {
      result = await client.call("set_image", { rgba, width: frame.width, height: frame.height, max_side: current.maxSide },
        { transfer: [rgba.buffer] });
    } catch (e) {
      if (e.kind !== "Restart") throw e;
      pending = { frame };
      return "restart";
    }
    setError("image", null);
    keep(result, { name: frame.name, decoder: "camera", decoderReason: null }, { frame });
    return "sent";
  }

  /** Read `source` ({file} or {frame}) into the worker, after the loads asked for before it. */
  function enqueue(source) {
    if (!client.ready) {
      pending = source; // read once Python is up (resend)
      return Promise.resolve(source.frame ? "restart" : undefined);
    }
    const ticket = ++latest;
    const job = queue.then(() => (source.file ? read(source.file, ticket) : readFrame(source.frame, ticket)));
    queue = job.catch(() => {}); // the next load waits for this one, not for its success
    return job;
  }

  /** A file chosen by the user (the picker, a drop, a paste, the sample). */
  function load(file) {
    emit("chosen");
    return enqueue({ file });
  }

  const sourceOf = () => (current.file ? { file: current.file } : current.frame ? { frame: current.frame } : null);

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
    /**
     * A frame of the running camera, {rgba, width, height, name} at the camera's size, becomes
     * the image (pycore scales it to the working size); more follow until endLive().
     */
    setFrame(frame) {
      current.live = true;
      return enqueue({ frame });
    },
    /** The camera stopped: the views that draw no live frames hear of the frame that stays. */
    endLive() {
      if (!current.live) return;
      current.live = false;
      if (current.info) emitChange("rest");
    },
    /** A new working size: the current file (or frame) is read again at it (pycore scales). */
    setMaxSide(n) {
      current.maxSide = n;
      const source = sourceOf();
      if (source) enqueue(source).catch((e) => setError("image", e.message));
    },
    /** After the worker (re)started: read the current (or the waiting) file or frame into it. */
    async resend() {
      const source = pending || sourceOf();
      pending = null;
      current.inWorker = false;
      if (source) await enqueue(source);
    },
    inWorker: () => current.inWorker,
    /** fn(image) on every new image, once it is in the worker; live: also on each frame of the running camera. */
    onChange: (fn, { live = false } = {}) => listeners.change.push({ fn, live }),
    /** fn() when the user chooses a file (or the sample): the camera gives way to it. */
    onChosen: (fn) => listeners.chosen.push(fn),
    /** fn() when reading a file into the worker starts, and when it has ended (the worker holds the new image, or still the old one). */
    onSending: (fn) => listeners.sending.push(fn),
    onSent: (fn) => listeners.sent.push(fn),
  };
}
