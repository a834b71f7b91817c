// The schema tree beside every page: databases → tables / views / routines / triggers / events →
// columns and indexes. Nodes load lazily from /api/tree, the tables group in pages of the window
// being shown, and only the visible rows are in the DOM, so 200,000 tables open and scroll freely.
import { api } from "./eddy.js";
import { showMenu } from "./context_menu.js";
import { copyText } from "./clipboard.js";

const ROW = 22; // px, keep in step with .tree-row in eddy.css
const PAGE = 200; // names per request: a few screens of rows
const STATE_KEY = "eddy.tree.open"; // expanded node keys, kept across page loads
const SCROLL_KEY = "eddy.tree.scroll"; // and where the tree was scrolled to
const VIEWS_KEY = "eddy.tree.views:"; // + database: its view names, for a few minutes
const GROUP_LABELS = { tables: "Tables", views: "Views", routines: "Routines", triggers: "Triggers", events: "Events" };
const ICONS = {
  database: "🗄",
  group: "",
  table: "▦",
  view: "◫",
  procedure: "ƒ",
  function: "ƒ",
  trigger: "⚡",
  event: "⏱",
  column: "",
  index: "⚿",
  folder: "",
};

export const seg = (s) => encodeURIComponent(s);
export const quoteId = (s) => "`" + String(s).replace(/`/g, "``") + "`";
export function tableUrl(db, table, what = "data") {
  const base = `/db/${seg(db)}/table/${seg(table)}`;
  return what === "structure" ? base + "/structure" : base;
}
export function queryUrl(db, table) {
  const text = table ? `SELECT * FROM ${quoteId(db)}.${quoteId(table)} LIMIT 100;` : "";
  return `/db/${seg(db)}/sql` + (text ? "?text=" + encodeURIComponent(text) : "");
}

function makeNode(props) {
  return { expanded: false, children: null, loading: false, ...props };
}

export class SchemaTree {
  constructor(pane, { onOpen } = {}) {
    this.pane = pane;
    this.scroller = pane.querySelector(".tree-scroll");
    this.spacer = pane.querySelector(".tree-spacer");
    this.rowsEl = pane.querySelector(".tree-rows");
    this.onOpen = onOpen || ((url) => (window.location.href = url));
    this.rows = []; // the flattened visible entries: nodes, or {placeholder, group, index}
    this.selected = null;
    this.openKeys = new Set(JSON.parse(sessionStorage.getItem(STATE_KEY) || "[]"));
    this.root = makeNode({ key: "", kind: "root", depth: -1, expanded: true });
    this.views = new Map(); // database -> Set of view names
    this.pendingPages = new Map(); // "group@offset" -> the page's request
    this.scroller.addEventListener("scroll", () => {
      this.render();
      if (this.pane.dataset.ready) sessionStorage.setItem(SCROLL_KEY, String(this.scroller.scrollTop));
    });
    new ResizeObserver(() => this.render()).observe(this.scroller);
    this.rowsEl.addEventListener("click", (e) => this.click(e));
    this.rowsEl.addEventListener("dblclick", (e) => this.dblclick(e));
    this.rowsEl.addEventListener("contextmenu", (e) => this.contextMenu(e));
    this.scroller.addEventListener("keydown", (e) => this.key(e));
  }

  async start() {
    await this.load(this.root);
    // Re-open what was open on the previous page (databases first, then their groups and tables).
    for (const depth of [0, 1, 2]) {
      const nodes = this.allNodes().filter((n) => n.depth === depth && this.openKeys.has(n.key) && !n.expanded);
      await Promise.all(nodes.map((n) => this.expand(n, false)));
    }
    this.flatten();
    const { database, table } = this.pane.dataset;
    if (database) await this.reveal(database, table || null, false);
    else {
      this.scroller.scrollTop = Number(sessionStorage.getItem(SCROLL_KEY) || 0);
      this.render();
    }
    this.pane.dataset.ready = "1";
  }

  allNodes() {
    const out = [];
    const walk = (n) => {
      for (const c of n.children || []) {
        if (!c) continue;
        out.push(c);
        if (c.children) walk(c);
      }
    };
    walk(this.root);
    return out;
  }

  saveOpen() {
    sessionStorage.setItem(STATE_KEY, JSON.stringify([...this.openKeys].slice(-200)));
  }

  async fetchChildren(node) {
    if (node.kind === "root") {
      const data = await api("/api/tree", { method: "GET" });
      return data.items.map((d) =>
        makeNode({ key: "d:" + d.name, kind: "database", label: d.name, db: d.name, depth: 0, system: d.system }),
      );
    }
    if (node.kind === "database") {
      const data = await api(`/api/tree?db=${seg(node.db)}`, { method: "GET" });
      return data.groups.map((g) =>
        makeNode({
          key: `g:${node.db}:${g}`,
          kind: "group",
          group: g,
          label: GROUP_LABELS[g],
          db: node.db,
          depth: 1,
          total: g === "tables" ? data.tables : null,
        }),
      );
    }
    if (node.kind === "group" && node.group === "tables") {
      node.total = node.total ?? 0;
      const children = new Array(node.total).fill(null);
      await this.loadPage(node, 0, children);
      this.markViews(node); // in the background: the names are shown first
      return children;
    }
    if (node.kind === "group") {
      const data = await api(`/api/tree?db=${seg(node.db)}&group=${node.group}&limit=5000`, { method: "GET" });
      const items = data.items.map((i) =>
        makeNode({ key: `o:${node.db}:${i.kind}:${i.name}`, kind: i.kind, label: i.name, detail: i.detail, db: node.db, depth: 2 }),
      );
      if (data.more || data.total > items.length) {
        // Never a silent cut: say there are more and where to find them.
        items.push(makeNode({ key: `m:${node.key}`, kind: "more", label: "More: use the search box", depth: 2, leaf: true }));
      }
      return items;
    }
    if (node.kind === "table" || node.kind === "view") {
      const data = await api(`/api/tree?db=${seg(node.db)}&table=${seg(node.label)}`, { method: "GET" });
      const depth = node.depth + 1;
      const cols = data.columns.map((c) =>
        makeNode({
          key: `c:${node.key}:${c.name}`,
          kind: "column",
          label: c.name,
          detail: c.type,
          marks: [c.key === "PRI" ? "PK" : "", c.fk ? "FK" : "", c.key === "UNI" ? "UQ" : c.key === "MUL" ? "IX" : ""].filter(Boolean),
          db: node.db,
          table: node.label,
          depth,
          leaf: true,
        }),
      );
      if (data.indexes.length) {
        const folder = makeNode({ key: `i:${node.key}`, kind: "folder", label: "Indexes", db: node.db, depth, table: node.label });
        folder.children = data.indexes.map((i) =>
          makeNode({
            key: `x:${node.key}:${i.name}`,
            kind: "index",
            label: i.name,
            detail: (i.unique ? "unique · " : "") + i.columns.join(", "),
            db: node.db,
            table: node.label,
            depth: depth + 1,
            leaf: true,
          }),
        );
        folder.loaded = true;
        cols.push(folder);
      }
      return cols;
    }
    return [];
  }

  // One request per page: callers asking for a page already on its way share that promise.
  loadPage(group, offset, children = group.children) {
    const key = `${group.key}@${offset}`;
    if (this.pendingPages.has(key)) return this.pendingPages.get(key);
    const loading = (async () => {
      const data = await api(`/api/tree?db=${seg(group.db)}&group=tables&offset=${offset}&limit=${PAGE}`, { method: "GET" });
      // The first page brings the count (opening the database reads nothing); a later one, the
      // database's new count when it changed since.
      const first = group.children == null;
      if (data.total !== null && data.total !== group.total && (group.children === children || first)) {
        children.length = data.total;
        group.total = data.total;
      }
      const views = this.views.get(group.db);
      data.items.forEach((i, k) => {
        const kind = views && views.has(i.name) ? "view" : i.kind;
        children[offset + k] = makeNode({ key: `t:${group.db}:${i.name}`, kind, label: i.name, db: group.db, depth: 2 });
      });
    })().finally(() => this.pendingPages.delete(key));
    this.pendingPages.set(key, loading);
    return loading;
  }

  // Which names of a tables group are views: the views group's list (telling them apart reads each
  // definition file on the server, so it comes after the names, once per database and 5 minutes).
  async markViews(group) {
    const key = VIEWS_KEY + group.db;
    let cached = null;
    try {
      cached = JSON.parse(sessionStorage.getItem(key) || "null");
    } catch {
      cached = null;
    }
    let names = cached && Date.now() - cached.at < 300000 ? cached.names : null;
    if (!names) {
      try {
        const data = await api(`/api/tree?db=${seg(group.db)}&group=views&limit=5000`, { method: "GET" });
        names = data.items.map((i) => i.name);
        sessionStorage.setItem(key, JSON.stringify({ at: Date.now(), names }));
      } catch {
        return;
      }
    }
    const views = new Set(names);
    this.views.set(group.db, views);
    for (const child of group.children || []) if (child && views.has(child.label)) child.kind = "view";
    this.render();
  }

  async load(node) {
    if (node.children) return;
    node.loading = true;
    try {
      node.children = await this.fetchChildren(node);
    } catch (err) {
      node.children = [];
      node.error = err.message;
    } finally {
      node.loading = false;
    }
  }

  async expand(node, redraw = true) {
    if (node.leaf) return;
    node.expanded = true;
    this.openKeys.add(node.key);
    if (redraw) this.flatten();
    await this.load(node);
    this.saveOpen();
    if (redraw) this.flatten();
  }

  collapse(node) {
    node.expanded = false;
    this.openKeys.delete(node.key);
    this.saveOpen();
    this.flatten();
  }

  toggle(node) {
    return node.expanded ? this.collapse(node) : this.expand(node);
  }

  flatten() {
    const rows = [];
    const walk = (node) => {
      const children = node.children || [];
      for (let i = 0; i < children.length; i++) {
        const c = children[i];
        if (!c) {
          rows.push({ placeholder: true, group: node, index: i });
          continue;
        }
        rows.push(c);
        if (c.expanded) {
          if (c.loading && !c.children) rows.push({ placeholder: true, group: c, index: -1 });
          else if (c.error) rows.push({ message: c.error, depth: c.depth + 1 });
          else if (c.children && !c.children.length)
            rows.push({ message: c.kind === "group" ? "(none)" : "(empty)", depth: c.depth + 1 });
          else walk(c);
        }
      }
    };
    walk(this.root);
    this.rows = rows;
    this.spacer.style.height = rows.length * ROW + "px";
    this.render();
  }

  render() {
    const top = this.scroller.scrollTop;
    const height = this.scroller.clientHeight || 600;
    const start = Math.max(0, Math.floor(top / ROW) - 5);
    const end = Math.min(this.rows.length, Math.ceil((top + height) / ROW) + 5);
    this.rowsEl.style.transform = `translateY(${start * ROW}px)`;
    const frag = document.createDocumentFragment();
    const wanted = new Map();
    for (let i = start; i < end; i++) {
      const entry = this.rows[i];
      frag.append(this.rowElement(entry, i));
      if (entry.placeholder && entry.index >= 0) {
        const offset = Math.floor(entry.index / PAGE) * PAGE;
        wanted.set(entry.group.key + "@" + offset, [entry.group, offset]);
      }
    }
    this.rowsEl.replaceChildren(frag);
    this.pane.dataset.rendered = String(end - start);
    for (const [key, [group, offset]] of wanted) {
      if (this.pendingPages.has(key)) continue; // its arrival redraws
      this.loadPage(group, offset).then(
        () => this.flatten(),
        () => {},
      );
    }
  }

  rowElement(entry, i) {
    const row = document.createElement("div");
    row.className = "tree-row";
    row.dataset.i = String(i);
    if (entry.placeholder || entry.message) {
      row.classList.add("tree-muted", `d${Math.min((entry.group ? entry.group.depth + 1 : entry.depth) || 0, 5)}`);
      row.textContent = entry.message || "…";
      return row;
    }
    row.classList.add(`d${Math.min(entry.depth, 5)}`, `k-${entry.kind}`);
    if (entry === this.selected) row.classList.add("selected");
    if (entry.system) row.classList.add("system");
    row.setAttribute("role", "treeitem");
    row.dataset.key = entry.key;
    const twisty = document.createElement("span");
    twisty.className = "twisty";
    twisty.textContent = entry.leaf ? "" : entry.expanded ? "▾" : "▸";
    const icon = document.createElement("span");
    icon.className = "icon";
    icon.textContent = ICONS[entry.kind] || "";
    const label = document.createElement("span");
    label.className = "label";
    label.textContent = entry.label;
    row.append(twisty, icon, label);
    if (entry.kind === "group" && entry.total != null) {
      const count = document.createElement("span");
      count.className = "detail";
      count.textContent = entry.total.toLocaleString("en-US");
      row.append(count);
    }
    for (const mark of entry.marks || []) {
      const badge = document.createElement("span");
      badge.className = "mark mark-" + mark.toLowerCase();
      badge.textContent = mark;
      row.append(badge);
    }
    if (entry.detail) {
      const detail = document.createElement("span");
      detail.className = "detail";
      detail.textContent = entry.detail;
      row.append(detail);
    }
    row.title = entry.detail ? `${entry.label} — ${entry.detail}` : entry.label;
    return row;
  }

  entryAt(event) {
    const row = event.target.closest(".tree-row");
    if (!row) return null;
    const entry = this.rows[Number(row.dataset.i)];
    return entry && !entry.placeholder && !entry.message ? entry : null;
  }

  select(entry) {
    this.selected = entry;
    // In place, not a redraw: a double click must land on the row its first click hit.
    for (const row of this.rowsEl.children) row.classList.toggle("selected", this.rows[Number(row.dataset.i)] === entry);
  }

  click(event) {
    const entry = this.entryAt(event);
    if (!entry) return;
    this.select(entry);
    this.scroller.focus({ preventScroll: true });
    if (event.target.classList.contains("twisty") || ["database", "group", "folder"].includes(entry.kind)) {
      this.toggle(entry);
    } else if (entry.kind === "table" || entry.kind === "view") {
      this.onOpen(tableUrl(entry.db, entry.label), { preview: true, title: entry.label });
    }
  }

  dblclick(event) {
    const entry = this.entryAt(event);
    if (!entry) return;
    if (entry.kind === "table" || entry.kind === "view") {
      this.onOpen(tableUrl(entry.db, entry.label), { preview: false, title: entry.label });
    } else if (entry.kind === "database") {
      this.onOpen(`/db/${seg(entry.db)}`, { preview: false, title: entry.db });
    }
  }

  key(event) {
    const i = this.rows.indexOf(this.selected);
    const move = (to) => {
      to = Math.max(0, Math.min(this.rows.length - 1, to));
      const entry = this.rows[to];
      if (!entry || entry.placeholder || entry.message) return;
      this.select(entry);
      this.scrollToIndex(to);
    };
    if (event.key === "ArrowDown") move(i + 1);
    else if (event.key === "ArrowUp") move(i - 1);
    else if (event.key === "ArrowRight" && this.selected && !this.selected.leaf) this.expand(this.selected);
    else if (event.key === "ArrowLeft" && this.selected?.expanded) this.collapse(this.selected);
    else if (event.key === "F5" && this.selected && ["database", "group"].includes(this.selected.kind)) this.refresh(this.selected);
    else if (event.key === "Enter" && this.selected) {
      if (["table", "view"].includes(this.selected.kind)) this.onOpen(tableUrl(this.selected.db, this.selected.label), {});
      else this.toggle(this.selected);
    } else return;
    event.preventDefault();
  }

  scrollToIndex(i) {
    const top = i * ROW;
    const view = this.scroller;
    if (top < view.scrollTop) view.scrollTop = top;
    else if (top + ROW > view.scrollTop + view.clientHeight) view.scrollTop = top - view.clientHeight / 2;
    this.render();
  }

  // Open the path to a database (and a table of it), select it and scroll it into view.
  async reveal(db, table = null, redraw = true) {
    if (!this.root.children) await this.load(this.root);
    const dbNode = this.root.children.find((n) => n.db === db);
    if (!dbNode) return false;
    if (!dbNode.expanded || !dbNode.children) await this.expand(dbNode, false);
    let target = dbNode;
    const group = (dbNode.children || []).find((n) => n.group === "tables");
    if (group && (!group.expanded || !group.children)) await this.expand(group, false);
    if (table) {
      if (group) {
        const data = await api(`/api/tree?db=${seg(db)}&group=tables&filter=&offset=0&limit=1&locate=${seg(table)}`, {
          method: "GET",
        });
        const index = data.index ?? -1;
        if (index >= 0) {
          await this.loadPage(group, Math.floor(index / PAGE) * PAGE);
          target = group.children[index] && group.children[index].label === table ? group.children[index] : target;
        }
      }
    }
    this.flatten();
    this.selected = target;
    const at = this.rows.indexOf(target);
    if (at >= 0) {
      this.scroller.scrollTop = Math.max(0, at * ROW - this.scroller.clientHeight / 3);
    }
    this.render();
    return true;
  }

  contextMenu(event) {
    const entry = this.entryAt(event);
    if (!entry) return;
    event.preventDefault();
    this.select(entry);
    const actions = nodeActions(entry, this.onOpen);
    if (["database", "group"].includes(entry.kind)) {
      actions.push({ separator: true }, { label: "Refresh", hint: "F5", run: () => this.refresh(entry) });
    }
    showMenu(event.clientX, event.clientY, actions);
  }

  // Forget a node's children (and the views cache) and load them again.
  async refresh(node) {
    sessionStorage.removeItem(VIEWS_KEY + node.db);
    this.views.delete(node.db);
    node.children = null;
    node.error = null;
    // The server keeps each database's names for a minute: refresh=1 makes it list them again.
    const data = await api(`/api/tree?db=${seg(node.db)}&refresh=1`, { method: "GET" });
    if (node.kind === "group" && node.group === "tables") node.total = data.tables;
    node.expanded = false;
    await this.expand(node);
    for (const child of node.children || []) {
      if (child && this.openKeys.has(child.key)) await this.expand(child);
    }
  }
}

// The actions on a node: opening pages, the editor prefilled, and the existing preview-then-confirm
// plans (truncate/drop run from the structure page's buttons, which show the SQL first).
export function nodeActions(entry, open) {
  const copy = (text) => copyText(text);
  if (entry.kind === "table" || entry.kind === "view") {
    const { db, label: t } = entry;
    const actions = [
      { label: "Open data", run: () => open(tableUrl(db, t), { title: t }) },
      { label: "Open structure", run: () => open(tableUrl(db, t, "structure"), { title: t + " (structure)" }) },
      { label: "New query here", run: () => open(queryUrl(db, t), { title: "Query" }) },
      { label: "Copy name", run: () => copy(quoteId(t)) },
      { label: "Copy qualified name", run: () => copy(`${quoteId(db)}.${quoteId(t)}`) },
      { separator: true },
      { label: "Export…", run: () => open(tableUrl(db, t) + "#do=export", { title: t }) },
    ];
    if (entry.kind === "table") {
      actions.push(
        { label: "Import…", run: () => open(tableUrl(db, t) + "#do=import", { title: t }) },
        { separator: true },
        { label: "Truncate…", danger: true, run: () => open(tableUrl(db, t, "structure") + "#do=truncate", { title: t }) },
      );
    }
    actions.push({ label: "Drop…", danger: true, run: () => open(tableUrl(db, t, "structure") + "#do=drop", { title: t }) });
    return actions;
  }
  if (entry.kind === "database") {
    const db = entry.db;
    return [
      { label: "Open", run: () => open(`/db/${seg(db)}`, { title: db }) },
      { label: "New query here", run: () => open(`/db/${seg(db)}/sql`, { title: "Query" }) },
      { label: "Diagram", run: () => open(`/db/${seg(db)}/diagram`, { title: db + " diagram" }) },
      { label: "Routines, triggers, events", run: () => open(`/db/${seg(db)}/objects`, { title: db + " objects" }) },
      { label: "Copy name", run: () => copy(quoteId(db)) },
      { separator: true },
      { label: "Export…", run: () => open(`/db/${seg(db)}#do=export`, { title: db }) },
      { label: "Import…", run: () => open(`/db/${seg(db)}#do=import`, { title: db }) },
    ];
  }
  if (["procedure", "function", "trigger", "event"].includes(entry.kind)) {
    return [
      { label: "Open definition", run: () => open(`/db/${seg(entry.db)}/objects#${entry.kind}:${entry.label}`, { title: entry.label }) },
      { label: "Copy name", run: () => copy(quoteId(entry.label)) },
    ];
  }
  if (entry.kind === "column" || entry.kind === "index") {
    return [{ label: "Copy name", run: () => copy(quoteId(entry.label)) }];
  }
  return [];
}
