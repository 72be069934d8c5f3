// A Python code editor: CodeMirror 6 (bundled into js/vendor/codemirror.js at build time,
// loaded only when the first Python panel opens), or a plain textarea if that bundle cannot
// load. Keyboard: Tab indents; Escape then Tab (or Shift+Tab) leaves the editor, so focus is
// never trapped; Ctrl/Cmd+Enter runs. The element that takes the text (CodeMirror's
// contenteditable, or the textarea) carries `testid` and the screen-reader label.

let vendor = null; // the CodeMirror module, once loaded

function loadVendor() {
  vendor ??= import(new URL("../vendor/codemirror.js", import.meta.url).href).catch((e) => {
    console.warn("the code editor did not load; a plain text box stands in", e);
    return null;
  });
  return vendor;
}

/**
 * @param {HTMLElement} parent
 * @param {{doc: string, label: string, testid: string, onRun: () => void, onEdit: () => void}} o
 *   onEdit: after each change the user makes (not after set())
 * @returns {Promise<{get: () => string, set: (text: string) => void, focus: () => void, element: HTMLElement}>}
 */
export async function createCodeEditor(parent, { doc, label, testid, onRun, onEdit }) {
  const cm = await loadVendor();
  if (!cm) return textareaEditor(parent, { doc, label, testid, onRun, onEdit });
  const { EditorView, EditorState, Prec, keymap, basicSetup, python } = cm;
  let settingText = false;
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        Prec.high(keymap.of([{ key: "Mod-Enter", run: () => (onRun(), true) }])),
        basicSetup,
        python(),
        EditorView.contentAttributes.of({ "data-testid": testid, "aria-label": label, "aria-multiline": "true" }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged && !settingText) onEdit();
        }),
      ],
    }),
  });
  return {
    get: () => view.state.doc.toString(),
    set(text) {
      if (text === view.state.doc.toString()) return;
      settingText = true;
      try {
        view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
      } finally {
        settingText = false;
      }
    },
    focus: () => view.focus(),
    element: view.dom,
  };
}

function textareaEditor(parent, { doc, label, testid, onRun, onEdit }) {
  const area = document.createElement("textarea");
  Object.assign(area, { value: doc, spellcheck: false, rows: 14 });
  area.className = "code-fallback";
  area.dataset.testid = testid;
  area.setAttribute("aria-label", label);
  area.addEventListener("input", onEdit);
  area.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      onRun();
    }
  });
  parent.append(area);
  return {
    get: () => area.value,
    set: (text) => (area.value = text),
    focus: () => area.focus(),
    element: area,
  };
}
