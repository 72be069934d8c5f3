// The page's one current image, shared by every tab: decoded here from a file (ui/image-input.js
// does the decoding), kept as RGBA for drawing, and copied into the worker, where pycore
// keeps it as a (3, H, W) array so an edit does not resend the pixels. Views read it and
// hear of changes through the context main.js gives them; none of them owns it.
import { decodeImage, ImageInputError, sampleSource } from "../ui/image-input.js";

/**
 * @param {{client: import("../core/client.js").CoreClient, setError: Function, sampleURL: string}} o
 */
export function createImageStore({ client, setError, sampleURL }) {
  const current = {
    info: null, // {width, height, sourceWidth, sourceHeight, name}
    rgba: null, // Uint8ClampedArray, width * height * 4
    file: null, // what it was decoded from, to decode again at another working size
    maxSide: 512, // the working size: the longest side after scaling (0: none)
    inWorker: false, // the worker holds this image
  };
  const listeners = { change: [], sending: [], sent: [] };
  const emit = (event, ...args) => listeners[event].forEach((fn) => fn(...args));
  const getSample = sampleSource(sampleURL);

  /** Copy the current image into the worker (again after a restart). */
  async function send() {
    current.inWorker = false;
    emit("sending");
    const copy = new Uint8ClampedArray(current.rgba); // keep ours; the copy's buffer is transferred
    await client.call("set_image", { rgba: copy, width: current.info.width, height: current.info.height }, { transfer: [copy.buffer] });
    current.inWorker = true;
    emit("sent");
  }

  async function load(file) {
    let decoded;
    try {
      decoded = await decodeImage(file, current.maxSide);
    } catch (e) {
      setError("image", e instanceof ImageInputError ? e.message : `Could not open the image: ${e.message}`);
      return;
    }
    setError("image", null);
    const { rgba, ...info } = decoded;
    Object.assign(current, { info, rgba, file });
    emit("change", get());
    if (client.ready) {
      try {
        await send();
      } catch (e) {
        setError("image", e.message);
      }
    }
  }

  /** {width, height, sourceWidth, sourceHeight, name, rgba} of the current image, or null. */
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
    /** A new working size; the current file is decoded again at it. */
    setMaxSide(n) {
      current.maxSide = n;
      if (current.file) load(current.file);
    },
    /** After the worker (re)started: give it the image, if there is one. */
    async resend() {
      if (current.info) await send();
    },
    inWorker: () => current.inWorker,
    /** fn(image) on every new image, before it is in the worker. */
    onChange: (fn) => listeners.change.push(fn),
    /** fn() when a copy to the worker starts, and when it has arrived. */
    onSending: (fn) => listeners.sending.push(fn),
    onSent: (fn) => listeners.sent.push(fn),
  };
}
