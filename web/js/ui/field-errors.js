// A message shown next to the control that caused it, wired for screen readers: the
// control gets aria-invalid and points at the message with aria-describedby. The
// banner at the top of the page is for page-wide problems only; a view puts a bad
// setting's message here, where the learner is looking.
import { el } from "./dom.js";

let nextId = 0;

/** The message element that belongs to `control`, if one is shown. */
function messageOf(control) {
  const id = control.dataset.fieldErrorId;
  return id ? document.getElementById(id) : null;
}

/**
 * Show `message` beside `control` (an input, select, button or any focusable element),
 * replacing the message it had. The message goes right after `anchor` (default: the
 * control's <label>, or the control itself), so it sits where the learner typed.
 */
export function showFieldError(control, message, { anchor } = {}) {
  let box = messageOf(control);
  if (!box) {
    const id = `field-error-${++nextId}`;
    box = el("p", { id, className: "field-error", dataset: { testid: "field-error" } });
    box.setAttribute("aria-live", "polite");
    (anchor ?? control.closest("label") ?? control).after(box);
    control.dataset.fieldErrorId = id;
    const described = (control.getAttribute("aria-describedby") ?? "").split(/\s+/).filter(Boolean);
    control.setAttribute("aria-describedby", [...described, id].join(" "));
  }
  if (box.textContent !== message) box.textContent = message;
  control.setAttribute("aria-invalid", "true");
  return box;
}

/** Remove `control`'s message (if any) and its invalid mark. */
export function clearFieldError(control) {
  const box = messageOf(control);
  if (box) {
    const described = (control.getAttribute("aria-describedby") ?? "").split(/\s+/).filter((t) => t && t !== box.id);
    if (described.length) control.setAttribute("aria-describedby", described.join(" "));
    else control.removeAttribute("aria-describedby");
    box.remove();
  }
  delete control.dataset.fieldErrorId;
  control.removeAttribute("aria-invalid");
}

/** Clear every field message under `root` (a view's panel), e.g. when a result settles. */
export function clearFieldErrors(root) {
  for (const control of root.querySelectorAll("[data-field-error-id]")) clearFieldError(control);
}
