// The SQL editor's results in the one grid (datagrid.js), fed by a spooled result: rows come in
// windows from GET /api/query/<job>/rows. A result of at most HOLD_LIMIT rows, all fetched, is held
// whole in the browser: a header click sorts it and the filter box filters it there. Larger results
// say so (ORDER BY / WHERE sort and filter them on the server). Cells open in the side panel, read
// from the spooled result a page at a time; Copy reads cut values whole first.
// A result from one table that holds its primary key is edited like the table grid (table_edits.js).
import { getJson } from "./eddy.js";
import { DataGrid, buildColumnsPanel, cellText } from "./datagrid.js";
import { copyGridSelection } from "./grid_copy.js";
import { isCut } from "./cell_values.js";
import { CellPanel } from "./cell_panel.js";
import { TableEdits, buildEditControls } from "./table_edits.js";

const BLOCK = 100; // datagrid.js's window
export const HOLD_LIMIT = 2400; // rows a result may have to be sorted and filtered in the browser
const FETCH_ALL = 1200;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class ResultView {
  // source: {jobId, result, columns: [{name, type, numeric, origin}], total, fetching, rows, edit}
  constructor(container, source) {
    this.container = container;
    this.source = source;
    this.all = null; // every row, held whole, once sorted or filtered
    this.view = null; // positions into `all` shown, in order (sort and filter applied)
    this.sortKeys = [];
    this.filterText = "";
    this.build();
    this.update(source);
    this.prefill();
    this.editChecked = false;
    this.checkEditing();
  }

  // Whether the rows can be edited is known once the whole statement has run (edit is then set).
  checkEditing() {
    if (this.editChecked || !this.source.edit) return;
    this.editChecked = true;
    this.setUpEditing();
  }

  build() {
    const c = this.container;
    c.textContent = "";
    c.classList.add("result-view");
    const tools = el("div", "grid-toolbar result-tools");
    this.filterBox = el("input", "result-filter");
    this.filterBox.type = "search";
    this.filterBox.id = "result-filter";
    this.filterBox.placeholder = "Filter rows…";
    this.filterBox.title = `Shows the rows holding this text, in the browser (results up to ${HOLD_LIMIT.toLocaleString("en-US")} rows)`;
    this.filterBox.addEventListener("input", () => {
      clearTimeout(this.filterTimer);
      this.filterTimer = setTimeout(() => this.setFilter(this.filterBox.value), 200);
    });
    this.shown = el("span", "muted");
    this.shown.id = "result-shown";
    const columns = el("button", "", "Columns");
    columns.type = "button";
    columns.id = "result-columns";
    this.format = el("select");
    this.format.id = "result-copy-format";
    for (const f of ["TSV", "CSV", "JSON", "INSERT"]) this.format.append(new Option(f, f));
    const copy = el("button", "", "Copy");
    copy.type = "button";
    copy.id = "result-copy";
    copy.addEventListener("click", () => this.copy(this.format.value));
    this.editNote = el("span", "muted result-edit-note");
    this.editNote.id = "result-edit-note";
    this.editTools = el("span", "result-edit-tools");
    this.editTools.hidden = true;
    tools.append(this.filterBox, this.shown, columns, el("span", "sep"), this.format, copy, el("span", "sep"), this.editTools, this.editNote);
    this.columnsPanel = el("section", "columns-panel");
    this.columnsPanel.hidden = true;
    columns.addEventListener("click", () => {
      this.columnsPanel.hidden = !this.columnsPanel.hidden;
      if (!this.columnsPanel.hidden) buildColumnsPanel(this.grid, this.columnsPanel);
    });
    const main = el("div", "grid-main");
    this.gridEl = el("div", "datagrid");
    this.gridEl.id = "result-grid";
    this.panel = this.buildPanel();
    main.append(this.gridEl, this.panel.els.panel);
    c.append(tools, this.columnsPanel, main);
    this.grid = new DataGrid(this.gridEl, {
      columns: this.source.columns.map((col) => ({ name: col.name, type: col.type, numeric: Boolean(col.numeric) })),
      fetch: (start, count) => this.fetchRows(start, count),
      cellValue: (row, ci) => (this.edits ? this.edits.cellValue(row, ci) : row.values[ci]),
      cellClass: (row, ci) => (this.edits ? this.edits.cellClass(row, ci) : ""),
      rowClass: (row) => (this.edits ? this.edits.rowClass(row) : ""),
      editable: (row, ci) => Boolean(this.edits && this.edits.editable(ci)),
      onEdit: (row, ci, text) => this.edits.setValue(row, ci, text),
      onSave: () => this.edits && this.edits.apply(),
      onSort: (sort) => this.sortBy(sort),
      onOpen: (row, ci) => this.openCell(row, ci),
      onActive: (row, ci) => {
        if (this.panel.isOpen) this.openCell(row, ci);
      },
      onCellClick: (row, ci, event, cell) => {
        if (event.altKey || cell.classList.contains("long") || cell.classList.contains("binary")) this.openCell(row, ci);
      },
      onCopy: () => this.copy(this.grid.wholeRows() ? this.format.value : "TSV"),
      onError: (error) => this.error(error.message),
    });
    window.eddyResults = this.grid; // for tests and the console
  }

  buildPanel() {
    const make = (tag, id, text, className) => {
      const node = el(tag, className, text);
      if (id) node.id = id;
      if (tag === "button") node.type = "button";
      return node;
    };
    const els = {
      panel: make("aside", "cell-panel", undefined, "cell-panel"),
      col: make("strong", "cell-col"),
      type: make("span", "cell-type", undefined, "muted"),
      close: make("button", "cell-close", "×"),
      view: make("div", "cell-view"),
      actions: make("div", null, undefined, "cell-actions"),
      save: make("button", "cell-save", "Set text"),
      setNull: make("button", "cell-null", "Set NULL"),
    };
    els.panel.hidden = true;
    els.close.title = "Close";
    const head = make("div", null, undefined, "cell-panel-head");
    head.append(els.col, " ", els.type, els.close);
    els.actions.append(els.save, els.setNull);
    els.panel.append(head, els.view, els.actions);
    return new CellPanel(els, {
      column: (ci) => ({ ...this.source.columns[ci], json: this.source.columns[ci].type === "JSON" }),
      // A pending edit is shown as typed; anything else is read from the spooled result.
      page: (row, ci, offset) =>
        this.edits && this.edits.pending(row, ci)
          ? this.edits.localPage(row, ci)
          : getJson(this.cellUrl("cell", row, ci, `&offset=${offset}`)),
      editable: (row, ci) => Boolean(this.edits && this.edits.editable(ci)),
      readOnlyReason: () => this.readOnlyReason || "",
      file: (row, ci) => ({
        href: this.cellUrl("cell/download", row, ci),
        save: { url: `/api/query/${this.source.jobId}/cell/save`, body: { result: this.source.result, row: row.pos, col: ci } },
      }),
      setValue: (row, ci, value) => this.edits && this.edits.setValue(row, ci, value),
    });
  }

  destroy() {
    this.grid.destroy();
    if (this.editUi) this.editUi.dialog.remove();
    clearTimeout(this.filterTimer);
  }

  note(message) {
    this.container.dispatchEvent(new CustomEvent("grid-note", { bubbles: true, detail: message }));
  }

  error(message) {
    this.container.dispatchEvent(new CustomEvent("grid-error", { bubbles: true, detail: message }));
  }

  // -- rows ----------------------------------------------------------------------------------
  // Small finished results come with the job: no extra request.
  prefill() {
    const { rows, fetching, total } = this.source;
    if (!rows || fetching || rows.length !== total) return;
    for (let b = 0; b * BLOCK < rows.length; b++) {
      this.grid.blocks.set(b, rows.slice(b * BLOCK, (b + 1) * BLOCK).map((values, i) => ({ values, pos: b * BLOCK + i })));
    }
    this.grid.total = total;
    this.grid.loadedOnce = true;
    if (rows.length) this.grid.autoFit();
    this.grid.schedule();
  }

  // New total / fetching state from the job poll.
  update(source) {
    const grew = source.total !== this.source.total || source.fetching !== this.source.fetching;
    this.source = { ...this.source, ...source };
    if (this.editChecked === false) this.checkEditing();
    if (!grew) return;
    if (this.all) this.unhold(); // the rows changed under the sort or filter
    // A partial last block was asked before these rows existed: forget it so it is read again.
    for (const [b, rows] of [...this.grid.blocks.entries()]) {
      if (!Array.isArray(rows) || rows.length < BLOCK) this.grid.blocks.delete(b);
    }
    this.grid.total = this.source.total;
    this.grid.schedule();
  }

  shownTotal() {
    return this.view ? this.view.length : this.source.total;
  }

  async fetchRows(start, count) {
    if (this.view) {
      return { total: this.view.length, rows: this.view.slice(start, start + count).map((i) => this.all[i]) };
    }
    const rows = await this.readWindow(start, count);
    return { total: this.source.total, rows };
  }

  async readWindow(start, count) {
    const { jobId, result } = this.source;
    const data = await getJson(`/api/query/${jobId}/rows?result=${result}&from=${start}&count=${count}`);
    return (data.rows || []).map((values, i) => ({ values, pos: start + i }));
  }

  // Every row in memory, or the reason it cannot be (a note); null then.
  async hold(verb, serverWay) {
    const { total, fetching } = this.source;
    if (fetching) {
      this.note(`${verb} waits until all rows have arrived.`);
      return null;
    }
    if (total > HOLD_LIMIT) {
      this.note(
        `${verb} in the grid needs the whole result in memory: this one has ${total.toLocaleString("en-US")} rows ` +
          `(more than ${HOLD_LIMIT.toLocaleString("en-US")}), kept on disk. ${serverWay}`,
      );
      return null;
    }
    if (!this.all) {
      const all = [];
      for (let start = 0; start < total; start += FETCH_ALL) all.push(...(await this.readWindow(start, FETCH_ALL)));
      if (all.length !== total) {
        this.note(`Not done: the result could not be read whole.`);
        return null;
      }
      this.all = all;
    }
    return this.all;
  }

  unhold() {
    this.all = null;
    this.view = null;
    this.sortKeys = [];
    this.filterText = "";
    this.filterBox.value = "";
    this.shown.textContent = "";
    this.grid.setSort([]);
    this.grid.reset();
  }

  // -- sort and filter, in the browser -------------------------------------------------------
  async sortBy(sort) {
    const previous = this.sortKeys;
    if (!sort.length) {
      this.sortKeys = [];
      return this.refreshView();
    }
    const all = await this.hold("Sorting", "Add ORDER BY to the query to sort it on the server.");
    const names = this.source.columns.map((c) => c.name);
    const cut = all && sort.find((k) => all.some((row) => isCut(row.values[names.indexOf(k.column)])));
    if (cut) this.note(`Not sorted: ${cut.column} holds values cut for display; sort with ORDER BY instead.`);
    if (!all || cut) {
      this.grid.setSort(previous);
      return;
    }
    this.sortKeys = sort;
    this.refreshView();
  }

  async setFilter(text) {
    if (text && !(await this.hold("Filtering", "Add a WHERE clause to the query to filter it on the server."))) {
      this.filterBox.value = this.filterText;
      return;
    }
    this.filterText = text;
    this.refreshView();
  }

  refreshView() {
    if (!this.all) {
      this.grid.reset();
      return;
    }
    const columns = this.source.columns;
    let order = this.all.map((_, i) => i);
    const needle = this.filterText.toLowerCase();
    if (needle) {
      order = order.filter((i) => this.all[i].values.some((v) => cellText(v).toLowerCase().includes(needle)));
    }
    if (this.sortKeys.length) {
      const collator = new Intl.Collator(undefined, { numeric: false, sensitivity: "variant" });
      const keys = this.sortKeys.map((k) => {
        const ci = columns.findIndex((c) => c.name === k.column);
        const numeric = Boolean(columns[ci].numeric);
        const key = (v) => (v === null ? null : typeof v === "object" ? v.binary : numeric ? Number(v) : String(v));
        return { sign: k.dir === "desc" ? -1 : 1, numeric, values: this.all.map((row) => key(row.values[ci])) };
      });
      order.sort((a, b) => {
        for (const { sign, numeric, values } of keys) {
          const x = values[a];
          const y = values[b];
          if (x === y) continue;
          if (x === null) return -sign; // NULL first ascending, as the server sorts
          if (y === null) return sign;
          const c = numeric ? x - y : collator.compare(x, y);
          if (c) return c * sign;
        }
        return a - b; // stable: ties keep the server's order
      });
    }
    this.view = needle || this.sortKeys.length ? order : null;
    const total = this.source.total;
    this.shown.textContent = needle
      ? `${order.length.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} rows match (filtered here)`
      : "";
    this.grid.reset();
    this.grid.total = this.shownTotal();
    this.grid.schedule();
    this.container.dispatchEvent(new CustomEvent("grid-view", { bubbles: true, detail: { shown: this.shownTotal(), filtered: Boolean(needle) } }));
  }

  // -- cells ---------------------------------------------------------------------------------
  cellUrl(kind, row, ci, extra = "") {
    const { jobId, result } = this.source;
    return `/api/query/${jobId}/${kind}?result=${result}&row=${row.pos}&col=${ci}${extra}`;
  }

  copySource() {
    return {
      names: this.source.columns.map((c) => c.name),
      table: this.edits ? this.edits.meta.table : "result",
      cellValue: (row, ci) => this.grid.opts.cellValue(row, ci),
      describeRow: (row) => String(row.pos + 1),
      readWhole: async (row, ci, v) => {
        const limit = "text" in v ? v.length : v.size;
        return (await getJson(this.cellUrl("cell", row, ci, `&limit=${limit}`))).value;
      },
      onTooBig: (row, ci) => this.openCell(row, ci),
    };
  }

  // Copy as TSV/CSV/JSON/INSERT; cut cells are read whole from the server first.
  async copy(format) {
    delete this.gridEl.dataset.copied;
    try {
      const { rows, ok } = await copyGridSelection(this.grid, this.copySource(), format);
      if (!ok) throw new Error("the clipboard is not available here");
      delete this.gridEl.dataset.copyError;
      this.gridEl.dataset.copied = String(rows);
    } catch (error) {
      this.gridEl.dataset.copyError = `Not copied: ${error.message}`;
      this.gridEl.dispatchEvent(new CustomEvent("copy-refused", { bubbles: true, detail: this.gridEl.dataset.copyError }));
    }
  }

  // The real value in the side panel, read from the spooled result a page at a time.
  openCell(row, ci) {
    return this.panel.show(row, ci);
  }

  // -- editing: a result from one table that holds its key -----------------------------------
  async setUpEditing() {
    const target = this.source.edit || { reason: "read-only" };
    if (!target.table) return this.readOnly(target.reason);
    let meta;
    try {
      meta = await getJson(`/api/db/${encodeURIComponent(target.db)}/table/${encodeURIComponent(target.table)}/meta`);
    } catch (error) {
      return this.readOnly(`read-only: ${error.message}`);
    }
    if (meta.read_only_reason) return this.readOnly(`read-only: ${meta.read_only_reason}`);
    const origins = this.source.columns.map((c) => (c.origin ? c.origin.column : null));
    if (!meta.row_key.length || meta.row_key.some((k) => !origins.includes(k))) {
      return this.readOnly(`read-only: no primary key of ${target.table} in the result`);
    }
    this.edits = new TableEdits({
      meta,
      base: `/api/db/${encodeURIComponent(target.db)}/table/${encodeURIComponent(target.table)}`,
      columnOf: (ci) => origins[ci],
      width: origins.length,
      ui: (this.editUi = buildEditControls(this.editTools)),
      grid: this.grid,
      onApplied: (result, applied) => this.applied(result, applied),
      onError: (message) => message && this.error(message),
      onFlash: (message) => this.note(message),
    });
    this.editTools.hidden = false;
    this.editNote.textContent = `editable: ${target.table}`;
    this.container.dataset.editable = "1";
  }

  readOnly(reason) {
    this.readOnlyReason = reason;
    this.editNote.textContent = reason;
    this.container.dataset.editable = "0";
  }

  // After an Apply the spool still holds what the query read: the applied values are written into
  // the rows held here (so a further edit compares against them), and the grid says so.
  applied(result, applied) {
    for (const { row, values } of applied) for (const [ci, v] of values) row.values[ci] = v;
    this.note(`${result.message || `Applied: ${result.affected} row${result.affected === 1 ? "" : "s"} changed.`} Run the query again to read the table anew.`);
    this.grid.render();
  }
}
