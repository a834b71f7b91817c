// The table page: wires the DataGrid to /api/db/<db>/table/<table>/... (keyset windows), pending
// edits until Apply (table_edits.js), filters, copy, the cell side panel.
import { api } from "./eddy.js";
import { DataGrid, buildColumnsPanel, cellText } from "./datagrid.js";
import { copyGridSelection, plain, wholeValues } from "./grid_copy.js";
import { isCut } from "./cell_values.js";
import { CellPanel } from "./cell_panel.js";
import { TableEdits } from "./table_edits.js";
import { EditJournal } from "./edit_journal.js";

const page = document.getElementById("table-page");
const meta = JSON.parse(page.dataset.meta);
const base = `/api/db/${encodeURIComponent(meta.database)}/table/${encodeURIComponent(meta.table)}`;
const names = meta.columns.map((c) => c.name);
const keyIdx = meta.row_key.map((k) => names.indexOf(k));
const $ = (id) => document.getElementById(id);
const fkColumns = new Set(meta.foreign_keys.flatMap((fk) => fk.columns.map((c) => names.indexOf(c))));

const NUMERIC = /^(tinyint|smallint|mediumint|int|integer|bigint|decimal|numeric|float|double|real|year|bit)$/;

const state = {
  sort: [],
  filter: initialFilter(),
  total: 0,
  exact: false,
};

// Pending edits survive a crash: journaled as they change, offered back when the table opens again.
const journal = new EditJournal({
  url: `${base}/journal`,
  where: $("grid-error"),
  name: `${meta.database}.${meta.table}`,
  restore: (changes) => edits.restore(changes),
});

function initialFilter() {
  const raw = new URLSearchParams(location.search).get("filter");
  if (!raw) return { match: "and", conditions: [], raw: "" };
  try {
    return { match: "and", conditions: [], raw: "", ...JSON.parse(raw) };
  } catch {
    return { match: "and", conditions: [], raw: "" };
  }
}

function rowKey(values) {
  return JSON.stringify(keyIdx.map((i) => values[i]));
}

function showError(message) {
  const box = $("grid-error");
  box.textContent = message || "";
  box.hidden = !message;
}

// -- the grid ------------------------------------------------------------------------------
const prefs = meta.prefs || {};
const grid = new DataGrid($("grid"), {
  columns: meta.columns.map((c) => ({
    name: c.name,
    type: c.type,
    width: (prefs.widths && prefs.widths[c.name]) || defaultWidth(c),
    fixed: Boolean(prefs.widths && prefs.widths[c.name]), // sized by the user: never auto-fitted
    numeric: NUMERIC.test(c.data_type),
    hidden: (prefs.hidden || []).includes(c.name),
  })),
  fetch: async (start, count) => {
    const body = { start, count, sort: state.sort, filter: state.filter, refresh: state.refresh };
    state.refresh = false;
    // The first jump in a new order may wait while the server sorts the table: show that it works.
    const asked = Date.now();
    const waiting = setInterval(() => {
      const seconds = ((Date.now() - asked) / 1000).toFixed(1);
      $("status-plan").textContent = `· sorting the rows for this order… ${seconds} s`;
    }, 300);
    let answer;
    try {
      answer = await api(`${base}/rows`, { body });
    } finally {
      clearInterval(waiting);
    }
    state.total = answer.total;
    state.exact = answer.exact;
    showStatus(answer);
    showFilterEmpty(answer);
    showError(applyNotice);
    return {
      start: answer.start,
      total: answer.total,
      rows: answer.rows.map((values, i) => ({
        kind: "server",
        key: keyIdx.length ? rowKey(values) : null,
        pos: answer.start + i, // finds the row again where there is no key (views)
        values,
      })),
    };
  },
  pinned: () => edits.inserts,
  cellValue: (row, ci) => edits.cellValue(row, ci),
  cellClass: (row, ci) => {
    const fk = row.kind === "server" && fkColumns.has(ci) && row.values[ci] !== null ? "fk " : "";
    return fk + edits.cellClass(row, ci);
  },
  rowClass: (row) => edits.rowClass(row),
  editable: (row, ci) => edits.editable(ci),
  onEdit: (row, ci, text) => edits.setValue(row, ci, text),
  onSort: (sort) => {
    state.sort = sort;
    grid.reset();
  },
  onResize: () => savePrefs(),
  onOpen: (row, ci) => openCell(row, ci),
  onActive: (row, ci) => {
    if (panel.isOpen) openCell(row, ci);
  },
  onSave: () => edits.apply(),
  onCopy: () => copySelection(grid.wholeRows() ? $("copy-format").value : "TSV"),
  // Ctrl+End on an estimated count: count exactly first, so the jump lands on the true last row.
  exactTotal: async () => (state.exact ? state.total : countExactly()),
  // Alt+click, or a click on cut text, binary or a foreign key, opens the side panel.
  onCellClick: (row, ci, event, cell) => {
    const opens = ["long", "binary", "fk"].some((c) => cell.classList.contains(c));
    if (event.altKey || opens) openCell(row, ci);
  },
  onError: (error) => showError(error.message),
});
window.eddyGrid = grid; // for tests and the console

// What an Apply that lost its connection found on the server: stays shown while the grid reloads.
let applyNotice = "";
const edits = new TableEdits({
  meta,
  base,
  grid,
  columnOf: (ci) => names[ci],
  ui: {
    apply: $("btn-apply"),
    discard: $("btn-discard"),
    count: $("pending-count"),
    dialog: $("apply-dialog"),
    sql: $("apply-sql"),
    run: $("apply-run"),
    cancel: $("apply-cancel"),
  },
  onApplied: (result) => {
    applyNotice = result.message; // set only when the connection dropped and Eddy checked the rows after
    showError(applyNotice);
    grid.reset({ keepPosition: true });
  },
  onError: (message) => {
    if (message) applyNotice = "";
    showError(message);
  },
  onFlash: (message) => flash(message),
  onChange: (changes) => journal.changed(changes),
});

function defaultWidth(c) {
  if (/date|time/.test(c.data_type)) return 170;
  if (/int|decimal|float|double|year|bit/.test(c.data_type)) return 110;
  if (/text|blob|json/.test(c.data_type) || c.json) return 260;
  return 170;
}

// One count for the page, in the status bar and the title line, marked estimate or exact.
function showCount(total, exact) {
  const count = total.toLocaleString("en-US");
  const rows = total === 1 ? "row" : "rows";
  $("status-count").textContent = exact ? `${count} ${rows}` : `~${count} rows (estimate)`;
  $("status-count").dataset.exact = String(exact);
  const filtered = filterActive(state.filter) ? " match the filter" : "";
  $("header-count").textContent = ` · ${exact ? "" : "~"}${count} ${rows}${filtered}${exact ? "" : " (estimate)"}`;
  $("btn-count").hidden = exact;
}

function showStatus(answer) {
  const count = answer.total.toLocaleString("en-US");
  const rows = answer.total === 1 ? "row" : "rows";
  showCount(answer.total, answer.exact);
  $("status-plan").textContent = `· ${answer.plan} · ${answer.elapsed_ms} ms server`;
  $("sql-text").textContent = answer.sql;
  // Export… offers the current filtered/sorted view (transfer.js reads this).
  const actions = $("transfer-actions");
  if (actions) actions.dataset.viewSql = answer.view_sql || "";
}

// -- edits: insert, duplicate, delete (apply and discard: table_edits.js) --------------------
$("btn-insert").addEventListener("click", () => {
  edits.inserts.unshift(edits.newRow(null));
  edits.refresh();
  grid.setActive(0, grid.visibleColumns()[0]);
});

$("btn-duplicate").addEventListener("click", async () => {
  const rows = grid.selectedRows().filter((r) => r.kind === "server");
  const cols = meta.columns.map((c, ci) => ci);
  let values;
  try {
    values = await wholeValues(copySource("Duplicating"), rows, cols);
  } catch (error) {
    flash("");
    showError(`Not duplicated: ${error.message}`);
    return;
  }
  for (const rowValues of values) edits.inserts.push(edits.newRow(rowValues));
  flash(`Duplicated ${values.length} row${values.length === 1 ? "" : "s"}.`);
  edits.refresh();
  grid.render();
});

$("btn-delete").addEventListener("click", () => {
  edits.toggleDelete(grid.selectedRows());
  grid.selected.clear();
  grid.render();
});

function keyOf(row) {
  return edits.keyOf(row);
}

function flash(message) {
  const status = $("status-plan");
  status.textContent = message;
}

document.addEventListener("keydown", (e) => {
  if ((e.ctrlKey || e.metaKey) && (e.key === "s" || e.key === "S")) {
    e.preventDefault();
    edits.apply();
  }
});
window.addEventListener("beforeunload", (e) => {
  if (edits.count()) e.preventDefault();
});

$("btn-reload").addEventListener("click", () => {
  state.refresh = true; // the server forgets this view's anchors and count too
  grid.reset({ keepPosition: true });
});

$("goto-row").addEventListener("keydown", (e) => {
  if (e.key !== "Enter") return;
  const n = Number.parseInt(e.target.value, 10);
  if (Number.isFinite(n) && n > 0) {
    grid.jumpTo(edits.inserts.length + n - 1);
    grid.scroller.focus({ preventScroll: true });
  }
});

async function countExactly() {
  const answer = await api(`${base}/count`, { body: { sort: state.sort, filter: state.filter } });
  state.total = answer.total;
  state.exact = true;
  grid.total = answer.total;
  showCount(answer.total, true);
  grid.render();
  return answer.total;
}

$("btn-count").addEventListener("click", async () => {
  $("btn-count").disabled = true;
  try {
    await countExactly();
  } catch (error) {
    showError(error.message);
  } finally {
    $("btn-count").disabled = false;
  }
});

// -- filter builder ------------------------------------------------------------------------
const OPS = ["=", "!=", "<", "<=", ">", ">=", "like", "not like", "in", "not in", "is null", "is not null", "between"];

function addCondition(cond = { column: names[0], op: "=", value: "" }) {
  const line = document.createElement("div");
  line.className = "filter-cond";
  const col = document.createElement("select");
  col.className = "f-col";
  for (const n of names) col.append(new Option(n, n, false, n === cond.column));
  const op = document.createElement("select");
  op.className = "f-op";
  for (const o of OPS) op.append(new Option(o.toUpperCase(), o, false, o === cond.op));
  const v1 = document.createElement("input");
  v1.className = "f-value";
  // A condition counts once the user filled it in (or it came from a link): an untouched empty
  // line is never sent as `col` = ''.
  if (cond.value !== undefined && cond.value !== "" || cond.values || cond.op !== "=") line.dataset.touched = "1";
  v1.addEventListener("input", () => (line.dataset.touched = "1"));
  v1.value = cond.values ? cond.values.join(", ") : cond.value ?? "";
  const v2 = document.createElement("input");
  v2.className = "f-value2";
  v2.value = cond.value2 ?? "";
  const remove = document.createElement("button");
  remove.type = "button";
  remove.textContent = "×";
  remove.title = "Remove";
  remove.addEventListener("click", () => line.remove());
  const sync = () => {
    v1.hidden = op.value.startsWith("is ");
    v2.hidden = op.value !== "between";
    v1.placeholder = op.value.endsWith("in") ? "a, b, c" : "value";
  };
  op.addEventListener("change", () => {
    line.dataset.touched = "1";
    sync();
  });
  sync();
  line.append(col, op, v1, v2, remove);
  $("filter-conditions").append(line);
}

function readFilter() {
  const conditions = [...document.querySelectorAll(".filter-cond[data-touched]")].map((line) => {
    const op = line.querySelector(".f-op").value;
    const cond = { column: line.querySelector(".f-col").value, op };
    const value = line.querySelector(".f-value").value;
    if (op === "in" || op === "not in") cond.values = value.split(",").map((s) => s.trim());
    else if (!op.startsWith("is ")) cond.value = value;
    if (op === "between") cond.value2 = line.querySelector(".f-value2").value;
    return cond;
  });
  return { match: $("filter-match").value, conditions, raw: $("filter-raw").value };
}

function showFilter(filter) {
  $("filter-conditions").textContent = "";
  for (const c of filter.conditions || []) addCondition(c);
  $("filter-match").value = filter.match || "and";
  $("filter-raw").value = filter.raw || "";
  const active = (filter.conditions || []).length || (filter.raw || "").trim();
  $("btn-filter").classList.toggle("on", Boolean(active));
  $("btn-filter").textContent = active ? "Filter (on)" : "Filter";
}

$("btn-filter").addEventListener("click", () => {
  const panel = $("filter-panel");
  panel.hidden = !panel.hidden;
  $("btn-filter").setAttribute("aria-expanded", String(!panel.hidden));
});
$("filter-add").addEventListener("click", () => addCondition());
$("filter-apply").addEventListener("click", () => {
  state.filter = readFilter();
  showFilter(state.filter);
  grid.reset();
});
$("filter-clear").addEventListener("click", () => {
  state.filter = { match: "and", conditions: [], raw: "" };
  showFilter(state.filter);
  grid.reset();
});
function filterActive(filter) {
  return Boolean((filter.conditions || []).length || (filter.raw || "").trim());
}

// A filter that finds nothing says so, with the filter and a way out.
function showFilterEmpty(answer) {
  const box = $("filter-empty");
  const empty = answer.total === 0 && filterActive(state.filter);
  box.hidden = !empty;
  if (empty) $("filter-empty-where").textContent = answer.where;
}
$("filter-empty-clear").addEventListener("click", () => $("filter-clear").click());

showFilter(state.filter);
if ((state.filter.conditions || []).length || state.filter.raw) $("filter-panel").hidden = false;

// -- columns: hide/show, widths; saved per table in the per-user store ----------------------
$("btn-columns").addEventListener("click", () => {
  const panel = $("columns-panel");
  panel.hidden = !panel.hidden;
  if (!panel.hidden) buildColumnsPanel(grid, panel, savePrefs);
});

let prefsTimer = null;
function savePrefs() {
  clearTimeout(prefsTimer);
  prefsTimer = setTimeout(() => {
    const body = {
      hidden: grid.columns.filter((c) => c.hidden).map((c) => c.name),
      // Only widths the user chose: the others are fitted to the data each time the table opens.
      widths: Object.fromEntries(grid.columns.filter((c) => c.fixed).map((c) => [c.name, c.width])),
    };
    api(`${base}/prefs`, { body }).catch((error) => showError(`Column settings not saved: ${error.message}`));
  }, 300);
}

// -- copy as TSV / CSV / JSON / INSERT (grid_copy.js): cut cells are read whole from the server --
function copySource(verb) {
  return {
    names,
    table: meta.table,
    cellValue: (row, ci) => grid.opts.cellValue(row, ci),
    describeRow,
    readWhole: async (row, ci, v) => {
      const page = await readCell(row, ci, { limit: "binary" in v ? v.size : v.length });
      if (!page.complete) throw new Error(`${names[ci]} of row ${describeRow(row)} changed on the server since it was loaded: reload and try again.`);
      return page.value;
    },
    onTooBig: (row, ci) => openCell(row, ci), // the side panel offers Save to file
    onProgress: (text) => flash(`${verb}: ${text}`),
  };
}

function describeRow(row) {
  if (row.kind === "new") return "(new)";
  return meta.row_key.map((k, i) => `${k} = ${cellText(row.values[keyIdx[i]])}`).join(", ");
}

async function copySelection(format) {
  let copied;
  try {
    copied = await copyGridSelection(grid, copySource("Copying"), format);
  } catch (error) {
    flash("");
    showError(`Not copied: ${error.message}`);
    return;
  }
  grid.scroller.focus({ preventScroll: true });
  const { rows, text, ok } = copied;
  if (ok) flash(`Copied ${rows} row${rows === 1 ? "" : "s"} as ${format} (${text.length.toLocaleString("en-US")} characters).`);
  else showError("Copy failed: the clipboard is not available here.");
}
$("btn-copy").addEventListener("click", () => copySelection($("copy-format").value));

// -- the cell panel: the real value read from the server a page at a time, JSON, binary, NULL,
// foreign keys both ways. A value is edited here only when the panel holds all of it.

// The page to show: the user's own (pending, new) values and values the grid holds whole are
// shown as they are; only a value cut for display is read from the server.
async function cellPage(row, ci, offset) {
  const pending = edits.pending(row, ci);
  if (pending || !isCut(grid.opts.cellValue(row, ci))) return { ...edits.localPage(row, ci), local: pending };
  return readCell(row, ci, { offset });
}

// A cell read from the server: by the row's key, or (views, tables without a key) by its position
// in the current view, checked against what the grid showed so a moved row is never taken for it.
async function readCell(row, ci, extra) {
  const where = keyIdx.length
    ? { key: keyOf(row) }
    : { key: {}, at: { position: row.pos, sort: state.sort, filter: state.filter } };
  const page = await api(`${base}/cell`, { body: { ...where, column: names[ci], ...extra } });
  if (!keyIdx.length && !sameValue(row.values[ci], page)) {
    throw new Error("The rows changed since they were loaded: reload to read this value.");
  }
  return page;
}

function sameValue(shown, page) {
  if (shown === null || shown === undefined) return page.kind === "null";
  if (typeof shown !== "object") return page.offset > 0 || String(page.value) === String(shown);
  const prefix = "binary" in shown ? shown.binary : shown.text;
  const size = "binary" in shown ? shown.size : shown.length;
  const got = page.kind === "binary" ? page.value.binary : String(page.value);
  if (page.size !== size) return false;
  if (page.offset > 0) return true; // later pages: the first page was checked
  return got.startsWith(prefix.slice(0, got.length)) || prefix.startsWith(got);
}

function tableLink(db, table, filter) {
  const path = `/db/${encodeURIComponent(db)}/table/${encodeURIComponent(table)}`;
  return `${path}?filter=${encodeURIComponent(JSON.stringify(filter))}`;
}

function eqFilter(columns, values) {
  return { match: "and", conditions: columns.map((c, i) => ({ column: c, op: "=", value: plain(values[i]) })) };
}

// Where a cell is, for Download/Save: its key, or its position in the view and the size it had.
function cellPlace(row, ci) {
  if (keyIdx.length) return { key: keyOf(row), column: names[ci] };
  const v = row.values[ci];
  const size = v && typeof v === "object" ? ("binary" in v ? v.size : v.length) : [...String(v)].length; // code points, as the server counts
  return { key: {}, at: { position: row.pos, sort: state.sort, filter: state.filter }, size, column: names[ci] };
}

function downloadHref(row, ci) {
  const place = cellPlace(row, ci);
  const query = new URLSearchParams({ key: JSON.stringify(place.key), column: place.column });
  if (place.at) {
    query.set("at", JSON.stringify(place.at));
    query.set("size", String(place.size));
  }
  return `${base}/download?${query}`;
}

const panel = new CellPanel(
  {
    panel: $("cell-panel"),
    col: $("cell-col"),
    type: $("cell-type"),
    view: $("cell-view"),
    actions: $("cell-actions"),
    save: $("cell-save"),
    setNull: $("cell-null"),
    close: $("cell-close"),
  },
  {
    column: (ci) => meta.columns[ci],
    page: cellPage,
    editable: (row, ci) => edits.editable(ci),
    readOnlyReason: (ci) => meta.read_only_reason || (meta.columns[ci].generated ? "Read-only: a generated column." : ""),
    file: (row, ci) =>
      row.kind === "server" ? { href: downloadHref(row, ci), save: { url: `${base}/cell/save`, body: cellPlace(row, ci) } } : null,
    setValue: (row, ci, value) => edits.setValue(row, ci, value),
    after: showForeignKeys,
  },
);

function openCell(row, ci) {
  return panel.show(row, ci);
}

function showForeignKeys(row, ci) {
  const fkBox = $("cell-fk");
  fkBox.textContent = "";
  const name = names[ci];
  for (const fk of meta.foreign_keys) {
    if (!fk.columns.includes(name) || row.kind !== "server") continue;
    const values = fk.columns.map((c) => row.values[names.indexOf(c)]);
    if (values.some((v) => v === null)) continue;
    const a = document.createElement("a");
    a.href = tableLink(fk.ref_db, fk.ref_table, eqFilter(fk.ref_columns, values));
    a.className = "fk-link";
    a.textContent = `→ ${fk.ref_table} (${fk.ref_columns.join(", ")} = ${values.map(cellText).join(", ")})`;
    fkBox.append(a);
  }
  const refs = $("cell-refs");
  refs.textContent = "";
  if (!meta.referenced_by.length || row.kind !== "server") return;
  const title = document.createElement("p");
  title.className = "muted";
  title.textContent = "Referenced by";
  refs.append(title);
  for (const ref of meta.referenced_by) {
    const values = ref.ref_columns.map((c) => row.values[names.indexOf(c)]);
    const a = document.createElement("a");
    a.className = "ref-link";
    a.href = tableLink(ref.db, ref.table, eqFilter(ref.columns, values));
    a.textContent = `${ref.table}.${ref.columns.join(", ")}`;
    refs.append(a);
  }
}

grid.render();

// An import into this table (the Import dialog on this page) leaves the rows shown stale: offer a reload.
document.addEventListener("eddy:imported", (event) => {
  const { database, table } = event.detail || {};
  if (database && database !== meta.database) return;
  if (table && table !== meta.table) return;
  $("import-notice").hidden = false;
});
$("import-reload").addEventListener("click", () => {
  $("import-notice").hidden = true;
  $("btn-reload").click();
});

journal.start();
