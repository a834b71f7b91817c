// A reusable virtual-scrolling data grid: any number of rows, a few blocks of them in memory.
//
// The one grid of the app: the table page (keyset windows of a table or view) and the SQL editor's
// results (windows of a spooled result) both draw their rows with it.
//
// new DataGrid(element, {
//   columns: [{name, type, width, hidden, numeric}],
//   fetch: async (start, count) => ({rows: [rowObject...], total}),   // a window of rows
//   pinned: () => [rowObject...],              // rows shown above the fetched ones (e.g. new rows)
//   cellValue: (row, ci) => value,             // default row.values[ci]
//   cellClass / rowClass: extra CSS classes (e.g. pending edits),
//   editable: (row, ci) => bool, onEdit: (row, ci, text) => void,
//   onSort: (sort) => void, onResize: (ci, px) => void, onOpen: (row, ci) => void,
//   onSave: () => void, onActive: (row, ci) => void, onCellClick: (row, ci, event, cellElement) => void,
//   onCopy: () => void,                        // Ctrl/⌘+C
// })
// Selection: whole rows (click the gutter, Shift/Ctrl+click) or a block of cells (Shift+click a
// cell, Shift+arrows); selectedRows() and selectedColumns() say what a copy takes.
// Cells keep SQL NULL (null), the empty string and the text "NULL" apart; binary cells arrive as
// {binary: hex, size}; cut text as {text, length, truncated}.

const MAX_CANVAS = 8_000_000; // px: below every browser's element-height limit
const BLOCK = 100;
const MAX_BLOCKS = 30; // rows held in memory: at most MAX_BLOCKS * BLOCK
const LONG_TEXT = 200;
const GUTTER = 56; // px: the row-number column
const COLUMN_MARGIN = 300; // px of columns drawn beyond each side of the view
const FIT_SAMPLE = 200; // rows measured to fit a column
const FIT_MIN = 48;
const FIT_MAX = 420;

export function cellText(value) {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "object") {
    if ("binary" in value) return "0x" + value.binary + (value.truncated ? "…" : "");
    if ("text" in value) return value.text + "…";
  }
  return String(value);
}

// Fill `el` with a display of `value`; returns nothing. Text goes in as text, never as HTML.
export function renderCell(el, value) {
  el.textContent = "";
  if (value === undefined) {
    el.classList.add("default");
    el.textContent = "DEFAULT";
    return;
  }
  if (value === null) {
    el.classList.add("null");
    const badge = document.createElement("span");
    badge.className = "null-badge";
    badge.textContent = "NULL";
    el.appendChild(badge);
    return;
  }
  if (typeof value === "object" && "binary" in value) {
    el.classList.add("binary");
    el.textContent = `0x${value.binary.slice(0, 64)}${value.binary.length > 64 || value.truncated ? "…" : ""}`;
    el.title = `${value.size} bytes`;
    return;
  }
  if (typeof value === "object" && "text" in value) {
    el.classList.add("long");
    el.textContent = value.text.slice(0, LONG_TEXT).replace(/\r?\n/g, "↵") + "…";
    el.title = `${value.length} characters: open to see all`;
    return;
  }
  if (typeof value === "number") el.classList.add("num");
  const text = String(value);
  if (text === "") {
    el.classList.add("empty");
    return;
  }
  if (text.length > LONG_TEXT) {
    el.classList.add("long");
    el.textContent = text.slice(0, LONG_TEXT).replace(/\r?\n/g, "↵") + "…";
    return;
  }
  el.textContent = text.replace(/\r?\n/g, "↵");
}

export class DataGrid {
  constructor(root, options) {
    this.root = root;
    this.opts = { rowHeight: 24, cellValue: (row, ci) => row.values[ci], pinned: () => [], ...options };
    this.columns = options.columns.map((c) => ({ width: 160, hidden: false, ...c }));
    this.sort = options.sort || [];
    this.total = 0;
    this.blocks = new Map(); // block index -> rows | "loading"
    this.generation = 0; // bumps on reset: late answers for an old view are dropped
    this.active = { row: 0, col: this.visibleColumns()[0] ?? 0 };
    this.selected = new Set();
    this.range = null; // {r0, c0, r1, c1}: a block of cells (c are indexes into visibleColumns())
    this.anchorRow = null;
    this.editing = null;
    this.build();
  }

  // -- structure ---------------------------------------------------------------------------
  build() {
    this.root.classList.add("dg");
    this.root.textContent = "";
    this.scroller = el("div", "dg-scroll");
    this.scroller.tabIndex = 0;
    this.canvas = el("div", "dg-canvas");
    this.head = el("div", "dg-head");
    this.body = el("div", "dg-body");
    this.canvas.append(this.head, this.body);
    this.scroller.append(this.canvas);
    this.root.append(this.scroller);
    this.scroller.addEventListener("scroll", () => {
      this.lastScroll = performance.now();
      this.schedule();
    });
    this.scroller.addEventListener("keydown", (e) => this.onKey(e));
    this.scroller.addEventListener("wheel", (e) => this.onWheel(e), { passive: false });
    this.body.addEventListener("mousedown", (e) => this.onMouseDown(e));
    this.resizeObserver = new ResizeObserver(() => this.schedule());
    this.resizeObserver.observe(this.scroller);
    this.renderHead();
  }

  destroy() {
    this.resizeObserver.disconnect();
    cancelAnimationFrame(this.frame);
    this.generation += 1;
  }

  visibleColumns() {
    return this.columns.map((c, i) => (c.hidden ? -1 : i)).filter((i) => i >= 0);
  }

  setColumnHidden(ci, hidden) {
    this.columns[ci].hidden = hidden;
    this.renderHead();
  }

  setSort(sort) {
    this.sort = sort;
    this.renderHead();
  }

  // Column geometry: the left offset of every shown column (after the gutter) and the total width.
  // Only the columns in view (plus a margin) become DOM cells, in the head as in the rows.
  renderHead() {
    let left = 0;
    this.layout = [];
    for (const ci of this.visibleColumns()) {
      this.layout.push({ ci, left, width: this.columns[ci].width });
      left += this.columns[ci].width;
    }
    this.contentWidth = GUTTER + left;
    this.canvas.style.width = this.contentWidth + "px";
    this.headRange = null; // rebuilt by the next render
    this.schedule();
  }

  // [first, last) indexes into this.layout of the columns to draw now.
  columnRange() {
    const layout = this.layout;
    if (!layout.length) return [0, 0];
    const from = Math.max(0, this.scroller.scrollLeft - GUTTER - COLUMN_MARGIN);
    const to = this.scroller.scrollLeft + (this.scroller.clientWidth || 1200) + COLUMN_MARGIN;
    let lo = 0;
    let hi = layout.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (layout[mid].left + layout[mid].width <= from) lo = mid + 1;
      else hi = mid;
    }
    let last = lo;
    while (last < layout.length && layout[last].left < to) last++;
    return [lo, Math.max(last, lo + 1)];
  }

  drawHead([a, b]) {
    this.head.textContent = "";
    const gutter = el("div", "dg-gutter dg-hcell");
    gutter.textContent = "#";
    this.head.append(gutter);
    if (a < this.layout.length) this.head.append(spacer(this.layout[a].left));
    for (const { ci } of this.layout.slice(a, b)) {
      const col = this.columns[ci];
      const cell = el("div", "dg-hcell");
      cell.dataset.col = ci;
      cell.style.width = col.width + "px";
      if (col.numeric) cell.classList.add("num");
      const name = el("span", "col-name");
      name.textContent = col.name;
      const type = el("span", "col-type");
      type.textContent = col.type || "";
      cell.append(name, type);
      const s = this.sort.findIndex((k) => k.column === col.name);
      if (s >= 0) {
        const mark = el("span", "dg-sort");
        mark.textContent = (this.sort[s].dir === "desc" ? "▼" : "▲") + (this.sort.length > 1 ? s + 1 : "");
        cell.append(mark);
        cell.classList.add("sorted");
      }
      cell.title = `${col.name} ${col.type || ""}\nClick: sort · Shift+click: add to sort · drag the border: resize · double-click it: fit`;
      const grip = el("div", "dg-resize");
      grip.addEventListener("mousedown", (e) => this.startResize(e, ci, cell));
      cell.append(grip);
      cell.addEventListener("click", (e) => this.onHeaderClick(e, col.name));
      this.head.append(cell);
    }
    this.headRange = [a, b];
  }

  // The width that shows a column's header and the loaded values (a sample: the rows in memory).
  fitWidth(ci) {
    const ctx = (this.measure ||= document.createElement("canvas").getContext("2d"));
    const col = this.columns[ci];
    const cs = getComputedStyle(this.root);
    const mono = cs.getPropertyValue("--mono") || "monospace";
    const sans = cs.fontFamily || "sans-serif";
    ctx.font = `600 12.5px ${sans}`;
    let head = ctx.measureText(col.name).width;
    ctx.font = `11px ${sans}`;
    head += col.type ? 4 + ctx.measureText(col.type).width : 0;
    head += this.sort.some((k) => k.column === col.name) ? 18 : 0;
    ctx.font = `12.5px ${mono}`;
    let body = 0;
    let seen = 0;
    const rows = [...this.opts.pinned()];
    for (const block of this.blocks.values()) if (Array.isArray(block)) rows.push(...block);
    for (const row of rows) {
      if (seen++ > FIT_SAMPLE) break;
      const text = cellText(this.opts.cellValue(row, ci)).slice(0, 80).replace(/\r?\n/g, "↵");
      body = Math.max(body, ctx.measureText(text).width);
    }
    return Math.round(Math.min(FIT_MAX, Math.max(FIT_MIN, head + 22, body + 20)));
  }

  // Fit every column the user has not sized himself: once, on the first rows.
  autoFit() {
    this.fitted = true;
    for (const ci of this.visibleColumns()) {
      if (!this.columns[ci].fixed) this.columns[ci].width = this.fitWidth(ci);
    }
    this.renderHead();
  }

  onHeaderClick(event, name) {
    if (event.target.classList.contains("dg-resize")) return;
    const current = this.sort.find((k) => k.column === name);
    const next = !current ? "asc" : current.dir === "asc" ? "desc" : null;
    let sort = event.shiftKey ? this.sort.filter((k) => k.column !== name) : [];
    if (event.shiftKey && current && next) {
      sort = this.sort.map((k) => (k.column === name ? { column: name, dir: next } : k));
    } else if (next) {
      sort.push({ column: name, dir: next });
    }
    this.setSort(sort);
    if (this.opts.onSort) this.opts.onSort(sort);
  }

  startResize(event, ci, cell) {
    event.preventDefault();
    event.stopPropagation();
    if (event.detail === 2) {
      // Double-click on the border: fit the column to its header and the loaded values.
      this.columns[ci].width = this.fitWidth(ci);
      this.columns[ci].fixed = true;
      this.renderHead();
      if (this.opts.onResize) this.opts.onResize(ci, this.columns[ci].width);
      return;
    }
    const startX = event.clientX;
    const startW = this.columns[ci].width;
    const move = (e) => {
      this.columns[ci].width = Math.max(40, startW + e.clientX - startX);
      this.columns[ci].fixed = true;
      cell.style.width = this.columns[ci].width + "px";
    };
    const up = () => {
      window.removeEventListener("mousemove", move);
      window.removeEventListener("mouseup", up);
      this.renderHead();
      if (this.opts.onResize) this.opts.onResize(ci, this.columns[ci].width);
    };
    window.addEventListener("mousemove", move);
    window.addEventListener("mouseup", up);
  }

  // -- data --------------------------------------------------------------------------------
  // Forget loaded rows (new sort/filter, or after apply) and load around the current position.
  reset({ keepPosition = false } = {}) {
    this.generation += 1;
    this.blocks.clear();
    this.selected.clear();
    this.range = null;
    this.loadedOnce = false;
    if (!keepPosition) {
      this.pinnedFirst = undefined;
      this.scroller.scrollTop = 0;
      this.active.row = 0;
    }
    this.schedule();
  }

  rowCount() {
    return this.opts.pinned().length + this.total;
  }

  rowAt(pos) {
    const pinned = this.opts.pinned();
    if (pos < pinned.length) return pinned[pos];
    const p = pos - pinned.length;
    const block = this.blocks.get(Math.floor(p / BLOCK));
    return Array.isArray(block) ? block[p % BLOCK] : undefined;
  }

  async load(b) {
    const generation = this.generation;
    this.blocks.set(b, "loading");
    try {
      const answer = await this.opts.fetch(b * BLOCK, BLOCK);
      if (generation !== this.generation) return;
      if (answer.start !== undefined && answer.start !== b * BLOCK) {
        this.blocks.delete(b); // clamped at the end: the total changed, ask again for the right blocks
      } else {
        this.blocks.set(b, answer.rows);
      }
      if (typeof answer.total === "number" && answer.total !== this.total) this.total = answer.total;
      this.evict(b);
      if (!this.fitted && this.opts.autoFit !== false && answer.rows.length) this.autoFit();
    } catch (error) {
      if (generation === this.generation) this.blocks.delete(b);
      if (this.opts.onError) this.opts.onError(error);
      return;
    }
    this.schedule();
  }

  evict(center) {
    if (this.blocks.size <= MAX_BLOCKS) return;
    const far = [...this.blocks.keys()].sort((a, b) => Math.abs(b - center) - Math.abs(a - center));
    for (const b of far.slice(0, this.blocks.size - MAX_BLOCKS)) this.blocks.delete(b);
  }

  // -- geometry ----------------------------------------------------------------------------
  viewRows() {
    const headH = this.head.offsetHeight || this.opts.rowHeight;
    return Math.max(1, Math.floor((this.scroller.clientHeight - headH) / this.opts.rowHeight));
  }

  canvasHeight() {
    return Math.min(this.rowCount() * this.opts.rowHeight, MAX_CANVAS);
  }

  scaled() {
    return this.rowCount() * this.opts.rowHeight > MAX_CANVAS;
  }

  // Past MAX_CANVAS one pixel of scrollbar is several rows: wheel and keys move by rows, and the
  // exact first row is remembered for as long as nothing else moves the scrollbar.
  scrollToFirst(first) {
    const maxFirst = Math.max(0, this.rowCount() - this.viewRows());
    first = Math.max(0, Math.min(maxFirst, first));
    const range = this.canvasHeight() + this.head.offsetHeight - this.scroller.clientHeight;
    this.scroller.scrollTop = maxFirst ? Math.round((first / maxFirst) * range) : 0;
    this.pinnedTop = this.scroller.scrollTop;
    this.pinnedFirst = first;
    this.schedule();
  }

  onWheel(event) {
    if (!this.scaled() || Math.abs(event.deltaY) < Math.abs(event.deltaX) || event.ctrlKey) return;
    event.preventDefault();
    const unit = event.deltaMode === 1 ? 1 : event.deltaMode === 2 ? this.viewRows() : 1 / this.opts.rowHeight;
    const rows = Math.round(event.deltaY * unit) || Math.sign(event.deltaY);
    this.scrollToFirst(this.firstRow() + rows);
  }

  firstRow() {
    if (this.pinnedFirst !== undefined && this.scroller.scrollTop === this.pinnedTop) return this.pinnedFirst;
    const n = this.rowCount();
    const visible = this.viewRows();
    const maxFirst = Math.max(0, n - visible);
    const range = this.canvasHeight() + this.head.offsetHeight - this.scroller.clientHeight;
    if (range <= 0) return 0;
    if (n * this.opts.rowHeight <= MAX_CANVAS) return Math.min(maxFirst, Math.floor(this.scroller.scrollTop / this.opts.rowHeight));
    return Math.min(maxFirst, Math.round((this.scroller.scrollTop / range) * maxFirst));
  }

  // Show row `pos` at the top and make it active ("go to row").
  jumpTo(pos, col = this.active.col) {
    if (this.scaled()) this.scrollToFirst(pos);
    else this.scroller.scrollTop = pos * this.opts.rowHeight;
    this.setActive(pos, col);
  }

  scrollToRow(pos) {
    const visible = this.viewRows();
    const first = this.firstRow();
    if (pos >= first && pos < first + visible) return;
    const target = pos < first ? pos : pos - visible + 1;
    if (this.scaled()) {
      this.scrollToFirst(target);
      return;
    }
    this.scroller.scrollTop = target * this.opts.rowHeight;
    this.schedule();
  }

  scrollToColumn(ci) {
    const place = this.layout.find((c) => c.ci === ci);
    if (!place) return;
    const start = GUTTER + place.left;
    const end = start + place.width;
    const left = this.scroller.scrollLeft;
    if (start < left) this.scroller.scrollLeft = place.left; // the gutter's width of context before it
    else if (end > left + this.scroller.clientWidth) this.scroller.scrollLeft = end - this.scroller.clientWidth;
  }

  // -- rendering ---------------------------------------------------------------------------
  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      this.render();
    });
  }

  render() {
    const pinned = this.opts.pinned().length;
    // One row of slack: the view is rarely a whole number of rows high, and without it the
    // scrollbar stops before the last row is fully in view.
    this.canvas.style.height = this.canvasHeight() + this.head.offsetHeight + this.opts.rowHeight + "px";
    const first = this.firstRow();
    const count = Math.min(this.viewRows() + 1, Math.max(0, this.rowCount() - first));
    this.body.style.height = this.viewRows() * this.opts.rowHeight + "px";
    // Fetch what is visible now, plus a block either side; not while the scrollbar is flying.
    const settling = performance.now() - (this.lastScroll || 0) < 60;
    if (settling) {
      clearTimeout(this.settleTimer);
      this.settleTimer = setTimeout(() => this.schedule(), 70);
    }
    const lo = Math.max(0, Math.floor((first - pinned) / BLOCK) - 1);
    const hi = Math.floor((first + count - pinned) / BLOCK) + 1;
    for (let b = Math.max(0, lo); b <= hi; b++) {
      if (b * BLOCK >= this.total && !(b === 0 && this.total === 0 && !this.loadedOnce)) continue;
      if (!this.blocks.has(b) && !settling) {
        this.loadedOnce = true;
        this.load(b);
      }
    }
    this.rendering = true; // detaching a focused editor fires blur: that is not a commit
    this.body.textContent = "";
    this.rendering = false;
    const range = this.columnRange();
    if (!this.headRange || this.headRange[0] !== range[0] || this.headRange[1] !== range[1]) this.drawHead(range);
    const shown = this.layout.slice(range[0], range[1]);
    const block = this.rangeBounds();
    const offset = shown.length ? shown[0].left : 0;
    for (let i = 0; i < count; i++) {
      const pos = first + i;
      const row = this.rowAt(pos);
      const line = el("div", "dg-row");
      line.dataset.pos = pos;
      if (this.selected.has(pos)) line.classList.add("selected");
      if (row && this.opts.rowClass) addClasses(line, this.opts.rowClass(row));
      const gutter = el("div", "dg-gutter");
      gutter.textContent = pos < pinned ? "new" : String(pos - pinned + 1);
      line.append(gutter, spacer(offset));
      for (const { ci, width } of shown) {
        const cell = el("div", "dg-cell");
        cell.dataset.col = ci;
        cell.style.width = width + "px";
        if (!row) {
          cell.classList.add("loading");
        } else {
          renderCell(cell, this.opts.cellValue(row, ci));
          if (this.columns[ci].numeric) cell.classList.add("num");
          if (this.opts.cellClass) addClasses(cell, this.opts.cellClass(row, ci));
        }
        if (pos === this.active.row && ci === this.active.col) cell.classList.add("active");
        if (block && pos >= block.r0 && pos <= block.r1 && block.cols.has(ci)) cell.classList.add("in-range");
        line.append(cell);
      }
      this.body.append(line);
    }
    if (this.editing && this.editing.pos >= first && this.editing.pos < first + count) this.placeEditor();
    else if (this.editing) this.cancelEdit();
    if (this.opts.onRender) this.opts.onRender(first, count);
  }

  cellElement(pos, ci) {
    return this.body.querySelector(`.dg-row[data-pos="${pos}"] .dg-cell[data-col="${ci}"]`);
  }

  // -- interaction -------------------------------------------------------------------------
  hit(event) {
    const cell = event.target.closest(".dg-cell, .dg-gutter");
    const line = event.target.closest(".dg-row");
    if (!line) return null;
    return { pos: Number(line.dataset.pos), col: cell && cell.dataset.col !== undefined ? Number(cell.dataset.col) : null };
  }

  onMouseDown(event) {
    if (event.target.closest(".dg-editor")) return;
    const hit = this.hit(event);
    if (!hit) return;
    this.scroller.focus({ preventScroll: true });
    if (hit.col !== null && event.shiftKey && !(event.ctrlKey || event.metaKey)) {
      this.extendRange(hit.pos, hit.col);
    } else if (hit.col === null || event.shiftKey || event.ctrlKey || event.metaKey) {
      this.range = null;
      this.selectRows(hit.pos, event);
    } else {
      this.selected.clear();
      this.range = null;
      this.anchorRow = hit.pos;
    }
    const cell = event.target.closest(".dg-cell");
    if (hit.col !== null) this.setActive(hit.pos, hit.col);
    else this.render();
    // A double click edits. (Rows re-render on mousedown, so no dblclick event would reach a cell.)
    if (event.detail === 2 && hit.col !== null) {
      event.preventDefault();
      this.startEdit();
      return;
    }
    // Re-rendering replaced the cell, so no click will follow: report it now.
    if (cell && this.opts.onCellClick) this.opts.onCellClick(this.rowAt(hit.pos), hit.col, event, cell);
  }

  selectRows(pos, event) {
    if (event.shiftKey && this.anchorRow !== null) {
      if (!(event.ctrlKey || event.metaKey)) this.selected.clear();
      const [a, b] = [Math.min(this.anchorRow, pos), Math.max(this.anchorRow, pos)];
      for (let p = a; p <= b && p - a < 10000; p++) this.selected.add(p);
    } else if (this.selected.has(pos) && (event.ctrlKey || event.metaKey)) {
      this.selected.delete(pos);
    } else {
      if (!(event.ctrlKey || event.metaKey)) this.selected.clear();
      this.selected.add(pos);
      this.anchorRow = pos;
    }
  }

  // A block of cells from the active cell (where the block started) to (pos, ci).
  extendRange(pos, ci) {
    const cols = this.visibleColumns();
    if (!this.range) this.range = { r0: this.active.row, c0: Math.max(0, cols.indexOf(this.active.col)) };
    this.range.r1 = Math.max(0, Math.min(this.rowCount() - 1, pos));
    this.range.c1 = Math.max(0, cols.indexOf(ci));
    this.selected.clear();
  }

  // The block's rows (r0..r1) and its columns, for drawing; null without a block.
  rangeBounds() {
    const r = this.range;
    if (!r || r.r1 === undefined) return null;
    return { r0: Math.min(r.r0, r.r1), r1: Math.max(r.r0, r.r1), cols: new Set(this.selectedColumns()) };
  }

  setActive(pos, col) {
    const n = this.rowCount();
    this.active = { row: Math.max(0, Math.min(n - 1, pos)), col };
    this.scrollToRow(this.active.row);
    this.scrollToColumn(col);
    this.render();
    const row = this.rowAt(this.active.row);
    if (this.opts.onActive && row) this.opts.onActive(row, col);
  }

  onKey(event) {
    if (this.editing) return;
    const cols = this.visibleColumns();
    const at = cols.indexOf(this.active.col);
    const page = this.viewRows();
    const mod = event.ctrlKey || event.metaKey;
    const moves = {
      ArrowDown: [1, 0],
      ArrowUp: [-1, 0],
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
      PageDown: [page, 0],
      PageUp: [-page, 0],
      Tab: [0, event.shiftKey ? -1 : 1],
    };
    if (mod && (event.key === "s" || event.key === "S")) {
      event.preventDefault();
      if (this.opts.onSave) this.opts.onSave();
      return;
    }
    if (mod && (event.key === "c" || event.key === "C")) {
      event.preventDefault();
      if (this.opts.onCopy) this.opts.onCopy();
      return;
    }
    if (event.key in moves) {
      event.preventDefault();
      const [dr, dc] = moves[event.key];
      const r = this.range;
      // Shift+arrow grows a block of cells from its moving corner; the active cell stays where it began.
      const fromRow = event.shiftKey && r ? r.r1 : this.active.row;
      const fromCol = event.shiftKey && r ? r.c1 : at;
      const col = cols[Math.max(0, Math.min(cols.length - 1, fromCol + dc))];
      const pos = Math.max(0, Math.min(this.rowCount() - 1, fromRow + dr));
      if (event.shiftKey && event.key !== "Tab") {
        this.extendRange(pos, col);
        this.scrollToRow(pos);
        this.scrollToColumn(col);
        this.render();
        return;
      }
      this.range = null;
      this.selected.clear();
      this.setActive(pos, col);
    } else if (event.key === "Home" && mod) {
      event.preventDefault();
      this.setActive(0, this.active.col);
    } else if (event.key === "End" && mod) {
      event.preventDefault();
      this.toEnd();
    } else if (event.key === "Enter" || event.key === "F2") {
      event.preventDefault();
      if (event.altKey && this.opts.onOpen) this.opts.onOpen(this.rowAt(this.active.row), this.active.col);
      else this.startEdit();
    } else if (event.key === "Escape") {
      this.selected.clear();
      this.range = null;
      this.render();
    } else if (mod && (event.key === "a" || event.key === "A")) {
      event.preventDefault();
      const first = this.firstRow();
      for (let p = first; p < first + this.viewRows(); p++) this.selected.add(p);
      this.render();
    }
  }

  // The last row: where the total is an estimate, the data source is asked for the exact count first.
  async toEnd() {
    if (this.opts.exactTotal) {
      try {
        const total = await this.opts.exactTotal();
        if (typeof total === "number") this.total = total;
      } catch (error) {
        if (this.opts.onError) this.opts.onError(error);
      }
    }
    this.setActive(this.rowCount() - 1, this.active.col);
  }

  startEdit() {
    const row = this.rowAt(this.active.row);
    const ci = this.active.col;
    if (!row) return;
    if (this.opts.editable && !this.opts.editable(row, ci)) {
      if (this.opts.onOpen) this.opts.onOpen(row, ci); // read-only: show the value instead
      return;
    }
    const value = this.opts.cellValue(row, ci);
    if (value && typeof value === "object") {
      if (this.opts.onOpen) this.opts.onOpen(row, ci); // binary or cut text: edit in the side panel
      return;
    }
    const input = document.createElement("textarea");
    input.className = "dg-editor";
    input.value = value === null || value === undefined ? "" : String(value);
    input.placeholder = value === null ? "NULL" : "";
    input.rows = 1;
    this.editing = { pos: this.active.row, ci, input, row, wasNull: value === null };
    input.addEventListener("keydown", (e) => {
      // The editor sits inside the scroller: its keys must not reach the grid's own handler too
      // (an Enter that saved here would open an editor on the next row).
      e.stopPropagation();
      if (e.key === "Escape") {
        e.preventDefault();
        this.cancelEdit();
      } else if (e.key === "Enter" && !e.shiftKey && !e.altKey) {
        e.preventDefault();
        this.commitEdit();
        this.setActive(this.active.row + 1, this.active.col);
      } else if (e.key === "Tab") {
        e.preventDefault();
        this.commitEdit();
        const cols = this.visibleColumns();
        const at = cols.indexOf(this.active.col);
        this.setActive(this.active.row, cols[Math.max(0, Math.min(cols.length - 1, at + (e.shiftKey ? -1 : 1)))]);
      } else if ((e.ctrlKey || e.metaKey) && (e.key === "s" || e.key === "S")) {
        e.preventDefault();
        this.commitEdit();
        if (this.opts.onSave) this.opts.onSave();
      }
    });
    input.addEventListener("blur", () => {
      if (!this.rendering && this.editing && this.editing.input === input) this.commitEdit();
    });
    this.placeEditor();
    input.focus();
    input.select();
  }

  placeEditor() {
    const { pos, ci, input } = this.editing;
    const cell = this.cellElement(pos, ci);
    if (!cell) return;
    cell.textContent = "";
    cell.classList.add("editing");
    cell.append(input);
    if (document.activeElement !== input) input.focus({ preventScroll: true });
  }

  commitEdit() {
    const editing = this.editing;
    if (!editing) return;
    this.editing = null;
    const text = editing.input.value;
    const unchanged = editing.wasNull ? text === "" : text === String(this.opts.cellValue(editing.row, editing.ci));
    if (!unchanged && this.opts.onEdit) this.opts.onEdit(editing.row, editing.ci, text);
    this.scroller.focus({ preventScroll: true });
    this.render();
  }

  cancelEdit() {
    if (!this.editing) return;
    this.editing = null;
    this.scroller.focus({ preventScroll: true });
    this.render();
  }

  // Loaded rows among the selection (or the active row), in order.
  selectedRows() {
    return this.selectedPositions().map((p) => this.rowAt(p)).filter(Boolean);
  }

  selectedPositions() {
    const r = this.range;
    if (r && r.r1 !== undefined) {
      const a = Math.min(r.r0, r.r1);
      return Array.from({ length: Math.min(Math.max(r.r0, r.r1) - a + 1, 10000) }, (_, i) => a + i);
    }
    return this.selected.size ? [...this.selected].sort((a, b) => a - b) : [this.active.row];
  }

  // The columns a copy takes: the block's, every shown one for whole rows, else the active cell's.
  selectedColumns() {
    const cols = this.visibleColumns();
    const r = this.range;
    if (r && r.r1 !== undefined) return cols.slice(Math.min(r.c0, r.c1), Math.max(r.c0, r.c1) + 1);
    return this.selected.size ? cols : [this.active.col];
  }

  // Whole rows are selected (copies carry a header line); a block or one cell copies values only.
  wholeRows() {
    return this.selected.size > 0 && !(this.range && this.range.r1 !== undefined);
  }
}

function spacer(width) {
  const node = el("div", "dg-spacer");
  node.style.width = width + "px";
  return node;
}

function el(tag, className) {
  const node = document.createElement(tag);
  node.className = className;
  return node;
}

function addClasses(node, classes) {
  for (const c of (classes || "").split(/\s+/)) if (c) node.classList.add(c);
}

// A panel of checkboxes that hide and show the grid's columns (both pages use it).
export function buildColumnsPanel(grid, panel, onChange) {
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
      if (onChange) onChange();
    });
    label.append(box, document.createTextNode(" " + c.name));
    panel.append(label);
  });
}
