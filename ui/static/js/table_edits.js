// Pending edits of one table's rows, shown in the grid until Apply sends them in one transaction to
// POST <base>/apply (core/services/editor.py: each change names its row by key and carries the values
// it had, so a row changed meanwhile refuses). Used by the table page and by a query result that
// comes from one table and holds its key (the grid's column ci is the table's column columnOf(ci)).
// Edits survive reloads of rows and failed applies.
import { api } from "./eddy.js";
import { cellText } from "./datagrid.js";
import { isCut } from "./cell_values.js";

export class TableEdits {
  // opts: {meta, base, grid, columnOf(ci) -> table column name or null, ui: {apply, discard, count,
  //        dialog, sql, run, cancel}, onApplied(result), onError(message), onFlash(message),
  //        onChange(changes): after every change of the pending edits, as Apply would send them}
  constructor(opts) {
    this.opts = opts;
    this.meta = opts.meta;
    this.grid = opts.grid;
    this.updates = new Map(); // rowKey -> {row, values: Map(ci -> value)}
    this.deletes = new Map(); // rowKey -> row
    this.inserts = []; // pinned rows {kind: "new", id, values, set: Set(ci)}
    this.errors = new Map(); // change id -> message
    this.nextId = 1;
    this.pendingRun = null;
    this.previewing = false; // Ctrl+S reaches both the grid and the page: one preview at a time
    const width = (this.width = opts.width ?? this.meta.columns.length);
    this.columnOf = opts.columnOf;
    this.ciOf = new Map();
    for (let ci = 0; ci < width; ci++) {
      const name = this.columnOf(ci);
      if (name !== null && !this.ciOf.has(name)) this.ciOf.set(name, ci);
    }
    this.keyIdx = this.meta.row_key.map((k) => this.ciOf.get(k));
    const ui = opts.ui;
    ui.apply.addEventListener("click", () => this.apply());
    ui.run.addEventListener("click", () => this.run());
    ui.cancel.addEventListener("click", () => ui.dialog.close());
    ui.discard.addEventListener("click", () => this.discard());
    this.refresh();
  }

  column(ci) {
    const name = this.columnOf(ci);
    return name === null ? null : this.meta.columns.find((c) => c.name === name) || null;
  }

  editable(ci) {
    const col = this.column(ci);
    return Boolean(col && !this.meta.read_only_reason && !col.generated);
  }

  rowKey(values) {
    return JSON.stringify(this.keyIdx.map((i) => values[i]));
  }

  keyOfRow(row) {
    return row.key ?? this.rowKey(row.values);
  }

  changeId(row) {
    return row.kind === "new" ? "n:" + row.id : "u:" + this.keyOfRow(row);
  }

  cellValue(row, ci) {
    if (row.kind !== "new") {
      const edit = this.updates.get(this.keyOfRow(row));
      if (edit && edit.values.has(ci)) return edit.values.get(ci);
    }
    return row.values[ci];
  }

  pending(row, ci) {
    return row.kind === "new" || (this.updates.get(this.keyOfRow(row))?.values.has(ci) ?? false);
  }

  // The side panel's page for a value typed here (never read from the server).
  localPage(row, ci) {
    const v = this.cellValue(row, ci);
    const page = { offset: 0, complete: true, local: true, isDefault: v === undefined };
    if (v === null || v === undefined) return { ...page, kind: "null", size: 0, value: null };
    if (typeof v === "object") return { ...page, kind: "binary", size: v.size, value: v };
    if (typeof v === "number") return { ...page, kind: "value", size: String(v).length, value: v };
    return { ...page, kind: "text", size: [...String(v)].length, value: String(v) };
  }

  cellClass(row, ci) {
    if (row.kind === "new") return row.set.has(ci) ? "pending" : "default";
    const edit = this.updates.get(this.keyOfRow(row));
    return edit && edit.values.has(ci) ? "pending" : "";
  }

  rowClass(row) {
    const classes = [];
    if (row.kind === "new") classes.push("inserted");
    else if (this.deletes.has(this.keyOfRow(row))) classes.push("deleted");
    if (this.errors.has(this.changeId(row)) || (row.kind !== "new" && this.errors.has("d:" + this.keyOfRow(row)))) {
      classes.push("failed");
    }
    return classes.join(" ");
  }

  setValue(row, ci, value) {
    if (isCut(value)) throw new Error("A value cut for display is never written back"); // never reached: a guard
    if (row.kind === "new") {
      row.values[ci] = value;
      row.set.add(ci);
    } else {
      const key = this.keyOfRow(row);
      let edit = this.updates.get(key);
      if (!edit) {
        edit = { row, values: new Map() };
        this.updates.set(key, edit);
      }
      if (JSON.stringify(row.values[ci]) === JSON.stringify(value)) edit.values.delete(ci);
      else edit.values.set(ci, value);
      if (!edit.values.size) this.updates.delete(key);
    }
    this.errors.delete(this.changeId(row));
    this.refresh();
    this.grid.render();
  }

  // A new row (pinned above the server's), empty or a copy of `values` without server-made columns.
  newRow(values) {
    const row = { kind: "new", id: this.nextId++, values: this.meta.columns.map(() => undefined), set: new Set() };
    if (values) {
      this.meta.columns.forEach((c, ci) => {
        if (c.auto_increment || c.generated) return; // the server assigns these
        row.values[ci] = values[ci];
        row.set.add(ci);
      });
    }
    return row;
  }

  toggleDelete(rows) {
    for (const row of rows) {
      if (row.kind === "new") this.inserts = this.inserts.filter((r) => r !== row);
      else if (this.deletes.has(this.keyOfRow(row))) this.deletes.delete(this.keyOfRow(row));
      else this.deletes.set(this.keyOfRow(row), row);
    }
    this.refresh();
  }

  count() {
    let n = this.inserts.length + this.deletes.size;
    for (const edit of this.updates.values()) n += edit.values.size ? 1 : 0;
    return n;
  }

  refresh() {
    const n = this.count();
    const ui = this.opts.ui;
    ui.apply.disabled = n === 0;
    ui.discard.disabled = n === 0;
    ui.count.textContent = n ? `${n} pending change${n > 1 ? "s" : ""}` : "";
    this.opts.onChange?.(this.buildChanges());
  }

  // Changes as buildChanges made them (e.g. from the crash journal) become pending edits again,
  // beside any made since; nothing is applied.
  restore(changes) {
    const width = this.width;
    const serverRow = (original) => {
      const values = Array.from({ length: width }, (_, ci) => original[this.columnOf(ci)]);
      return { kind: "server", key: this.rowKey(values), values };
    };
    const eachValue = (values, set) => {
      for (const [name, value] of Object.entries(values || {})) {
        if (this.ciOf.has(name)) set(this.ciOf.get(name), value);
      }
    };
    for (const change of changes) {
      if (change.op === "delete" && change.original) {
        const row = serverRow(change.original);
        this.deletes.set(row.key, row);
      } else if (change.op === "update" && change.original) {
        const row = serverRow(change.original);
        const edit = this.updates.get(row.key) || { row, values: new Map() };
        eachValue(change.values, (ci, v) => edit.values.set(ci, v));
        this.updates.set(row.key, edit);
      } else if (change.op === "insert") {
        const row = this.newRow(null);
        eachValue(change.values, (ci, v) => {
          row.values[ci] = v;
          row.set.add(ci);
        });
        this.inserts.push(row);
      }
    }
    this.refresh();
    this.grid.render();
  }

  keyOf(row) {
    return Object.fromEntries(this.meta.row_key.map((k, i) => [k, row.values[this.keyIdx[i]]]));
  }

  original(row) {
    const out = {};
    for (const [name, ci] of this.ciOf) out[name] = row.values[ci];
    return out;
  }

  buildChanges() {
    const changes = [];
    for (const [key, row] of this.deletes) {
      changes.push({ id: "d:" + key, op: "delete", key: this.keyOf(row), original: this.original(row) });
    }
    for (const [key, edit] of this.updates) {
      if (this.deletes.has(key)) continue;
      const values = {};
      for (const [ci, v] of edit.values) values[this.columnOf(ci)] = v;
      changes.push({ id: "u:" + key, op: "update", key: this.keyOf(edit.row), original: this.original(edit.row), values });
    }
    for (const row of [...this.inserts].reverse()) {
      const values = {};
      for (const ci of row.set) values[this.columnOf(ci)] = row.values[ci];
      changes.push({ id: "n:" + row.id, op: "insert", values });
    }
    return changes;
  }

  // Preview: the statements in a dialog; Run applies them.
  async apply() {
    const ui = this.opts.ui;
    if (!this.count() || ui.dialog.open || this.previewing) return;
    this.previewing = true;
    const changes = this.buildChanges();
    try {
      const preview = await api(`${this.opts.base}/apply`, { body: { changes, preview: true } });
      ui.sql.textContent = preview.statements.join(";\n") + ";";
      this.pendingRun = changes;
      ui.dialog.showModal();
    } catch (error) {
      this.opts.onError(error.message);
    } finally {
      this.previewing = false;
    }
  }

  async run() {
    const changes = this.pendingRun;
    this.pendingRun = null;
    this.opts.ui.dialog.close();
    if (!changes) return;
    let result;
    try {
      result = await api(`${this.opts.base}/apply`, { body: { changes } });
    } catch (error) {
      // No answer at all (TypeError from fetch): Eddy may have committed before the reply was lost.
      this.opts.onError(error instanceof TypeError
        ? `Eddy did not answer (${error.message}): whether your changes were saved is not known. Reload the table and check them before applying again; they are still here.`
        : `Nothing was saved: ${error.message}. Your changes are still here; fix and apply again.`);
      return;
    }
    this.errors.clear();
    if (!result.ok && result.outcome === "unknown") {
      this.opts.onError(`${result.message}\nYour changes are still here, not applied again.`);
      return;
    }
    if (!result.ok) {
      for (const e of result.errors) this.errors.set(e.id, e.message);
      const lines = result.errors.map((e) => `${this.describeChange(e.id)}: ${e.message}`);
      this.opts.onError(result.message || `Nothing was saved (rolled back). ${lines.join("\n")}\nYour changes are still here; fix and apply again.`);
      this.grid.render();
      return;
    }
    const applied = [...this.updates.values()];
    this.updates.clear();
    this.deletes.clear();
    this.inserts = [];
    this.refresh();
    if (this.opts.onFlash) this.opts.onFlash(`Applied: ${result.affected} row${result.affected === 1 ? "" : "s"} changed.`);
    this.opts.onApplied(result, applied);
  }

  describeChange(id) {
    const [kind, rest] = [id.slice(0, 1), id.slice(2)];
    if (kind === "n") return `New row ${rest}`;
    let key = rest;
    try {
      key = JSON.parse(rest).map((v) => cellText(v)).join(", ");
    } catch {
      /* keep the raw id */
    }
    return `${kind === "d" ? "Deleting" : "Row"} ${this.meta.row_key.join(", ")} = ${key}`;
  }

  discard() {
    this.updates.clear();
    this.deletes.clear();
    this.inserts = [];
    this.errors.clear();
    this.opts.onError("");
    this.refresh();
    this.grid.render();
  }
}

// The Apply/Discard buttons, the pending count and the preview dialog, for a page that has none in
// its template (the SQL editor's results).
export function buildEditControls(host) {
  const make = (tag, id, text, className) => {
    const node = document.createElement(tag);
    if (id) node.id = id;
    if (text) node.textContent = text;
    if (className) node.className = className;
    if (tag === "button") node.type = "button";
    return node;
  };
  const ui = {
    apply: make("button", "btn-apply", "Apply", "primary"),
    discard: make("button", "btn-discard", "Discard"),
    count: make("span", "pending-count", "", "pending-count"),
    dialog: make("dialog", "apply-dialog"),
    sql: make("pre", "apply-sql"),
    run: make("button", "apply-run", "Run", "primary"),
    cancel: make("button", "apply-cancel", "Cancel"),
  };
  const actions = make("div", null, "", "dialog-actions");
  actions.append(ui.run, ui.cancel);
  ui.dialog.append(make("h2", null, "Apply these changes in one transaction?"), ui.sql, actions);
  host.append(ui.apply, ui.discard, ui.count);
  document.body.append(ui.dialog);
  return ui;
}
