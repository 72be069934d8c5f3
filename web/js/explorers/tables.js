// Tables of numbers for the explorers: a read-only k×k table whose cells are reused
// between steps, and an editable matrix of typed cells.
import { el } from "../ui/dom.js";
import { fmt } from "../ui/format.js";
import { parseCell, cellText } from "../ui/cells.js";

/**
 * A k x k table of numbers whose cells are reused between updates (fast stepping).
 * @returns {{element: HTMLTableElement, set(values: ArrayLike<number>, rows, cols, opts?)}}
 */
export function numberTable(testid, caption) {
  const table = el("table", { class: "nums", dataset: { testid } });
  if (caption) table.append(el("caption", {}, caption));
  const body = el("tbody");
  table.append(body);
  let shape = "";
  let cells = [];
  return {
    element: table,
    set(values, rows, cols, { offset = 0, highlight = -1, classes = null } = {}) {
      const key = `${rows}x${cols}`;
      if (key !== shape) {
        shape = key;
        body.replaceChildren();
        cells = [];
        for (let r = 0; r < rows; r++) {
          const tr = el("tr");
          for (let c = 0; c < cols; c++) {
            const td = el("td");
            cells.push(td);
            tr.append(td);
          }
          body.append(tr);
        }
      }
      for (let i = 0; i < rows * cols; i++) {
        const v = values[offset + i];
        const td = cells[i];
        const text = Number.isNaN(v) ? "—" : fmt(v);
        if (td.textContent !== text) td.textContent = text;
        td.dataset.v = String(v);
        const cls = (i === highlight ? "hi " : "") + (classes ? classes[i] || "" : "") + (Number.isNaN(v) ? " none" : "");
        if (td.className !== cls.trim()) td.className = cls.trim();
      }
    },
  };
}

/**
 * A grid of numbers drawn on a canvas, as a table for screen readers (visually hidden):
 * a caption, column and row numbers as headers, one cell per value.
 * @returns {{element: HTMLElement, set(values: ArrayLike<number>, rows, cols, caption: string, opts?)}}
 */
export function gridTable(testid) {
  const table = el("table", { dataset: { testid } });
  return {
    // a table does not shrink to 1 px itself: its box is hidden instead
    element: el("div", { class: "sr-only" }, table),
    /** opts.offset: where the grid starts in values (e.g. one channel of (C, H, W)) */
    set(values, rows, cols, caption, { offset = 0 } = {}) {
      const head = el("tr", {}, el("td"), ...Array.from({ length: cols }, (_, c) => el("th", { scope: "col" }, `column ${c}`)));
      const body = Array.from({ length: rows }, (_, r) => el("tr", {}, el("th", { scope: "row" }, `row ${r}`),
        ...Array.from({ length: cols }, (_, c) => el("td", {}, fmt(values[offset + r * cols + c])))));
      table.replaceChildren(el("caption", {}, caption), el("thead", {}, head), el("tbody", {}, ...body));
      table.dataset.shape = `${rows},${cols}`;
    },
  };
}

/**
 * Editable matrix of text cells parsed with the kernel editor's parseCell.
 * @param {{rows:number, cols:number, values:number[], testid:string, label:string, onChange:Function}} o
 */
export function matrixEditor(o) {
  const box = el("div", { class: "matrix-edit", role: "group", "aria-label": o.label, dataset: { testid: o.testid } });
  let rows = o.rows;
  let cols = o.cols;
  let inputs = [];
  // o.digits: significant digits shown for generated values (a typed value is kept as typed)
  const show = (v) => (o.digits && !Number.isInteger(v) ? String(Number(v.toPrecision(o.digits))) : cellText(v));
  function build(values) {
    box.replaceChildren();
    box.style.gridTemplateColumns = `repeat(${cols}, minmax(2.1rem, 3.2rem))`;
    inputs = [];
    for (let i = 0; i < rows * cols; i++) {
      const inp = el("input", {
        type: "text", inputmode: "decimal", autocomplete: "off", spellcheck: "false",
        "aria-label": `${o.label}: row ${Math.floor(i / cols) + 1}, column ${(i % cols) + 1}`,
        dataset: { testid: `${o.testid}-cell`, row: Math.floor(i / cols), col: i % cols },
      });
      inp.value = show(values[i] ?? 0);
      inp.addEventListener("input", () => {
        const r = parseCell(inp.value);
        inp.classList.toggle("invalid", !r.ok);
        inp.setAttribute("aria-invalid", r.ok ? "false" : "true");
        o.onChange?.();
      });
      inputs.push(inp);
      box.append(inp);
    }
  }
  build(o.values);
  return {
    element: box,
    /** {values, errors: ["row r, column c: reason"]} */
    read() {
      const values = [];
      const errors = [];
      inputs.forEach((inp, i) => {
        const r = parseCell(inp.value);
        if (r.ok) values.push(r.value);
        else {
          values.push(NaN);
          errors.push(`${o.label}, row ${Math.floor(i / cols) + 1}, column ${(i % cols) + 1}: ${r.reason}`);
        }
      });
      return { values, errors, rows, cols };
    },
    set(values, r = rows, c = cols) {
      if (r !== rows || c !== cols || inputs.length !== r * c) {
        rows = r;
        cols = c;
        build(values);
      } else {
        inputs.forEach((inp, i) => {
          inp.value = show(values[i]);
          inp.classList.remove("invalid");
        });
      }
    },
    get shape() {
      return [rows, cols];
    },
  };
}
