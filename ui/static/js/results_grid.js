// A virtual-scrolling result grid: only the visible rows are in the page; rows are fetched in
// windows from GET /api/query/<job>/rows and a few windows are cached. Cells follow the table
// page's conventions: SQL NULL is a badge (distinct from the text "NULL" and from ""), binary
// values are {"binary": hex, "size": n}. Click selects a cell, shift+click a range, Ctrl/⌘+C
// copies it as tab-separated text. Long text and binary arrive cut for display ({text, length,
// truncated} / {binary, size, truncated}); the value dialog and Copy read the real value from the
// spooled result (GET /api/query/<job>/cell), a page at a time or whole.
import { api } from "./eddy.js";
import { COPY_LIMIT, copySize, hasNativeDialogs, isCut, renderPage } from "./cell_values.js";
import { plain, tsvField } from "./grid_copy.js";

const ROW_HEIGHT = 24;
const WINDOW = 200;
const MAX_CACHED_WINDOWS = 12;
const MAX_SCROLL_HEIGHT = 8_000_000; // browsers cap element heights; beyond this, scroll is scaled
const PREVIEW = 200;
// A header click sorts in the browser only a result held whole in memory: at most this many rows,
// all fetched, none cut for display in the sorted column. Larger results say they need the full result.
const SORT_LIMIT = WINDOW * MAX_CACHED_WINDOWS;
const NUMERIC_TYPES = new Set(["tiny", "short", "long", "longlong", "int24", "decimal", "newdecimal", "float", "double", "year"]);

export function cellText(value) {
  if (value === null) return "NULL";
  if (typeof value === "object" && "text" in value) return value.text + "…";
  if (typeof value === "object") return "0x" + value.binary + (value.truncated ? "…" : "");
  return String(value);
}

function renderCell(td, value) {
  td.className = "";
  td.textContent = "";
  if (value === null) {
    td.className = "null";
    const badge = document.createElement("span");
    badge.className = "null-badge";
    badge.textContent = "NULL";
    td.appendChild(badge);
  } else if (typeof value === "object" && "text" in value) {
    td.className = "long";
    td.title = `${value.length.toLocaleString("en-US")} characters: double-click to see all`;
    td.textContent = value.text.slice(0, PREVIEW) + "…";
  } else if (typeof value === "object") {
    td.className = "binary";
    td.title = `${value.size.toLocaleString("en-US")} bytes`;
    td.textContent = "0x" + value.binary.slice(0, PREVIEW) + (value.truncated || value.binary.length > PREVIEW ? "…" : "");
  } else {
    const text = String(value);
    if (typeof value === "number") td.className = "num";
    if (text === "") td.className = "empty-string";
    td.textContent = text.length > PREVIEW ? text.slice(0, PREVIEW) + "…" : text;
    if (text.length > PREVIEW) td.title = text.slice(0, 2000);
  }
}

export class ResultsGrid {
  // source: {jobId, result (number), columns: [{name, type}], total, fetching}
  constructor(container, source) {
    this.container = container;
    this.source = source;
    this.cache = new Map(); // window index -> rows
    this.pending = new Map();
    this.selection = null; // {r0, c0, r1, c1}
    this.container.textContent = "";
    this.container.classList.add("vgrid");
    this.container.tabIndex = 0;
    this.sizer = document.createElement("div");
    this.sizer.className = "vgrid-sizer";
    this.table = document.createElement("table");
    this.table.className = "grid vgrid-table";
    const thead = this.table.createTHead();
    const hr = thead.insertRow();
    const corner = document.createElement("th");
    corner.className = "rownum";
    corner.textContent = "#";
    hr.appendChild(corner);
    source.columns.forEach((c, ci) => {
      const th = document.createElement("th");
      th.dataset.col = ci;
      th.title = `${c.name} ${c.type}\nClick: sort the rows shown here (results up to ${SORT_LIMIT.toLocaleString("en-US")} rows)`;
      th.addEventListener("click", () => this.sortBy(ci));
      const name = document.createElement("span");
      name.className = "col-name";
      name.textContent = c.name;
      const type = document.createElement("span");
      type.className = "col-type";
      type.textContent = " " + c.type;
      th.append(name, type);
      hr.appendChild(th);
    });
    this.tbody = this.table.createTBody();
    // Small finished results come with the job: no extra request.
    // (Not a partial first window of a result still being fetched: it would stay short.)
    const complete = source.rows && !source.fetching && source.rows.length === source.total;
    if (source.rows && (complete || source.rows.length >= WINDOW)) {
      this.cache.set(0, source.rows.slice(0, WINDOW));
    }
    this.container.append(this.table, this.sizer);
    this.onScroll = () => this.schedule();
    this.container.addEventListener("scroll", this.onScroll);
    this.table.addEventListener("mousedown", (e) => this.onMouseDown(e));
    this.table.addEventListener("dblclick", (e) => this.showValue(e));
    this.container.addEventListener("keydown", (e) => this.onKeyDown(e));
    this.resizeObserver = new ResizeObserver(() => this.schedule());
    this.resizeObserver.observe(this.container);
    this.update(source);
  }

  destroy() {
    this.resizeObserver.disconnect();
    this.container.removeEventListener("scroll", this.onScroll);
  }

  // New total / fetching state from the job poll.
  update(source) {
    const grew = source.total !== this.source.total;
    this.source = { ...this.source, ...source };
    if (grew && this.order) this.clearSort(); // the rows changed under the sort
    if (grew) {
      // The last window may have been partial: forget it so it is fetched again.
      const lastWindow = Math.floor(Math.max(0, this.source.total - 1) / WINDOW);
      for (const [key, rows] of [...this.cache.entries()]) {
        if (key >= lastWindow - 1 || rows.length < WINDOW) this.cache.delete(key);
      }
      // A request still in flight was asked before these rows existed: ask again.
      this.pending.clear();
    }
    const full = this.source.total * ROW_HEIGHT;
    this.scale = full > MAX_SCROLL_HEIGHT ? MAX_SCROLL_HEIGHT / full : 1;
    this.sizer.style.height = `${Math.min(full, MAX_SCROLL_HEIGHT) + ROW_HEIGHT * 2}px`;
    this.schedule();
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      this.render();
    });
  }

  visibleRange() {
    const height = this.container.clientHeight || 400;
    const count = Math.ceil(height / ROW_HEIGHT) + 1;
    const total = this.source.total;
    let first;
    if (this.scale === 1) {
      first = Math.floor(this.container.scrollTop / ROW_HEIGHT);
    } else {
      const maxScroll = Math.max(1, this.container.scrollHeight - height);
      first = Math.round((this.container.scrollTop / maxScroll) * Math.max(0, total - count + 2));
    }
    first = Math.max(0, Math.min(first, Math.max(0, total - count + 2)));
    return { first, last: Math.min(total, first + count) };
  }

  async rowsWindow(index) {
    if (this.cache.has(index)) return this.cache.get(index);
    if (!this.pending.has(index)) {
      const { jobId, result } = this.source;
      const url = `/api/query/${jobId}/rows?result=${result}&from=${index * WINDOW}&count=${WINDOW}`;
      const p = fetch(url, { credentials: "same-origin" })
        .then((r) => r.json())
        .then((data) => {
          if (this.pending.get(index) === p) this.pending.delete(index);
          // A result dropped on the server (replaced, tab closed, unused too long): say so, once.
          if (data.error) this.container.dispatchEvent(new CustomEvent("grid-error", { bubbles: true, detail: data.error }));
          if (data.rows && (data.rows.length === WINDOW || !data.fetching)) {
            this.cache.set(index, data.rows);
            while (this.cache.size > MAX_CACHED_WINDOWS) this.cache.delete(this.cache.keys().next().value);
          }
          return data.rows || [];
        });
      this.pending.set(index, p);
    }
    return this.pending.get(index);
  }

  async rows(from, to) {
    if (this.order) return this.order.slice(from, to).map((i) => this.all[i]);
    const out = [];
    for (let w = Math.floor(from / WINDOW); w * WINDOW < to; w++) {
      const rows = await this.rowsWindow(w);
      const base = w * WINDOW;
      for (let i = Math.max(from, base); i < Math.min(to, base + rows.length); i++) out.push(rows[i - base]);
    }
    return out;
  }

  // Fixed column widths from the header and the first rows, so columns don't jump while scrolling.
  fixWidths(rows) {
    if (this.widthsFixed || !rows.length) return;
    this.widthsFixed = true;
    const colgroup = document.createElement("colgroup");
    const num = document.createElement("col");
    num.style.width = `${Math.max(40, String(this.source.total).length * 8 + 16)}px`;
    colgroup.appendChild(num);
    let total = 0;
    this.source.columns.forEach((c, i) => {
      let chars = c.name.length + c.type.length + 2;
      for (const row of rows.slice(0, 100)) chars = Math.max(chars, Math.min(48, cellText(row[i]).length));
      const width = Math.max(60, Math.min(360, chars * 7.6 + 22));
      total += width;
      const col = document.createElement("col");
      col.style.width = `${width}px`;
      colgroup.appendChild(col);
    });
    this.table.insertBefore(colgroup, this.table.firstChild);
    this.table.classList.add("fixed");
    this.table.style.width = `${total + 60}px`;
  }

  async render() {
    const { first, last } = this.visibleRange();
    this.table.style.top = `${this.container.scrollTop}px`;
    const token = (this.renderToken = (this.renderToken || 0) + 1);
    const rows = await this.rows(first, last);
    if (token !== this.renderToken) return;
    this.fixWidths(rows);
    const numeric = this.source.columns.map((col) => NUMERIC_TYPES.has(col.type));
    const tbody = this.tbody;
    while (tbody.rows.length > rows.length) tbody.deleteRow(-1);
    rows.forEach((row, i) => {
      const tr = tbody.rows[i] || tbody.insertRow();
      const r = first + i;
      tr.dataset.row = r;
      if (tr.cells.length !== row.length + 1) {
        tr.textContent = "";
        const num = tr.insertCell();
        num.className = "rownum";
        row.forEach(() => tr.insertCell());
      }
      tr.cells[0].textContent = r + 1;
      tr.cells[0].className = "rownum";
      row.forEach((value, c) => {
        const td = tr.cells[c + 1];
        td.title = "";
        renderCell(td, value);
        // DECIMAL arrives as text (exact, as the server writes it): right-aligned like other numbers.
        if (value !== null && numeric[c]) td.classList.add("num");
        td.dataset.col = c;
        if (this.isSelected(r, c)) td.classList.add("selected");
      });
    });
  }

  // The real value of a cell (long text, JSON, binary) in a dialog, read from the spooled result a
  // page at a time: the grid's cut preview is never what the dialog shows.
  async showValue(event) {
    const td = event.target.closest("td");
    if (!td || td.dataset.col === undefined) return;
    await this.openValue(Number(td.parentElement.dataset.row), Number(td.dataset.col), 0);
  }

  cellUrl(kind, r, c, extra = "") {
    const { jobId, result } = this.source;
    return `/api/query/${jobId}/${kind}?result=${result}&row=${this.sourceRow(r)}&col=${c}${extra}`;
  }

  // The row's position in the spooled result (what the server knows) for a row shown at `r`.
  sourceRow(r) {
    return this.order ? this.order[r] : r;
  }

  // -- sort: a header click cycles ascending, descending, none ------------------------------
  note(message) {
    this.container.dispatchEvent(new CustomEvent("grid-note", { bubbles: true, detail: message }));
  }

  async sortBy(ci) {
    const { total, fetching } = this.source;
    if (fetching) return this.note("Sorting waits until all rows have arrived.");
    if (total > SORT_LIMIT) {
      return this.note(
        `Sorting in the grid needs the whole result in memory: this one has ${total.toLocaleString("en-US")} rows ` +
          `(more than ${SORT_LIMIT.toLocaleString("en-US")}), kept on disk. Add ORDER BY to the query to sort it on the server.`,
      );
    }
    const dir = this.sort && this.sort.col === ci ? (this.sort.dir === "asc" ? "desc" : null) : "asc";
    if (!dir) return this.clearSort();
    const all = this.all || (await this.rows(0, total));
    if (all.length !== total) return this.note("Not sorted: the result could not be read whole.");
    if (all.some((row) => isCut(row[ci]))) {
      return this.note(`Not sorted: ${this.source.columns[ci].name} holds values cut for display; sort with ORDER BY instead.`);
    }
    const numeric = NUMERIC_TYPES.has(this.source.columns[ci].type);
    const collator = new Intl.Collator(undefined, { numeric: false, sensitivity: "variant" });
    const key = (v) => (v === null ? null : typeof v === "object" ? v.binary : numeric ? Number(v) : String(v));
    const keys = all.map((row) => key(row[ci]));
    const sign = dir === "asc" ? 1 : -1;
    const order = all.map((_, i) => i);
    order.sort((a, b) => {
      const x = keys[a];
      const y = keys[b];
      if (x === y) return a - b; // stable: ties keep the server's order
      if (x === null) return -sign; // NULL first ascending, as the server sorts
      if (y === null) return sign;
      const c = numeric ? x - y : collator.compare(x, y);
      return (c || a - b) * (c ? sign : 1);
    });
    this.all = all;
    this.order = order;
    this.sort = { col: ci, dir };
    this.showSortMark();
    this.render();
  }

  clearSort() {
    this.order = null;
    this.all = null;
    this.sort = null;
    this.showSortMark();
    this.render();
  }

  showSortMark() {
    for (const th of this.table.tHead.rows[0].cells) {
      th.querySelector(".dg-sort")?.remove();
      th.classList.remove("sorted");
      if (this.sort && Number(th.dataset.col) === this.sort.col && th.dataset.col !== undefined) {
        const mark = document.createElement("span");
        mark.className = "dg-sort";
        mark.textContent = this.sort.dir === "asc" ? " ▲" : " ▼";
        th.append(mark);
        th.classList.add("sorted");
      }
    }
  }

  valueDialog() {
    let dialog = document.getElementById("cell-dialog");
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.id = "cell-dialog";
      dialog.className = "cell-dialog";
      const view = document.createElement("div");
      view.className = "cell-dialog-view";
      const close = document.createElement("button");
      close.type = "button";
      close.textContent = "Close";
      close.addEventListener("click", () => dialog.close());
      dialog.append(view, close);
      document.body.appendChild(dialog);
    }
    return dialog;
  }

  async openValue(r, c, offset) {
    const dialog = this.valueDialog();
    const view = dialog.querySelector(".cell-dialog-view");
    view.textContent = "Reading the value…";
    if (!dialog.open) dialog.showModal();
    let page;
    try {
      page = await api(this.cellUrl("cell", r, c, `&offset=${offset}`), { method: "GET" });
    } catch (error) {
      view.textContent = error.message;
      return;
    }
    const whole = page.kind !== "null";
    renderPage(view, page, {
      json: true,
      onPage: (next) => this.openValue(r, c, next),
      downloadHref: whole ? this.cellUrl("cell/download", r, c) : null,
      onSaveFile: whole ? () => this.saveValue(r, c) : null,
    });
    const text = view.querySelector("#cell-text");
    if (text) text.readOnly = true;
  }

  async saveValue(r, c) {
    const status = this.valueDialog().querySelector(".cell-file");
    try {
      if (await hasNativeDialogs()) {
        const { result } = this.source;
        const saved = await api(`/api/query/${this.source.jobId}/cell/save`, { body: { result, row: this.sourceRow(r), col: c } });
        if (saved.saved && status) status.append(` Saved ${saved.bytes.toLocaleString("en-US")} bytes to ${saved.path}`);
        return;
      }
      const link = document.createElement("a");
      link.href = this.cellUrl("cell/download", r, c);
      link.setAttribute("download", "");
      link.click();
    } catch (error) {
      if (status) status.append(` Not saved: ${error.message}`);
    }
  }

  isSelected(r, c) {
    const s = this.selection;
    if (!s) return false;
    return (
      r >= Math.min(s.r0, s.r1) && r <= Math.max(s.r0, s.r1) && c >= Math.min(s.c0, s.c1) && c <= Math.max(s.c0, s.c1)
    );
  }

  onMouseDown(event) {
    const td = event.target.closest("td");
    if (!td || td.dataset.col === undefined) return;
    const r = Number(td.parentElement.dataset.row);
    const c = Number(td.dataset.col);
    if (event.shiftKey && this.selection) {
      this.selection = { ...this.selection, r1: r, c1: c };
    } else {
      this.selection = { r0: r, c0: c, r1: r, c1: c };
    }
    this.container.focus();
    this.render();
  }

  async onKeyDown(event) {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "c" && this.selection) {
      event.preventDefault();
      await this.copySelection();
      return;
    }
    // Arrow keys move the selected cell (Shift extends the range); Page keys move a screen.
    const page = Math.max(1, Math.floor(this.container.clientHeight / ROW_HEIGHT) - 2);
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1],
      PageUp: [-page, 0], PageDown: [page, 0] };
    const move = moves[event.key];
    if (!move || !this.source.total) return;
    event.preventDefault();
    const s = this.selection || { r0: 0, c0: 0, r1: 0, c1: 0 };
    const r = Math.max(0, Math.min(this.source.total - 1, s.r1 + move[0]));
    const c = Math.max(0, Math.min(this.source.columns.length - 1, s.c1 + move[1]));
    this.selection = event.shiftKey ? { ...s, r1: r, c1: c } : { r0: r, c0: c, r1: r, c1: c };
    this.scrollToRow(r);
    this.render();
  }

  scrollToRow(r) {
    const { first, last } = this.visibleRange();
    if (r > first && r < last - 2) return;
    const total = this.source.total;
    if (this.scale === 1) {
      this.container.scrollTop = r <= first ? r * ROW_HEIGHT : (r + 3) * ROW_HEIGHT - this.container.clientHeight;
    } else {
      const maxScroll = this.container.scrollHeight - this.container.clientHeight;
      this.container.scrollTop = (r / Math.max(1, total)) * maxScroll;
    }
  }

  // Copy as tab-separated text: every cut cell is read whole from the server first; a selection
  // past COPY_LIMIT is not copied (the message says which cell, and the dialog can save it).
  async copySelection() {
    delete this.container.dataset.copied;
    const s = this.selection;
    const r0 = Math.min(s.r0, s.r1);
    const r1 = Math.min(Math.max(s.r0, s.r1), r0 + 10000);
    const c0 = Math.min(s.c0, s.c1);
    const c1 = Math.max(s.c0, s.c1);
    const rows = await this.rows(r0, r1 + 1);
    let budget = COPY_LIMIT;
    const lines = [];
    for (let i = 0; i < rows.length; i++) {
      const cellsText = []; // the row's whole values
      for (let c = c0; c <= c1; c++) {
        let v = rows[i][c];
        if (isCut(v)) {
          const size = copySize(v);
          if (size > budget) {
            const what = "text" in v ? `${v.length.toLocaleString("en-US")} characters` : `${v.size.toLocaleString("en-US")} bytes`;
            const name = this.source.columns[c].name;
            this.container.dataset.copyError =
              `Not copied: ${name} in row ${r0 + i + 1} holds ${what}, more than the ` +
              `${(COPY_LIMIT / 1048576).toFixed(0)} MiB Copy takes. Save it to a file from the value dialog instead.`;
            this.container.dispatchEvent(new CustomEvent("copy-refused", { bubbles: true, detail: this.container.dataset.copyError }));
            await this.openValue(r0 + i, c, 0);
            return null;
          }
          const limit = "text" in v ? v.length : v.size;
          const page = await api(this.cellUrl("cell", r0 + i, c, `&limit=${limit}`), { method: "GET" });
          v = page.value;
          budget -= size;
        }
        cellsText.push(v);
      }
      lines.push(cellsText);
    }
    // One cell: its exact text. Several: TSV, escaped as MySQL does (\N for NULL), nothing lost.
    const single = lines.length === 1 && lines[0].length === 1;
    const text = single
      ? lines[0][0] === null
        ? "NULL"
        : String(plain(lines[0][0]))
      : lines.map((values) => values.map(tsvField).join("\t")).join("\n");
    window.eddyLastCopy = text;
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Clipboard permission denied (e.g. plain http in some browsers): fall back to execCommand.
      const area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    delete this.container.dataset.copyError;
    this.container.dataset.copied = String(rows.length);
    return text;
  }
}
