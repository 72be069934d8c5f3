// Getting an image into the page: file picker, drag-and-drop, paste, the sample and a
// camera's frames, and the browser's half of reading them: the checks made before anything
// is read, and the pixels at source size (EXIF orientation applied, over white). The rule
// of which decoder reads a file, and the worker's copy of the image, are shell/image.js's
// business; the scaling to the working size is pycore's (prepare_image), as in the command
// line.

export const MAX_FILE_BYTES = 40 * 1024 * 1024;
// The bytes pycore's header reader looks at (pycore.image.read_header reads no more).
export const HEADER_BYTES = 65536;

// What a file picker offers and a typeless file is taken for: the browser's formats and
// those Pillow reads in the worker (TGA, SGI, PNM, TIFF).
export const IMAGE_EXTENSIONS = ["png", "jpg", "jpeg", "gif", "webp", "bmp", "avif", "ico", "tga", "sgi", "rgb", "rgba",
  "bw", "pgm", "ppm", "pbm", "pnm", "tif", "tiff"];
export const FILE_ACCEPT = ["image/*", ...IMAGE_EXTENSIONS.map((e) => `.${e}`)].join(",");
const IMAGE_NAME = new RegExp(`\\.(${IMAGE_EXTENSIONS.join("|")})$`, "i");

/** A user-facing error: its message is shown as is. */
export class ImageInputError extends Error {}

function describeSize(bytes) {
  return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

/** The name a file is called by in messages. */
export function fileName(file) {
  return file.name || "pasted image";
}

/**
 * The checks made before a file is read: an image type or name, not empty, not too many bytes.
 * @throws {ImageInputError}
 */
export function checkFile(file) {
  const name = fileName(file);
  const looksLikeImage = (file.type && file.type.startsWith("image/")) || IMAGE_NAME.test(name);
  if (!looksLikeImage) {
    throw new ImageInputError(`"${name}" is not an image (type ${file.type || "unknown"}). Choose a PNG, JPEG, GIF, WebP, BMP, TGA, SGI, PNM or TIFF file.`);
  }
  if (file.size === 0) throw new ImageInputError(`"${name}" is empty.`);
  if (file.size > MAX_FILE_BYTES) {
    throw new ImageInputError(`"${name}" is ${describeSize(file.size)}; the limit is ${describeSize(MAX_FILE_BYTES)}.`);
  }
}

/**
 * The browser's decoding: RGBA pixels at the image's source size, EXIF orientation
 * applied, colour profile not applied (as Pillow does not), drawn over white. No scaling
 * here: pycore scales to the working size, so the page and the command line agree.
 * @param {Blob} file
 * @param {number} maxPixels  refuse a larger image (its header did not say its size)
 * @returns {Promise<{rgba: Uint8ClampedArray, width: number, height: number} | null>}
 *   null when the browser cannot decode the file (Pillow may)
 * @throws {ImageInputError} the image has more than maxPixels pixels
 */
export async function browserPixels(file, maxPixels) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image", colorSpaceConversion: "none" });
  } catch {
    return null;
  }
  const { width, height } = bitmap;
  try {
    if (width * height > maxPixels) {
      throw new ImageInputError(`"${fileName(file)}" is ${width}×${height} pixels (${(width * height / 1e6).toPrecision(4)} megapixels), too large to open here: the limit is ${maxPixels / 1e6} megapixels.`);
    }
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, width, height);
    ctx.drawImage(bitmap, 0, 0);
    return { rgba: ctx.getImageData(0, 0, width, height).data, width, height };
  } finally {
    bitmap.close();
  }
}

/**
 * The frame a <video> shows now (a camera's), as RGBA pixels at the video's size, drawn on
 * `canvas` (reused from frame to frame). No scaling here, as for a file.
 * @param {HTMLVideoElement} video
 * @param {HTMLCanvasElement | OffscreenCanvas} canvas
 * @returns {{rgba: Uint8ClampedArray, width: number, height: number} | null}  null: no frame yet
 */
export function videoPixels(video, canvas) {
  const { videoWidth: width, videoHeight: height } = video;
  if (video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || !width || !height) return null;
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(video, 0, 0, width, height);
  return { rgba: ctx.getImageData(0, 0, width, height).data, width, height };
}

/**
 * The working image pycore returned, (3, h, w) floats in [0, 1], as RGBA bytes to draw.
 * @param {Float32Array} planes
 * @returns {Uint8ClampedArray}
 */
export function rgbaFromPlanes(planes, height, width) {
  const n = height * width;
  const rgba = new Uint8ClampedArray(n * 4);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    rgba[j] = Math.round(planes[i] * 255);
    rgba[j + 1] = Math.round(planes[n + i] * 255);
    rgba[j + 2] = Math.round(planes[2 * n + i] * 255);
    rgba[j + 3] = 255;
  }
  return rgba;
}

/** Call onFile(file) when a file is chosen in `input` (choosing the same file again fires again). */
export function wireFileInput(input, onFile) {
  input.addEventListener("change", () => {
    const file = input.files && input.files[0];
    if (file) onFile(file);
    input.value = ""; // choosing the same file again must fire again
  });
}

/** Call onFile(file) when a file is dropped on `zone`; with `highlight`, mark it .dragging meanwhile. */
export function wireDropZone(zone, onFile, { highlight = true } = {}) {
  if (highlight) {
    for (const type of ["dragenter", "dragover"]) zone.addEventListener(type, () => zone.classList.add("dragging"));
    for (const type of ["dragleave", "drop"]) zone.addEventListener(type, () => zone.classList.remove("dragging"));
  }
  zone.addEventListener("dragover", (e) => e.preventDefault());
  zone.addEventListener("dragenter", (e) => e.preventDefault());
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    const file = e.dataTransfer?.files?.[0];
    if (file) onFile(file);
  });
}

/** Call onFile(file) when an image is pasted anywhere except into a text field (kernel cells take pasted numbers). */
export function wirePaste(onFile) {
  document.addEventListener("paste", (e) => {
    const t = e.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement) return;
    const item = [...(e.clipboardData?.items || [])].find((it) => it.kind === "file" && it.type.startsWith("image/"));
    if (item) {
      e.preventDefault();
      onFile(item.getAsFile());
    }
  });
}

/**
 * The sample photo as a File. It is fetched once, up front (34 KB), so it still opens
 * after the network goes away; a failed first fetch is tried again when it is asked for.
 * @returns {() => Promise<File>}  rejects with an ImageInputError whose message is shown as is
 */
export function sampleSource(url) {
  const fetchSample = () =>
    fetch(url).then((res) => {
      if (!res.ok) throw new ImageInputError(`The sample photo is missing (HTTP ${res.status}).`);
      return res.blob();
    });
  let sample = fetchSample();
  sample.catch(() => {}); // reported when the sample is asked for, not before
  return async () => {
    let blob;
    try {
      blob = await sample;
    } catch {
      sample = fetchSample(); // try again: the first attempt may have been offline
      try {
        blob = await sample;
      } catch (e) {
        throw e instanceof ImageInputError ? e : new ImageInputError(`The sample photo could not be loaded: ${e.message}`);
      }
    }
    return new File([blob], url.split("/").pop(), { type: blob.type || "image/jpeg" });
  };
}
