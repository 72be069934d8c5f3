// Getting an image into the page: file picker, drag-and-drop, paste and the sample.
// The browser decodes (respecting EXIF orientation); the result is RGBA pixels. Which
// image is current, and the worker's copy of it, is shell/image.js's business.

export const MAX_FILE_BYTES = 40 * 1024 * 1024;
export const MAX_SOURCE_PIXELS = 80e6; // what we agree to decode at all

const IMAGE_NAME = /\.(png|jpe?g|gif|webp|bmp|avif|ico|svg)$/i;

/** A user-facing error: its message is shown as is. */
export class ImageInputError extends Error {}

function describeSize(bytes) {
  return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

/**
 * Decode a File/Blob into RGBA pixels, scaled so the longer side is at most maxSide.
 * Transparent areas are composited onto white.
 * @param {Blob & {name?: string}} file
 * @param {number} maxSide  0 means no limit
 * @returns {Promise<{rgba: Uint8ClampedArray, width: number, height: number,
 *   sourceWidth: number, sourceHeight: number, name: string}>}
 */
export async function decodeImage(file, maxSide) {
  const name = file.name || "pasted image";
  const looksLikeImage = (file.type && file.type.startsWith("image/")) || IMAGE_NAME.test(name);
  if (!looksLikeImage) {
    throw new ImageInputError(`"${name}" is not an image (type ${file.type || "unknown"}). Choose a PNG, JPEG, GIF or WebP file.`);
  }
  if (file.size === 0) throw new ImageInputError(`"${name}" is empty.`);
  if (file.size > MAX_FILE_BYTES) {
    throw new ImageInputError(`"${name}" is ${describeSize(file.size)}; the limit is ${describeSize(MAX_FILE_BYTES)}.`);
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    throw new ImageInputError(`"${name}" could not be decoded: the file is damaged or not in a format this browser can read.`);
  }
  const sourceWidth = bitmap.width;
  const sourceHeight = bitmap.height;
  if (sourceWidth * sourceHeight > MAX_SOURCE_PIXELS) {
    bitmap.close();
    throw new ImageInputError(`"${name}" is ${sourceWidth}×${sourceHeight} pixels, too large to open here (limit ${MAX_SOURCE_PIXELS / 1e6} megapixels).`);
  }
  const scale = maxSide > 0 ? Math.min(1, maxSide / Math.max(sourceWidth, sourceHeight)) : 1;
  const width = Math.max(1, Math.round(sourceWidth * scale));
  const height = Math.max(1, Math.round(sourceHeight * scale));
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, width, height);
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, width, height).data;
  return { rgba, width, height, sourceWidth, sourceHeight, name };
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
