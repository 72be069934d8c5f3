// Saving something the page made as a file, through a temporary <a download>.
import { el } from "./dom.js";

/** Offer a Blob as a download named `filename`. */
export function downloadBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Offer text as a download. */
export function downloadText(text, filename, type) {
  downloadBlob(new Blob([text], { type }), filename);
}

/** Offer a canvas as a PNG download. */
export function downloadCanvas(canvas, filename) {
  canvas.toBlob((blob) => {
    if (blob) downloadBlob(blob, filename);
  }, "image/png");
}
