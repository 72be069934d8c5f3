// The convolution panel's filter editor: a filter's cells, its size and name. Cells are
// parsed with ui/cells.js; the editor owns no state (the panel's state holds the filters).
import { parseCell } from "../ui/cells.js";

/**
 * Parse a filter's cells into a Float64Array.
 * @param {{name: string, rows: number, cols: number, cells: string[]}} filter
 * @returns {{values: Float64Array, errors: {index: number, reason: string}[]}}
 */
export function parseFilter(filter) {
  const values = new Float64Array(filter.rows * filter.cols);
  const errors = [];
  filter.cells.forEach((text, index) => {
    const r = parseCell(text);
    if (r.ok) values[index] = r.value;
    else errors.push({ index, reason: r.reason });
  });
  return { values, errors };
}

/** Resize a filter's grid, keeping the centred overlap of the old values. */
export function resizeCells(filter, rows, cols) {
  const cells = new Array(rows * cols).fill("0");
  const dr = Math.floor((rows - filter.rows) / 2);
  const dc = Math.floor((cols - filter.cols) / 2);
  for (let r = 0; r < filter.rows; r++) {
    for (let c = 0; c < filter.cols; c++) {
      const nr = r + dr;
      const nc = c + dc;
      if (nr >= 0 && nr < rows && nc >= 0 && nc < cols) cells[nr * cols + nc] = filter.cells[r * filter.cols + c];
    }
  }
  return cells;
}

function sizeSelect(ariaLabel, value, maxSide, onChange) {
  const sel = document.createElement("select");
  sel.setAttribute("aria-label", ariaLabel);
  for (let n = 1; n <= maxSide; n++) sel.add(new Option(String(n), String(n)));
  sel.value = String(value);
  sel.addEventListener("change", () => onChange(Number(sel.value)));
  return sel;
}

/**
 * Build the editor for one filter. The editor owns no state: it reads `filter` and
 * reports changes through the callbacks; the caller re-renders on structural change.
 * maxSide: the largest rows or columns (pycore's MAX_KERNEL_SIDE).
 * @returns {HTMLElement}
 */
export function renderKernelEditor(filter, index, { onCells, onResize, onRename, onRemove, canRemove, maxSide }) {
  const box = document.createElement("fieldset");
  box.className = "kernel";
  box.dataset.testid = "kernel";
  box.dataset.index = String(index);
  const legend = document.createElement("legend");
  legend.textContent = `Filter ${index + 1}`;
  box.append(legend);

  const head = document.createElement("div");
  head.className = "kernel-head";
  const nameLabel = document.createElement("label");
  nameLabel.className = "inline";
  const nameText = document.createElement("span");
  nameText.className = "visually-hidden"; // the legend says which filter; the box is its name
  nameText.textContent = `Filter ${index + 1} name`;
  nameLabel.append(nameText);
  const name = document.createElement("input");
  name.type = "text";
  name.value = filter.name;
  name.maxLength = 40;
  name.size = 10;
  name.dataset.testid = "kernel-name";
  name.addEventListener("change", () => {
    name.value = name.value.trim() || `filter ${index + 1}`;
    onRename(name.value);
  });
  nameLabel.append(name);
  head.append(nameLabel);
  const rows = sizeSelect(`Filter ${index + 1} rows`, filter.rows, maxSide, (n) => onResize(n, filter.cols));
  const cols = sizeSelect(`Filter ${index + 1} columns`, filter.cols, maxSide, (n) => onResize(filter.rows, n));
  rows.dataset.testid = "kernel-rows";
  cols.dataset.testid = "kernel-cols";
  const size = document.createElement("span");
  size.className = "inline size";
  size.append("Size ", rows, " × ", cols);
  head.append(size);
  if (canRemove) {
    const rm = document.createElement("button");
    rm.type = "button";
    rm.className = "icon";
    rm.textContent = "✕";
    rm.title = "Remove this filter";
    rm.setAttribute("aria-label", `Remove filter ${index + 1} (${filter.name})`);
    rm.addEventListener("click", onRemove);
    head.append(rm);
  }
  box.append(head);

  const grid = document.createElement("div");
  grid.className = "kernel-grid";
  grid.style.gridTemplateColumns = `repeat(${filter.cols}, minmax(2.2rem, 3.2rem))`;
  grid.setAttribute("role", "group");
  grid.setAttribute("aria-label", `${filter.name}: ${filter.rows} by ${filter.cols} kernel values; arrow keys move between cells`);
  filter.cells.forEach((text, i) => {
    const cell = document.createElement("input");
    cell.type = "text";
    cell.inputMode = "decimal";
    cell.autocomplete = "off";
    cell.spellcheck = false;
    cell.value = text;
    cell.dataset.testid = "kernel-cell";
    cell.dataset.row = String(Math.floor(i / filter.cols));
    cell.dataset.col = String(i % filter.cols);
    cell.setAttribute("aria-label", `row ${Math.floor(i / filter.cols) + 1}, column ${(i % filter.cols) + 1}`);
    cell.tabIndex = i === 0 ? 0 : -1; // one tab stop per grid; the arrow keys move within it
    const mark = () => {
      const r = parseCell(cell.value);
      cell.classList.toggle("invalid", !r.ok);
      cell.setAttribute("aria-invalid", r.ok ? "false" : "true");
    };
    mark();
    cell.addEventListener("input", () => {
      mark();
      onCells(i, cell.value);
    });
    grid.append(cell);
  });
  wireGridKeys(grid, filter.rows, filter.cols);
  box.append(grid);
  return box;
}

/**
 * The index of the cell an arrow key moves to from `index` in a rows × cols grid (Ctrl+Home
 * and Ctrl+End: the first and the last cell); null for any other key or at the edge.
 * Up and Down always move; Left and Right only when the caret is at that end of the text
 * (or all of it is selected), so editing within a cell still works.
 */
export function cellMove(key, index, rows, cols, { atStart = true, atEnd = true, ctrl = false } = {}) {
  const r = Math.floor(index / cols);
  const c = index % cols;
  let to = null;
  if (key === "ArrowUp" && r > 0) to = index - cols;
  else if (key === "ArrowDown" && r < rows - 1) to = index + cols;
  else if (key === "ArrowLeft" && atStart && c > 0) to = index - 1;
  else if (key === "ArrowRight" && atEnd && c < cols - 1) to = index + 1;
  else if (key === "Home" && ctrl) to = 0;
  else if (key === "End" && ctrl) to = rows * cols - 1;
  return to === index ? null : to;
}

// Roving focus: the focused cell is the grid's one tab stop; the arrow keys move it.
function wireGridKeys(grid, rows, cols) {
  const cells = [...grid.querySelectorAll("input")];
  grid.addEventListener("focusin", (ev) => {
    if (!cells.includes(ev.target)) return;
    for (const c of cells) c.tabIndex = c === ev.target ? 0 : -1;
  });
  grid.addEventListener("keydown", (ev) => {
    const cell = ev.target;
    const index = cells.indexOf(cell);
    if (index < 0 || ev.altKey || ev.metaKey || ev.shiftKey) return;
    const all = cell.selectionStart === 0 && cell.selectionEnd === cell.value.length;
    const to = cellMove(ev.key, index, rows, cols, {
      atStart: all || (cell.selectionStart === 0 && cell.selectionEnd === 0),
      atEnd: all || cell.selectionStart === cell.value.length,
      ctrl: ev.ctrlKey,
    });
    if (to === null) {
      // at the grid's top or bottom edge Up/Down stay put (not jump the caret to an end)
      if (ev.key === "ArrowUp" || ev.key === "ArrowDown") ev.preventDefault();
      return;
    }
    ev.preventDefault();
    cells[to].focus();
    cells[to].select(); // typing replaces it; the next arrow moves on
  });
}
