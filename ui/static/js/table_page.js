// The table page: wires the DataGrid to /api/db/<db>/table/<table>/..., keeps pending edits until
// Apply (they survive reloads of rows and failed applies), filters, copy, the cell side panel.
import { api } from "./eddy.js";
import { DataGrid, cellText } from "./datagrid.js";
import { formatValues, plain } from "./grid_copy.js";

const page = document.getElementById("table-page");
const meta = JSON.parse(page.dataset.meta);
const base = `/api/db/${encodeURIComponent(meta.database)}/table/${encodeURIComponent(meta.table)}`;
const names = meta.columns.map((c) => c.name);
const keyIdx = meta.row_key.map((k) => names.indexOf(k));
const $ = (id) => document.getElementById(id);
const fkColumns = new Set(meta.foreign_keys.flatMap((fk) => fk.columns.map((c) => names.indexOf(c))));

const state = {
  sort: [],
  filter: initialFilter(),
  updates: new Map(), // rowKey -> {row, values: Map(ci -> value)}
  deletes: new Map(), // rowKey -> row
  inserts: [], // pinned rows {kind: "new", id, values, set: Set(ci)}
  errors: new Map(), // change id -> message
  nextId: 1,
  total: 0,
  exact: false,
};

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
    showError("");
    return {
      start: answer.start,
      total: answer.total,
      rows: answer.rows.map((values) => ({ kind: "server", key: keyIdx.length ? rowKey(values) : null, values })),
    };
  },
  pinned: () => state.inserts,
  cellValue: (row, ci) => {
    if (row.kind === "server") {
      const edit = state.updates.get(row.key);
      if (edit && edit.values.has(ci)) return edit.values.get(ci);
    }
    return row.values[ci];
  },
  cellClass: (row, ci) => {
    if (row.kind === "new") return row.set.has(ci) ? "pending" : "default";
    const edit = state.updates.get(row.key);
    const fk = fkColumns.has(ci) && row.values[ci] !== null ? "fk " : "";
    return fk + (edit && edit.values.has(ci) ? "pending" : "");
  },
  rowClass: (row) => {
    const classes = [];
    if (row.kind === "new") classes.push("inserted");
    if (row.kind === "server" && state.deletes.has(row.key)) classes.push("deleted");
    if (state.errors.has(changeId(row)) || state.errors.has("d:" + row.key)) classes.push("failed");
    return classes.join(" ");
  },
  editable: (row, ci) => !meta.read_only_reason && !meta.columns[ci].generated,
  onEdit: (row, ci, text) => setValue(row, ci, text),
  onSort: (sort) => {
    state.sort = sort;
    grid.reset();
  },
  onResize: () => savePrefs(),
  onOpen: (row, ci) => openCell(row, ci),
  onActive: (row, ci) => {
    if (!$("cell-panel").hidden) openCell(row, ci);
  },
  onSave: () => applyChanges(),
  // Alt+click, or a click on cut text, binary or a foreign key, opens the side panel.
  onCellClick: (row, ci, event, cell) => {
    const opens = ["long", "binary", "fk"].some((c) => cell.classList.contains(c));
    if (event.altKey || opens) openCell(row, ci);
  },
  onError: (error) => showError(error.message),
});
window.eddyGrid = grid; // for tests and the console

function defaultWidth(c) {
  if (/date|time/.test(c.data_type)) return 170;
  if (/int|decimal|float|double|year|bit/.test(c.data_type)) return 110;
  if (/text|blob|json/.test(c.data_type) || c.json) return 260;
  return 170;
}

function changeId(row) {
  return row.kind === "new" ? "n:" + row.id : "u:" + row.key;
}

function setValue(row, ci, value) {
  if (row.kind === "new") {
    row.values[ci] = value;
    row.set.add(ci);
  } else {
    let edit = state.updates.get(row.key);
    if (!edit) {
      edit = { row, values: new Map() };
      state.updates.set(row.key, edit);
    }
    const original = row.values[ci];
    if (JSON.stringify(original) === JSON.stringify(value)) edit.values.delete(ci);
    else edit.values.set(ci, value);
    if (!edit.values.size) state.updates.delete(row.key);
  }
  state.errors.delete(changeId(row));
  refreshPending();
  grid.render();
}

function pendingCount() {
  let n = state.inserts.length + state.deletes.size;
  for (const edit of state.updates.values()) n += edit.values.size ? 1 : 0;
  return n;
}

function refreshPending() {
  const n = pendingCount();
  $("btn-apply").disabled = n === 0;
  $("btn-discard").disabled = n === 0;
  $("pending-count").textContent = n ? `${n} pending change${n > 1 ? "s" : ""}` : "";
}

function showStatus(answer) {
  const count = answer.total.toLocaleString("en-US");
  const rows = answer.total === 1 ? "row" : "rows";
  $("status-count").textContent = answer.exact ? `${count} ${rows}` : `~${count} rows (estimate)`;
  $("btn-count").hidden = answer.exact;
  $("status-plan").textContent = `· ${answer.plan} · ${answer.elapsed_ms} ms server`;
  $("sql-text").textContent = answer.sql;
  // Export… offers the current filtered/sorted view (transfer.js reads this).
  const actions = $("transfer-actions");
  if (actions) actions.dataset.viewSql = answer.view_sql || "";
}

// -- edits: insert, duplicate, delete, apply, discard -------------------------------------
function newRow(values) {
  const row = { kind: "new", id: state.nextId++, values: meta.columns.map(() => undefined), set: new Set() };
  if (values) {
    meta.columns.forEach((c, ci) => {
      if (c.auto_increment || c.generated) return; // the server assigns these
      row.values[ci] = values[ci];
      row.set.add(ci);
    });
  }
  return row;
}

$("btn-insert").addEventListener("click", () => {
  state.inserts.unshift(newRow(null));
  refreshPending();
  grid.setActive(0, grid.visibleColumns()[0]);
});

$("btn-duplicate").addEventListener("click", () => {
  const rows = grid.selectedRows().filter((r) => r.kind === "server");
  for (const row of rows) {
    const values = row.values.map((v, ci) => grid.opts.cellValue(row, ci));
    if (values.some((v) => v && typeof v === "object" && v.truncated)) {
      showError("A row with a value cut for display (long text/binary) cannot be duplicated here.");
      continue;
    }
    state.inserts.push(newRow(values));
  }
  refreshPending();
  grid.render();
});

$("btn-delete").addEventListener("click", () => {
  const rows = grid.selectedRows();
  for (const row of rows) {
    if (row.kind === "new") state.inserts = state.inserts.filter((r) => r !== row);
    else if (state.deletes.has(row.key)) state.deletes.delete(row.key);
    else state.deletes.set(row.key, row);
  }
  grid.selected.clear();
  refreshPending();
  grid.render();
});

function keyOf(row) {
  return Object.fromEntries(meta.row_key.map((k, i) => [k, row.values[keyIdx[i]]]));
}

function original(row) {
  return Object.fromEntries(names.map((n, ci) => [n, row.values[ci]]));
}

function buildChanges() {
  const changes = [];
  for (const [key, row] of state.deletes) {
    changes.push({ id: "d:" + key, op: "delete", key: keyOf(row), original: original(row) });
  }
  for (const [key, edit] of state.updates) {
    if (state.deletes.has(key)) continue;
    const values = {};
    for (const [ci, v] of edit.values) values[names[ci]] = v;
    changes.push({ id: "u:" + key, op: "update", key: keyOf(edit.row), original: original(edit.row), values });
  }
  for (const row of [...state.inserts].reverse()) {
    const values = {};
    for (const ci of row.set) values[names[ci]] = row.values[ci];
    changes.push({ id: "n:" + row.id, op: "insert", values });
  }
  return changes;
}

let pendingRun = null;

async function applyChanges() {
  if (!pendingCount() || $("apply-dialog").open) return;
  const changes = buildChanges();
  try {
    const preview = await api(`${base}/apply`, { body: { changes, preview: true } });
    $("apply-sql").textContent = preview.statements.join(";\n") + ";";
    pendingRun = changes;
    $("apply-dialog").showModal();
  } catch (error) {
    showError(error.message);
  }
}

async function runChanges() {
  const changes = pendingRun;
  pendingRun = null;
  $("apply-dialog").close();
  let result;
  try {
    result = await api(`${base}/apply`, { body: { changes } });
  } catch (error) {
    showError(`Nothing was saved: ${error.message}. Your changes are still here; fix and apply again.`);
    return;
  }
  state.errors.clear();
  if (!result.ok) {
    for (const e of result.errors) state.errors.set(e.id, e.message);
    const lines = result.errors.map((e) => `${describeChange(e.id)}: ${e.message}`);
    showError(`Nothing was saved (rolled back). ${lines.join("\n")}\nYour changes are still here; fix and apply again.`);
    grid.render();
    return;
  }
  state.updates.clear();
  state.deletes.clear();
  state.inserts = [];
  refreshPending();
  showError("");
  flash(`Applied: ${result.affected} row${result.affected === 1 ? "" : "s"} changed.`);
  grid.reset({ keepPosition: true });
}

function describeChange(id) {
  const [kind, rest] = [id.slice(0, 1), id.slice(2)];
  if (kind === "n") return `New row ${rest}`;
  let key = rest;
  try {
    key = JSON.parse(rest).map((v) => cellText(v)).join(", ");
  } catch {
    /* keep the raw id */
  }
  return `${kind === "d" ? "Deleting" : "Row"} ${meta.row_key.join(", ")} = ${key}`;
}

function flash(message) {
  const status = $("status-plan");
  status.textContent = message;
}

$("btn-apply").addEventListener("click", applyChanges);
$("apply-run").addEventListener("click", runChanges);
$("apply-cancel").addEventListener("click", () => $("apply-dialog").close());
$("btn-discard").addEventListener("click", () => {
  state.updates.clear();
  state.deletes.clear();
  state.inserts = [];
  state.errors.clear();
  showError("");
  refreshPending();
  grid.render();
});
document.addEventListener("keydown", (e) => {
  if ((e.ctrlKey || e.metaKey) && (e.key === "s" || e.key === "S")) {
    e.preventDefault();
    applyChanges();
  }
});
window.addEventListener("beforeunload", (e) => {
  if (pendingCount()) e.preventDefault();
});

$("btn-reload").addEventListener("click", () => {
  state.refresh = true; // the server forgets this view's anchors and count too
  grid.reset({ keepPosition: true });
});

$("goto-row").addEventListener("keydown", (e) => {
  if (e.key !== "Enter") return;
  const n = Number.parseInt(e.target.value, 10);
  if (Number.isFinite(n) && n > 0) {
    grid.jumpTo(state.inserts.length + n - 1);
    grid.scroller.focus({ preventScroll: true });
  }
});

$("btn-count").addEventListener("click", async () => {
  $("btn-count").disabled = true;
  try {
    const answer = await api(`${base}/count`, { body: { sort: state.sort, filter: state.filter } });
    grid.total = answer.total;
    $("status-count").textContent = `${answer.total.toLocaleString("en-US")} rows`;
    $("btn-count").hidden = true;
    grid.render();
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
  op.addEventListener("change", sync);
  sync();
  line.append(col, op, v1, v2, remove);
  $("filter-conditions").append(line);
}

function readFilter() {
  const conditions = [...document.querySelectorAll(".filter-cond")].map((line) => {
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
  if (!panel.hidden && !document.querySelector(".filter-cond")) addCondition();
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
showFilter(state.filter);
if ((state.filter.conditions || []).length || state.filter.raw) $("filter-panel").hidden = false;

// -- columns: hide/show, widths; saved per table in the per-user store ----------------------
function buildColumnsPanel() {
  const panel = $("columns-panel");
  panel.textContent = "";
  grid.columns.forEach((c, ci) => {
    const label = document.createElement("label");
    label.className = "inline";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = !c.hidden;
    box.dataset.col = c.name;
    box.addEventListener("change", () => {
      grid.setColumnHidden(ci, !box.checked);
      savePrefs();
    });
    label.append(box, document.createTextNode(" " + c.name));
    panel.append(label);
  });
}
$("btn-columns").addEventListener("click", () => {
  const panel = $("columns-panel");
  panel.hidden = !panel.hidden;
  if (!panel.hidden) buildColumnsPanel();
});

let prefsTimer = null;
function savePrefs() {
  clearTimeout(prefsTimer);
  prefsTimer = setTimeout(() => {
    const body = {
      hidden: grid.columns.filter((c) => c.hidden).map((c) => c.name),
      widths: Object.fromEntries(grid.columns.map((c) => [c.name, c.width])),
    };
    api(`${base}/prefs`, { body }).catch((error) => showError(`Column settings not saved: ${error.message}`));
  }, 300);
}

// -- copy as TSV / CSV / JSON / INSERT -----------------------------------------------------
function formatRows(rows, format, cols) {
  const values = rows.map((row) => cols.map((ci) => grid.opts.cellValue(row, ci)));
  return formatValues(values, cols.map((ci) => names[ci]), format, meta.table);
}

async function copySelection(format) {
  const rows = grid.selectedRows();
  const cols = grid.selected.size ? grid.visibleColumns() : [grid.active.col];
  const text = grid.selected.size ? formatRows(rows, format, cols) : formatRows(rows, format, cols).split("\n").slice(1).join("\n");
  window.eddyLastCopy = text;
  const done = () => flash(`Copied ${rows.length} row${rows.length === 1 ? "" : "s"} as ${format}.`);
  try {
    await navigator.clipboard.writeText(text);
    done();
  } catch {
    // Some webviews refuse the async clipboard: fall back to a selected textarea and copy.
    const area = document.createElement("textarea");
    area.value = text;
    area.className = "copy-buffer";
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    grid.scroller.focus({ preventScroll: true });
    if (ok) done();
    else showError("Copy failed: the clipboard is not available here.");
  }
}
$("btn-copy").addEventListener("click", () => copySelection($("copy-format").value));
grid.scroller.addEventListener("keydown", (e) => {
  if ((e.ctrlKey || e.metaKey) && (e.key === "c" || e.key === "C") && !grid.editing) {
    e.preventDefault();
    copySelection(grid.selected.size ? $("copy-format").value : "TSV");
  }
});

// -- the cell panel: whole values, JSON, binary, NULL, foreign keys both ways ---------------
let panelCell = null;

function isCut(v) {
  return v && typeof v === "object" && v.truncated;
}

async function fullValue(row, ci) {
  const v = grid.opts.cellValue(row, ci);
  if (!isCut(v) || row.kind !== "server") return v;
  const answer = await api(`${base}/cell`, { body: { key: keyOf(row), column: names[ci] } });
  return answer.value;
}

function hexToBytes(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
  return bytes;
}

function imageType(bytes) {
  const sig = [...bytes.slice(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join("");
  if (sig.startsWith("89504e47")) return "image/png";
  if (sig.startsWith("ffd8ff")) return "image/jpeg";
  if (sig.startsWith("47494638")) return "image/gif";
  return null;
}

function tableLink(db, table, filter) {
  const path = `/db/${encodeURIComponent(db)}/table/${encodeURIComponent(table)}`;
  return `${path}?filter=${encodeURIComponent(JSON.stringify(filter))}`;
}

function eqFilter(columns, values) {
  return { match: "and", conditions: columns.map((c, i) => ({ column: c, op: "=", value: plain(values[i]) })) };
}

async function openCell(row, ci) {
  if (!row) return;
  panelCell = { row, ci };
  const col = meta.columns[ci];
  $("cell-panel").hidden = false;
  $("cell-col").textContent = col.name;
  $("cell-type").textContent = col.type;
  const view = $("cell-view");
  view.textContent = "…";
  let value;
  try {
    value = await fullValue(row, ci);
  } catch (error) {
    view.textContent = error.message;
    return;
  }
  if (!panelCell || panelCell.row !== row || panelCell.ci !== ci) return;
  view.textContent = "";
  const editable = !meta.read_only_reason && !col.generated;
  $("cell-actions").hidden = !editable;
  if (value === null || value === undefined) {
    const badge = document.createElement("span");
    badge.className = "null-badge";
    badge.textContent = value === null ? "NULL" : "DEFAULT";
    view.append(badge);
  }
  if (value && typeof value === "object" && "binary" in value) {
    const info = document.createElement("p");
    info.textContent = `${value.size} bytes`;
    const bytes = hexToBytes(value.binary);
    const type = imageType(bytes);
    if (type) {
      const img = document.createElement("img");
      img.className = "cell-image";
      img.alt = "image preview";
      img.src = URL.createObjectURL(new Blob([bytes], { type }));
      view.append(img);
    }
    const hex = document.createElement("pre");
    hex.className = "cell-hex";
    hex.textContent = value.binary.replace(/(.{2})/g, "$1 ").replace(/((?:.. ){16})/g, "$1\n");
    view.append(info, hex);
    if (row.kind === "server") {
      const link = document.createElement("a");
      link.href = `${base}/download?key=${encodeURIComponent(JSON.stringify(keyOf(row)))}&column=${encodeURIComponent(col.name)}`;
      link.textContent = "Download";
      link.setAttribute("download", "");
      view.append(link);
    }
  } else {
    const text = value === null || value === undefined ? "" : String(value);
    let shown = text;
    if (col.json || /^\s*[[{]/.test(text)) {
      try {
        shown = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        /* not JSON: show as is */
      }
    }
    const area = document.createElement("textarea");
    area.id = "cell-text";
    area.value = shown;
    area.readOnly = !editable;
    area.rows = 12;
    area.spellcheck = false;
    view.append(area);
  }
  showForeignKeys(row, ci);
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

$("cell-close").addEventListener("click", () => {
  $("cell-panel").hidden = true;
  panelCell = null;
});
$("cell-null").addEventListener("click", () => {
  if (!panelCell) return;
  setValue(panelCell.row, panelCell.ci, null);
  openCell(panelCell.row, panelCell.ci);
});
$("cell-save").addEventListener("click", () => {
  if (!panelCell || !$("cell-text")) return;
  setValue(panelCell.row, panelCell.ci, $("cell-text").value);
  openCell(panelCell.row, panelCell.ci);
});

refreshPending();
grid.render();
