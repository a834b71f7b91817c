// The SQL editor page: CodeMirror tabs (text kept in the per-user store), runs as query jobs that
// stream their rows, Stop, confirmations for safe writes/DDL, EXPLAIN, history and saved queries.
import { api, fmtTime, getJson, keepsPendingEdits } from "./eddy.js";
import { forgetCachedNames, schemaCompletions } from "./sql_complete.js";
import { ResultView } from "./results_view.js";
import { askConfirmation, renderPlan } from "./sql_views.js";
import { loadHistory as loadHistoryPanel, loadSaved as loadSavedPanel } from "./sql_history.js";
import {
  EditorState,
  EditorView,
  Compartment,
  Prec,
  keymap,
  lineNumbers,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  drawSelection,
  dropCursor,
  rectangularSelection,
  defaultKeymap,
  history,
  historyKeymap,
  indentWithTab,
  bracketMatching,
  indentOnInput,
  syntaxHighlighting,
  defaultHighlightStyle,
  searchKeymap,
  highlightSelectionMatches,
  autocompletion,
  completionKeymap,
  closeBrackets,
  closeBracketsKeymap,
  startCompletion,
  sql,
  MariaSQL,
  StateField,
  StateEffect,
  Decoration,
} from "../vendor/codemirror.js";
import { formatDialect, mariadb, mysql } from "../vendor/sql-formatter.js";

const $ = (sel) => document.querySelector(sel);
const page = $("#sql-page");
const FUNCTIONS = (
  "ABS AVG BIT_AND BIT_OR CAST CEIL CHAR_LENGTH COALESCE CONCAT CONCAT_WS CONVERT COUNT CURDATE CURRENT_TIMESTAMP " +
  "DATABASE DATE DATE_ADD DATE_FORMAT DATE_SUB DATEDIFF DAY DAYOFWEEK FIELD FIND_IN_SET FLOOR FORMAT FROM_UNIXTIME " +
  "GREATEST GROUP_CONCAT HEX HOUR IF IFNULL INSTR JSON_ARRAY JSON_EXTRACT JSON_OBJECT JSON_UNQUOTE LAST_INSERT_ID " +
  "LEAST LEFT LENGTH LOCATE LOWER LPAD LTRIM MAX MD5 MIN MINUTE MOD MONTH NOW NULLIF RAND REGEXP_REPLACE REPLACE " +
  "REVERSE RIGHT ROUND ROW_NUMBER RPAD RTRIM SHA2 SLEEP SUBSTRING SUBSTRING_INDEX SUM TIMESTAMPDIFF TRIM TRUNCATE " +
  "UNHEX UNIX_TIMESTAMP UPPER USER UUID VERSION WEEK YEAR"
).split(" ");

const state = {
  tabs: [], // {id, title, database, view, holder, job, resultIndex}
  current: null,
  schema: { databases: [], tables: [] },
  grid: null,
};
const sqlCompartment = new Compartment();

// The line of the last error, marked in the editor until the next run or an edit of that line.
const setErrorLine = StateEffect.define();
const errorLineMark = Decoration.line({ class: "cm-error-line" });
const errorLineField = StateField.define({
  create: () => Decoration.none,
  update(marks, tr) {
    marks = marks.map(tr.changes);
    for (const effect of tr.effects) {
      if (!effect.is(setErrorLine)) continue;
      const n = effect.value;
      marks =
        n && n <= tr.state.doc.lines ? Decoration.set([errorLineMark.range(tr.state.doc.line(n).from)]) : Decoration.none;
    }
    return marks;
  },
  provide: (field) => EditorView.decorations.from(field),
});

// -- CodeMirror --------------------------------------------------------------------------------
function functionCompletions(context) {
  const word = context.matchBefore(/\w+/);
  if (!word || (word.from === word.to && !context.explicit)) return null;
  const before = context.state.sliceDoc(Math.max(0, word.from - 1), word.from);
  if (before === "." || before === "`") return null;
  return {
    from: word.from,
    options: FUNCTIONS.map((f) => ({ label: f, type: "function", apply: f + "(", boost: -1 })),
    validFor: /^\w*$/,
  };
}

function sqlExtension() {
  // Names come from sql_complete.js (loaded on demand), not lang-sql's static schema.
  return [
    sql({ dialect: MariaSQL, upperCaseKeywords: true }),
    MariaSQL.language.data.of({ autocomplete: schemaCompletions(() => state.schema) }),
    MariaSQL.language.data.of({ autocomplete: functionCompletions }),
  ];
}

function extensions() {
  return [
    EditorView.cspNonce.of(page.dataset.styleNonce || ""),
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    history(),
    drawSelection(),
    dropCursor(),
    EditorState.allowMultipleSelections.of(true),
    indentOnInput(),
    syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
    bracketMatching(),
    closeBrackets(),
    autocompletion({ activateOnTyping: true }),
    rectangularSelection(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    Prec.highest(
      keymap.of([
        { key: "Mod-Shift-Enter", run: () => (runQuery("all"), true) },
        { key: "Mod-Enter", run: () => (runQuery("current"), true) },
        { key: "Shift-Alt-f", run: () => (formatSql(), true) },
      ]),
    ),
    keymap.of([
      ...closeBracketsKeymap,
      ...defaultKeymap,
      ...searchKeymap,
      ...historyKeymap,
      ...completionKeymap,
      indentWithTab,
    ]),
    sqlCompartment.of(sqlExtension()),
    errorLineField,
    EditorView.updateListener.of((update) => {
      if (update.selectionSet) {
        $("#run-all").textContent = update.state.selection.main.empty ? "Run all" : "Run selection";
      }
      if (!update.docChanged) return;
      scheduleSave();
      // After `alias.` / `table.` ask every source afresh (as Ctrl+Space does), so the column list
      // replaces the keyword list that was open while typing the alias.
      const typedDot = update.transactions.some((tr) => {
        if (!tr.isUserEvent("input.type")) return false;
        let dot = false;
        tr.changes.iterChanges((_a, _b, _c, _d, inserted) => (dot = dot || inserted.toString() === "."));
        return dot;
      });
      if (typedDot) setTimeout(() => startCompletion(update.view), 0);
    }),
  ];
}

// One EditorView per tab; only the current one is in the page. Swapping states in a single view let
// an autocompletion result computed for one tab's document land in another's (a RangeError).
let view = null;

// -- tabs (kept in the per-user store) --------------------------------------------------------
let saveTimer = null;
function scheduleSave() {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(saveTabs, 600);
}

async function saveTabs() {
  const tabs = state.tabs.map((t) => ({
    id: t.id,
    title: t.title,
    sql: t.view.state.doc.toString(),
    database: t.database || null,
  }));
  try {
    await api("/api/editor/tabs", { method: "PUT", body: { tabs } });
    page.dataset.saved = String(Date.now());
  } catch (err) {
    showStatus(`Could not save tabs: ${err.message}`, true);
  }
}

function newTabId() {
  return "t" + Math.random().toString(36).slice(2, 10);
}

function addTab({ id = newTabId(), title, sql: text = "", database = page.dataset.database || "" } = {}) {
  const tab = {
    id,
    title: title || `Query ${state.tabs.length + 1}`,
    database,
    holder: document.createElement("div"),
    job: null,
    resultIndex: 0,
  };
  tab.holder.className = "editor-tab";
  tab.view = new EditorView({ parent: tab.holder, state: EditorState.create({ doc: text, extensions: extensions() }) });
  state.tabs.push(tab);
  return tab;
}

function renderTabs() {
  const bar = $("#query-tabs");
  bar.textContent = "";
  for (const tab of state.tabs) {
    const el = document.createElement("button");
    el.type = "button";
    el.className = "qtab" + (tab === state.current ? " current" : "");
    el.dataset.tab = tab.id;
    el.textContent = tab.title;
    if (tab.job && tab.job.state === "running") el.classList.add("running");
    el.addEventListener("click", () => {
      if (tab !== state.current && keepsEdits(state.current, "Switch tabs")) return;
      switchTab(tab);
    });
    el.addEventListener("dblclick", () => {
      const name = prompt("Tab name", tab.title);
      if (name) {
        tab.title = name.slice(0, 100);
        renderTabs();
        scheduleSave();
      }
    });
    if (state.tabs.length > 1) {
      const close = document.createElement("span");
      close.className = "close";
      close.textContent = "×";
      close.title = "Close tab";
      close.addEventListener("click", (e) => {
        e.stopPropagation();
        closeTab(tab);
      });
      el.appendChild(close);
    }
    bar.appendChild(el);
  }
  const add = document.createElement("button");
  add.type = "button";
  add.id = "new-tab";
  add.className = "qtab add";
  add.textContent = "+";
  add.title = "New query tab";
  add.addEventListener("click", () => {
    if (keepsEdits(state.current, "Open a new tab")) return;
    switchTab(addTab());
    scheduleSave();
  });
  bar.appendChild(add);
}

function switchTab(tab) {
  // A view taken out of the page forgets its scroll offset: keep it per tab.
  if (state.current && view) state.current.scroll = view.scrollSnapshot();
  state.current = tab;
  view = tab.view;
  $("#editor").replaceChildren(tab.holder);
  if (tab.scroll) view.dispatch({ effects: tab.scroll });
  view.requestMeasure();
  view.dispatch({ effects: sqlCompartment.reconfigure(sqlExtension()) });
  $("#db-select").value = tab.database || "";
  renderTabs();
  renderJob(tab);
  view.focus();
}

// Pending edits of the result shown (only the current tab's result is alive): running again,
// showing the plan, closing the tab or switching to another query or result tab would drop them,
// so those ask first, as the workspace does.
function pendingEdits() {
  return state.grid && state.grid.edits ? state.grid.edits.count() : 0;
}

function keepsEdits(tab, action) {
  return tab === state.current && pendingEdits() > 0 && keepsPendingEdits(tab.title, action);
}

function closeTab(tab) {
  if (keepsEdits(tab, "Close it")) return;
  const i = state.tabs.indexOf(tab);
  state.tabs.splice(i, 1);
  tab.view.destroy();
  if (tab === state.current) {
    state.current = null;
    switchTab(state.tabs[Math.max(0, i - 1)]);
  } else renderTabs();
  saveTabs();
}

// -- schema for autocomplete --------------------------------------------------------------------
async function loadSchema() {
  schemaLoadedAt = Date.now();
  const db = state.current?.database || "";
  try {
    state.schema = await api(`/api/editor/schema?database=${encodeURIComponent(db)}`, { method: "GET" });
    forgetCachedNames();
  } catch {
    return;
  }
  const select = $("#db-select");
  const chosen = select.value;
  select.textContent = "";
  const none = new Option("(no database)", "");
  select.add(none);
  for (const name of state.schema.databases || []) select.add(new Option(name, name));
  select.value = chosen || db;
  view.dispatch({ effects: sqlCompartment.reconfigure(sqlExtension()) });
  page.dataset.schemaLoaded = String((state.schema.tables || []).length);
}

// -- running ---------------------------------------------------------------------------------------
function codePointOffset(text, utf16Offset) {
  return [...text.slice(0, utf16Offset)].length;
}

async function runQuery(mode) {
  const tab = state.current;
  if (tab.job && tab.job.state === "running") return;
  if (keepsEdits(tab, "Run the query")) return;
  const doc = view.state.doc;
  const sel = view.state.selection.main;
  let body;
  if (!sel.empty && mode !== "explain") {
    body = { sql: doc.sliceString(sel.from, sel.to), mode: "all", line_offset: doc.lineAt(sel.from).number - 1 };
  } else {
    const text = doc.toString();
    body = { sql: text, mode, cursor: codePointOffset(text, sel.head) };
  }
  Object.assign(body, {
    tab: tab.id,
    database: tab.database || null,
    safe_mode: $("#safe-mode").checked,
    on_error: $("#on-error").value,
    wait: 0.3,
  });
  try {
    tab.job = await api("/api/query", { body });
  } catch (err) {
    showStatus(err.message, true);
    return;
  }
  view.dispatch({ effects: setErrorLine.of(null) });
  tab.resultIndex = 0;
  tab.userPicked = false;
  tab.showPlan = false;
  renderTabs();
  renderJob(tab);
  pollJob(tab);
}

async function pollJob(tab) {
  let job = tab.job;
  while (job && (job.state === "running" || job.state === "confirm")) {
    if (job.state === "confirm") {
      renderJob(tab);
      const go = await askConfirmation(job.pending);
      try {
        job = go
          ? await api(`/api/query/${job.id}/confirm`, { body: { index: job.pending.index } })
          : (await api(`/api/query/${job.id}/cancel`), await getJson(`/api/query/${job.id}`));
      } catch (err) {
        showStatus(err.message, true);
        return;
      }
      tab.job = job;
      continue;
    }
    try {
      job = await getJson(`/api/query/${job.id}?after=${job.version}`);
    } catch (err) {
      showStatus(err.message, true);
      return;
    }
    tab.job = job;
    if (tab === state.current) renderJob(tab);
  }
  renderTabs();
  if (tab === state.current) renderJob(tab);
  const failed = job && job.results.find((r) => r.kind === "error" && r.error && r.error.line);
  if (failed && tab === state.current) view.dispatch({ effects: setErrorLine.of(failed.error.line) });
  if (job && job.database !== undefined && job.database !== null && job.database !== tab.database) {
    tab.database = job.database;
    $("#db-select").value = job.database;
    scheduleSave();
  }
  if (job && job.results.some((r) => /^\s*(create|alter|drop|rename|truncate|use)\b/i.test(r.statement))) {
    loadSchema();
  }
}

async function stopQuery() {
  const job = state.current.job;
  if (!job || job.state !== "running") return;
  try {
    await api(`/api/query/${job.id}/cancel`);
  } catch (err) {
    showStatus(err.message, true);
  }
}

// -- results -------------------------------------------------------------------------------------
function showStatus(text, isError = false) {
  const el = $("#run-status");
  el.textContent = text;
  el.classList.toggle("error-text", isError);
}

function renderJob(tab) {
  const job = tab.job;
  const tabsEl = $("#result-tabs");
  const body = $("#result-body");
  const running = job && job.state === "running";
  $("#stop").disabled = !running;
  $("#run-all").disabled = running;
  $("#run-current").disabled = running;
  page.dataset.jobState = job ? job.state : "";
  if (!job) {
    tabsEl.textContent = "";
    body.textContent = "";
    if (state.grid) state.grid.destroy();
    state.grid = null;
    showStatus("");
    return;
  }
  const rowsResults = job.results.filter((r) => r.kind === "rows");
  const errors = job.results.filter((r) => r.kind === "error");
  const label = {
    running: "Running…",
    done: "Done",
    failed: "Failed",
    cancelled: "Stopped",
    confirm: "Waiting for confirmation",
  }[job.state];
  if (job.id === null) showStatus("EXPLAIN (nothing was run)");
  else showStatus(
    `${label} · ${job.position}/${job.statements} statement(s) · ${fmtTime(job.elapsed)}` +
      (errors.length ? ` · ${errors.length} error(s)` : ""),
    job.state === "failed",
  );
  // Result tabs: each row set, then the messages.
  tabsEl.textContent = "";
  const choices = [...rowsResults.map((r) => r.id), "messages"];
  if (tab.explain) choices.push("plan");
  if (!tab.userPicked || !choices.includes(tab.resultIndex)) {
    // Until the user picks a tab: the first row set, or the messages when something failed.
    tab.resultIndex = errors.length || !rowsResults.length ? "messages" : rowsResults[0].id;
    if (tab.showPlan && tab.explain) tab.resultIndex = "plan";
  }
  for (const choice of choices) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "rtab" + (choice === tab.resultIndex ? " current" : "");
    if (choice === "messages") b.textContent = `Messages${errors.length ? " ⚠" : ""}`;
    else if (choice === "plan") b.textContent = "Plan";
    else {
      const r = job.results[choice];
      b.textContent = `Result ${rowsResults.indexOf(r) + 1} (${r.row_count.toLocaleString()}${r.fetching ? "…" : ""})`;
    }
    b.addEventListener("click", () => {
      if (choice !== tab.resultIndex && keepsEdits(tab, "Show another result")) return;
      tab.resultIndex = choice;
      tab.userPicked = true;
      tab.showPlan = false;
      renderJob(tab);
    });
    tabsEl.appendChild(b);
  }
  if (tab.resultIndex === "messages") renderMessages(job, body);
  else if (tab.resultIndex === "plan") {
    if (state.grid) state.grid.destroy();
    state.grid = null;
    renderPlan(tab.explain, body);
  }
  else renderRows(job, job.results[tab.resultIndex], body);
}

function renderRows(job, result, body) {
  let grid = state.grid;
  const source = {
    jobId: job.id,
    result: result.id,
    columns: result.columns,
    total: result.row_count,
    fetching: result.fetching,
    rows: result.rows,
    edit: result.edit,
  };
  if (!grid || grid.source.jobId !== job.id || grid.source.result !== result.id || !body.querySelector(".dg")) {
    if (grid) grid.destroy();
    body.textContent = "";
    const info = document.createElement("div");
    info.className = "result-info";
    const holder = document.createElement("div");
    holder.className = "result-view";
    body.append(info, holder);
    grid = state.grid = new ResultView(holder, source);
    holder.addEventListener("copy-refused", (event) => showStatus(event.detail, true));
  } else grid.update(source);
  const info = body.querySelector(".result-info");
  info.textContent = "";
  const text = document.createElement("span");
  text.id = "result-count";
  text.textContent =
    `${result.row_count.toLocaleString()} row(s)` +
    (result.fetching ? " so far, fetching…" : result.stopped && !result.note ? " (stopped by you; the rest was not fetched)" : "") +
    ` · ${fmtTime(result.elapsed)}` +
    (result.first_row_after != null ? ` · first row after ${fmtTime(result.first_row_after)}` : "") +
    (result.warnings.length ? ` · ${result.warnings.length} warning(s)` : "") +
    (result.note ? ` · ${result.note}` : "");
  info.appendChild(text);
  if (!result.fetching) {
    for (const fmt of ["csv", "json", "sql"]) {
      const a = document.createElement("a");
      a.href = `/api/query/${job.id}/export?result=${result.id}&format=${fmt}`;
      a.download = `result.${fmt}`;
      a.className = "export";
      a.textContent = fmt.toUpperCase();
      if (page.dataset.nativeDialogs === "1") {
        // In the app window a download link does nothing: the server asks where and writes the file.
        a.addEventListener("click", async (event) => {
          event.preventDefault();
          try {
            const saved = await api(`/api/query/${job.id}/save`, { body: { result: result.id, format: fmt } });
            if (saved.saved) showStatus(`Saved ${saved.bytes.toLocaleString()} bytes to ${saved.path}`);
          } catch (err) {
            showStatus(err.message, true);
          }
        });
      }
      info.appendChild(a);
    }
  }
}

function renderMessages(job, body) {
  if (state.grid) state.grid.destroy();
  state.grid = null;
  body.textContent = "";
  const list = document.createElement("ol");
  list.className = "messages";
  list.id = "messages";
  for (const r of job.results) {
    const li = document.createElement("li");
    li.className = r.kind;
    const head = document.createElement("div");
    head.className = "msg-head";
    if (r.kind === "error") {
      head.textContent = `Error ${r.error.code || ""} at line ${r.error.line || r.line}: ${r.error.message}`;
      li.addEventListener("click", () => gotoLine(r.error.line || r.line));
    } else if (r.kind === "rows") {
      head.textContent = `${r.row_count.toLocaleString()} row(s) in set · ${fmtTime(r.elapsed)}`;
    } else {
      head.textContent =
        `${r.affected ?? 0} row(s) affected` +
        (r.last_insert_id ? ` · last insert id ${r.last_insert_id}` : "") +
        ` · ${fmtTime(r.elapsed)}`;
    }
    const stmt = document.createElement("pre");
    stmt.textContent = r.statement.length > 300 ? r.statement.slice(0, 300) + "…" : r.statement;
    li.append(head, stmt);
    for (const w of r.warnings) {
      const wl = document.createElement("div");
      wl.className = "warning";
      wl.textContent = `${w.level} ${w.code}: ${w.message}`;
      li.appendChild(wl);
    }
    list.appendChild(li);
  }
  if (!job.results.length) list.textContent = "No results yet.";
  body.appendChild(list);
}

function gotoLine(n) {
  const line = view.state.doc.line(Math.max(1, Math.min(n, view.state.doc.lines)));
  view.dispatch({ selection: { anchor: line.from, head: line.to }, scrollIntoView: true });
  view.focus();
}

// -- EXPLAIN -------------------------------------------------------------------------------------
async function explain() {
  const tab = state.current;
  if (keepsEdits(tab, "Show the plan")) return;
  const text = view.state.doc.toString();
  const sel = view.state.selection.main;
  const sqlText = sel.empty ? text : view.state.sliceDoc(sel.from, sel.to);
  const cursor = sel.empty ? codePointOffset(text, sel.head) : 0;
  try {
    tab.explain = await api("/api/explain", {
      body: { sql: sqlText, cursor, database: tab.database || null, analyze: $("#explain-analyze").checked },
    });
  } catch (err) {
    showStatus(err.message, true);
    return;
  }
  if (!tab.job) tab.job = { id: null, state: "done", results: [], position: 0, statements: 0, elapsed: 0 };
  tab.resultIndex = "plan";
  tab.showPlan = true;
  tab.userPicked = false;
  renderJob(tab);
}

// -- format, history, saved queries -------------------------------------------------------------------
function formatSql() {
  const sel = view.state.selection.main;
  const from = sel.empty ? 0 : sel.from;
  const to = sel.empty ? view.state.doc.length : sel.to;
  try {
    // The server's flavour picks the dialect: the mariadb one turns MySQL's `doc->>'$.a'` into `doc - >> '$.a'`.
    const dialect = { mariadb, mysql }[page.dataset.sqlDialect] || mariadb;
    const formatted = formatDialect(view.state.sliceDoc(from, to), { dialect, keywordCase: "upper" });
    view.dispatch({ changes: { from, to, insert: formatted } });
  } catch (err) {
    showStatus(`Cannot format: ${err.message}`, true);
  }
}

// null when the user keeps the pending edits of the result shown (nothing is opened).
function openInNewTab(text, database) {
  if (keepsEdits(state.current, "Open a new tab")) return null;
  const tab = addTab({ sql: text, database: database || state.current.database });
  switchTab(tab);
  scheduleSave();
  return tab;
}

const loadHistory = () => loadHistoryPanel({ openInNewTab, runQuery });
const loadSaved = () => loadSavedPanel({ openInNewTab });

async function saveQuery() {
  const name = $("#save-name").value.trim() || state.current.title;
  try {
    await api("/api/editor/saved", {
      body: { name, sql: view.state.doc.toString(), database: state.current.database || null },
    });
    state.current.title = name.slice(0, 100);
    renderTabs();
    scheduleSave();
    showStatus(`Saved as “${name}”`);
    loadSaved();
  } catch (err) {
    showStatus(err.message, true);
  }
}

// -- wiring -----------------------------------------------------------------------------------------
$("#run-all").addEventListener("click", () => runQuery("all"));
$("#run-current").addEventListener("click", () => runQuery("current"));
$("#stop").addEventListener("click", stopQuery);
$("#result-body").addEventListener("grid-error", (e) => showStatus(e.detail, true));
$("#result-body").addEventListener("grid-note", (e) => showStatus(e.detail, false));
$("#format").addEventListener("click", formatSql);
$("#explain").addEventListener("click", explain);
$("#save").addEventListener("click", saveQuery);
$("#db-select").addEventListener("change", (e) => {
  state.current.database = e.target.value;
  scheduleSave();
  loadSchema();
});
$("#history-search").addEventListener("input", () => {
  clearTimeout(state.historyTimer);
  state.historyTimer = setTimeout(loadHistory, 250);
});
$("#panel-toggle").addEventListener("click", () => {
  const panel = $("#side-panel");
  panel.hidden = !panel.hidden;
  if (!panel.hidden) {
    loadHistory();
    loadSaved();
  }
});
for (const id of ["#safe-mode", "#on-error"]) {
  $(id).addEventListener("change", () =>
    api("/api/editor/options", {
      method: "PUT",
      body: { safe_mode: $("#safe-mode").checked, on_error: $("#on-error").value },
    }).catch((err) => showStatus(`Could not keep the setting: ${err.message}`, true)),
  );
}
// The schema may have changed elsewhere (another page, another client): refresh it when the
// editor comes back into view, at most every 10 s.
let schemaLoadedAt = 0;
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && Date.now() - schemaLoadedAt > 10000) loadSchema();
});
window.addEventListener("focus", () => {
  if (Date.now() - schemaLoadedAt > 10000) loadSchema();
});
window.addEventListener("beforeunload", (e) => {
  if (saveTimer) saveTabs();
  if (pendingEdits()) e.preventDefault(); // as the table page asks
});

// The workspace shell (tabs.js) keeps one editor and hands it "new query here" requests.
window.addEventListener("message", (e) => {
  if (e.origin !== window.location.origin || !e.data || e.data.type !== "eddy:new-query") return;
  if (keepsEdits(state.current, "Open a new tab")) return;
  const tab = addTab({ sql: String(e.data.text || ""), database: String(e.data.database || state.current?.database || "") });
  scheduleSave();
  switchTab(tab);
});

async function init() {
  let stored = [];
  try {
    stored = (await getJson("/api/editor/tabs")).tabs;
  } catch {
    stored = [];
  }
  try {
    const options = await getJson("/api/editor/options");
    $("#safe-mode").checked = options.safe_mode;
    $("#on-error").value = options.on_error;
  } catch {
    // defaults stay
  }
  for (const t of stored) addTab(t);
  if (!state.tabs.length) addTab();
  let first = state.tabs[0];
  const wanted = page.dataset.database;
  if (wanted && !stored.length) first.database = wanted;
  else if (wanted && first.database !== wanted) first = addTab({ database: wanted });
  // "Edit in SQL editor" links elsewhere (objects, DDL) pass the text as ?text=...: open it in a new tab.
  const linked = new URLSearchParams(window.location.search).get("text");
  if (linked) {
    first = addTab({ sql: linked, database: wanted || first.database });
    scheduleSave();
    window.history.replaceState(null, "", window.location.pathname);
  }
  switchTab(first);
  await loadSchema();
  page.dataset.ready = "1";
}

init();
