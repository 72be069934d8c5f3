// Pieces every explorer uses: its titled card, and a kernel that is either one of pycore's
// presets or the values typed into an editor.
import { el } from "../ui/dom.js";

/**
 * One explorer's card: a titled section, appended to root. Ids follow one scheme from the
 * explorer's key: section#x-KEY, h2#xh-KEY, data-testid "explorer-KEY".
 */
export function explorerCard(root, key, title) {
  const card = el("section", { class: "card explorer", id: `x-${key}`, dataset: { testid: `explorer-${key}` }, "aria-labelledby": `xh-${key}` },
    el("h2", { id: `xh-${key}` }, title));
  root.append(card);
  return card;
}

/** The explorer's short explanation, under its title. */
export function hint(card, text) {
  card.append(el("p", { class: "hint" }, text));
}

/**
 * Where a kernel comes from: pycore's preset (the editor then shows what pycore made), or,
 * once a cell is edited, the editor's own values, until a preset control changes again.
 * @param {() => void} run  recompute
 */
export function kernelChoice(run) {
  let typed = false;
  return {
    get typed() {
      return typed;
    },
    /** a preset control changed: pycore makes the kernel again */
    usePreset() {
      typed = false;
      run();
    },
    /** a cell was edited: the typed values are sent */
    useTyped() {
      typed = true;
      run();
    },
  };
}

/**
 * The values typed into a matrixEditor as a kernel {rows, cols, values}; throws the first
 * bad cell, tied to the settings key `field` (its message goes beside the editor).
 */
export function typedKernel(editor, field = "kernel") {
  const r = editor.read();
  if (r.errors.length) {
    const e = new Error(r.errors[0]);
    e.field = field;
    throw e;
  }
  return { rows: r.rows, cols: r.cols, values: r.values };
}

/**
 * The control of a kernel's settings key: "kernel.preset", "kernel.size" or "kernel.seed"
 * (its preset controls, when it has them), anything else under "kernel" the editor (its
 * message after the editor's cells).
 * @param {string} field
 * @param {{element: HTMLElement}} editor  a matrixEditor
 * @param {Record<string, HTMLElement>} presetControls
 */
export function kernelControl(field, editor, presetControls = {}, key = "kernel") {
  if (field !== key && !field.startsWith(`${key}.`)) return null;
  const part = field.slice(key.length + 1);
  if (presetControls[part]) return presetControls[part];
  return { control: editor.element, anchor: editor.element };
}
