// A drawing pad: draw a digit with a mouse, a finger or a pen (pointer events), or with the
// keyboard (arrow keys move a cursor over an 8×8 grid, Space inks or clears its cell), and
// Clear. Dark ink on white paper. Beside it, an 8×8 preview of what the network sees (the
// caller draws it with showPreview, from what Python made of the drawing).
import { el } from "./dom.js";
import { drawMap } from "./canvas.js";
import { PAD_CELLS, cellRect, grayOf, inkOf, moveCursor, toggleAction } from "./pad-grid.js";

const SIZE = 256; // the pad's pixels; shown at up to this many CSS px
const PEN = 22; // stroke width in pad pixels: about the thickness of the data set's strokes

/**
 * @param {{onChange: (drawing: {gray: Uint8Array, width: number, height: number, empty: boolean}) => void,
 *          idPrefix?: string, label?: string}} o
 *   onChange gets the whole drawing after every stroke segment, key press and Clear.
 * @returns {{element, canvas, clear(), drawing(), showPreview(levels: number[] | null)}}
 */
export function drawPad(o) {
  const id = o.idPrefix || "pad";
  const canvas = el("canvas", {
    width: SIZE, height: SIZE, className: "pad-canvas", tabindex: "0",
    dataset: { testid: "draw-pad" }, "aria-label": o.label || "Drawing pad for one digit",
    "aria-describedby": `${id}-help`, role: "application",
  });
  const overlay = el("canvas", { width: SIZE, height: SIZE, className: "pad-overlay", "aria-hidden": "true" });
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const octx = overlay.getContext("2d");
  const clearBtn = el("button", { type: "button", className: "secondary", dataset: { testid: "draw-clear" }, "aria-label": "Clear the pad" }, "Clear");
  const help = el("p", { className: "hint", id: `${id}-help` },
    "Draw one digit, large and centred, with the mouse, a finger or a pen. Keyboard: focus the pad, move the cursor over its 8×8 grid with the arrow keys and press Space to ink or clear a square.");
  const where = el("p", { className: "pad-where", "aria-live": "polite" });
  const preview = el("canvas", { className: "pad-preview", width: PAD_CELLS, height: PAD_CELLS, dataset: { testid: "pad-preview" }, role: "img", "aria-label": "What the network sees: nothing drawn yet" });
  const element = el("div", { className: "pad" },
    el("div", { className: "pad-stage" }, canvas, overlay),
    el("div", { className: "pad-side" },
      el("figure", { className: "pad-fig" }, preview, el("figcaption", {}, "What the network sees: 8×8, levels 0–16")),
      clearBtn),
    help, where);

  let cursor = { row: 3, col: 3 };
  let last = null; // the previous point of the stroke being drawn
  let pointer = null;

  function paper() {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, SIZE, SIZE);
  }
  paper();

  function drawing() {
    const rgba = ctx.getImageData(0, 0, SIZE, SIZE).data;
    const gray = grayOf(rgba);
    return { gray, width: SIZE, height: SIZE, empty: !gray.some((v) => v < 250) };
  }
  const changed = () => o.onChange(drawing());

  function at(ev) {
    const r = canvas.getBoundingClientRect();
    return { x: ((ev.clientX - r.left) / r.width) * SIZE, y: ((ev.clientY - r.top) / r.height) * SIZE };
  }
  function segment(a, b) {
    ctx.strokeStyle = "#000";
    ctx.fillStyle = "#000";
    ctx.lineWidth = PEN;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    if (a.x === b.x && a.y === b.y) {
      ctx.arc(a.x, a.y, PEN / 2, 0, 2 * Math.PI);
      ctx.fill();
    } else {
      ctx.moveTo(a.x, a.y);
      ctx.lineTo(b.x, b.y);
      ctx.stroke();
    }
  }

  canvas.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0 && ev.pointerType === "mouse") return;
    ev.preventDefault();
    canvas.focus({ preventScroll: true });
    canvas.setPointerCapture?.(ev.pointerId);
    pointer = ev.pointerId;
    last = at(ev);
    segment(last, last);
    hideCursor();
    changed();
  });
  canvas.addEventListener("pointermove", (ev) => {
    if (ev.pointerId !== pointer || !last) return;
    // the points the browser merged into this event, for smooth fast strokes
    const events = ev.getCoalescedEvents ? ev.getCoalescedEvents() : [ev];
    for (const e of events.length ? events : [ev]) {
      const p = at(e);
      segment(last, p);
      last = p;
    }
    changed();
  });
  const end = (ev) => {
    if (ev.pointerId !== pointer) return;
    pointer = null;
    last = null;
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);

  // ---------------------------------------------------------------- keyboard
  function showCursor() {
    octx.clearRect(0, 0, SIZE, SIZE);
    const r = cellRect(cursor.row, cursor.col, SIZE);
    octx.strokeStyle = "#2457c5";
    octx.lineWidth = 4;
    octx.strokeRect(r.x + 2, r.y + 2, r.w - 4, r.h - 4);
    octx.strokeStyle = "#fff";
    octx.lineWidth = 1.5;
    octx.strokeRect(r.x + 5, r.y + 5, r.w - 10, r.h - 10);
  }
  function hideCursor() {
    octx.clearRect(0, 0, SIZE, SIZE);
  }
  const say = (inked) => (where.textContent = `Row ${cursor.row + 1}, column ${cursor.col + 1}${inked === undefined ? "" : inked ? ": inked" : ": cleared"}.`);
  canvas.addEventListener("focus", () => {
    if (canvas.matches(":focus-visible")) showCursor();
  });
  canvas.addEventListener("blur", () => {
    hideCursor();
    where.textContent = "";
  });
  canvas.addEventListener("keydown", (ev) => {
    const moved = moveCursor(cursor, ev.key);
    if (moved) {
      ev.preventDefault();
      cursor = moved;
      showCursor();
      say();
      return;
    }
    if (ev.key === " " || ev.key === "Enter") {
      ev.preventDefault();
      const ink = inkOf(ctx.getImageData(0, 0, SIZE, SIZE).data);
      const action = toggleAction(ink, SIZE, cursor.row, cursor.col);
      const r = cellRect(cursor.row, cursor.col, SIZE);
      ctx.fillStyle = action === "ink" ? "#000" : "#fff";
      ctx.fillRect(r.x, r.y, r.w, r.h);
      showCursor();
      say(action === "ink");
      changed();
    } else if (ev.key === "Delete" || ev.key === "Backspace") {
      ev.preventDefault();
      clear();
    }
  });

  function clear() {
    paper();
    changed();
  }
  clearBtn.addEventListener("click", clear);

  /** Draw the 8×8 levels (0..16) the network was given; null: nothing drawn. */
  function showPreview(levels) {
    const v = new Float32Array(PAD_CELLS * PAD_CELLS);
    if (levels) levels.forEach((x, i) => (v[i] = -x)); // ink dark, as on the pad
    drawMap(preview, v, PAD_CELLS, PAD_CELLS, "gray", -16, 0);
    const on = levels ? levels.filter((x) => x > 0).length : 0;
    preview.setAttribute("aria-label", levels && on ? `What the network sees: 8 by 8 squares, ${on} of 64 with ink` : "What the network sees: nothing drawn yet");
  }
  showPreview(null);

  return { element, canvas, clear, drawing, showPreview };
}
