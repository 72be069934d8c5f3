// The entry esbuild bundles into dist/js/vendor/codemirror.js (tools/vendor.py): the
// pieces of CodeMirror 6 the Python panel uses, as one ES module with no imports.
//
// `basicSetup` is composed here (the `codemirror` meta package would add a search panel,
// autocompletion and more the panel does not need). Tab indents (`indentWithTab`) but
// does not trap focus: CodeMirror's tab-focus mode makes Escape, then Tab (or Shift+Tab)
// within 2 s, move focus out of the editor; Ctrl+M (Shift+Alt+M on macOS) toggles it.
import { EditorState, Compartment, Prec } from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  drawSelection, highlightSpecialChars, placeholder,
} from "@codemirror/view";
import {
  defaultKeymap, history, historyKeymap, indentWithTab, toggleTabFocusMode,
} from "@codemirror/commands";
import {
  syntaxHighlighting, defaultHighlightStyle, indentOnInput, bracketMatching, indentUnit,
} from "@codemirror/language";
import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { python } from "@codemirror/lang-python";

/** The editor's usual extensions: line numbers, highlighting, history, brackets, keys. */
export const basicSetup = [
  lineNumbers(),
  highlightActiveLineGutter(),
  highlightSpecialChars(),
  history(),
  drawSelection(),
  indentOnInput(),
  indentUnit.of("    "),
  syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
  bracketMatching(),
  closeBrackets(),
  highlightActiveLine(),
  keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, indentWithTab]),
];

export {
  EditorState, Compartment, Prec, EditorView, keymap, lineNumbers, highlightActiveLine,
  highlightActiveLineGutter, drawSelection, placeholder, defaultKeymap, history, historyKeymap,
  indentWithTab, toggleTabFocusMode, syntaxHighlighting, defaultHighlightStyle, python,
};
