// Entry for ui/static/vendor/codemirror.js: the CodeMirror 6 pieces the SQL editor uses, as one ES module.
export { EditorState, Compartment, EditorSelection, Prec, StateField, StateEffect } from "@codemirror/state";
export {
  EditorView,
  keymap,
  lineNumbers,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  drawSelection,
  dropCursor,
  rectangularSelection,
  crosshairCursor,
  placeholder,
  Decoration,
} from "@codemirror/view";
export {
  defaultKeymap,
  history,
  historyKeymap,
  indentWithTab,
  toggleComment,
  toggleLineComment,
} from "@codemirror/commands";
export {
  bracketMatching,
  indentOnInput,
  syntaxHighlighting,
  defaultHighlightStyle,
  foldGutter,
  foldKeymap,
  ensureSyntaxTree,
} from "@codemirror/language";
export { searchKeymap, highlightSelectionMatches, openSearchPanel } from "@codemirror/search";
export {
  autocompletion,
  completionKeymap,
  closeBrackets,
  closeBracketsKeymap,
  startCompletion,
  acceptCompletion,
  completionStatus,
} from "@codemirror/autocomplete";
export { sql, MySQL, MariaSQL, schemaCompletionSource, keywordCompletionSource } from "@codemirror/lang-sql";
