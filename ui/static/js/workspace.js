// The workspace around every page: the schema tree (search, resize, hide), the command palette,
// keyboard shortcuts and their sheet, zoom, and the light/dark theme. Loaded by base.html.
import { api } from "./eddy.js";
import { showMenu } from "./context_menu.js";
import { openPalette, setupPalette } from "./palette.js";
import { SchemaTree, nodeActions, seg, tableUrl } from "./schema_tree.js";
import { applyTheme, currentTheme, setTheme } from "./theme.js";

const WIDTH_KEY = "eddy.tree.width";
const HIDDEN_KEY = "eddy.tree.hidden";
const ZOOM_KEY = "eddy.zoom";
const isMac = /Mac|iPhone|iPad/.test(navigator.platform);
const MOD = isMac ? "⌘" : "Ctrl";

// Where links open: the tab shell (when this page runs inside one) or this window.
function tabsShell() {
  if (window.eddyTabs) return window.eddyTabs;
  return window.parent !== window ? window.parent.eddyTabs || null : null;
}

function openUrl(url, options = {}) {
  const tabs = tabsShell();
  if (tabs) tabs.open(url, options);
  else window.location.href = url;
}

// -- zoom -----------------------------------------------------------------------------------
function zoom(step) {
  const now = Number(localStorage.getItem(ZOOM_KEY) || 1);
  const next = step === 0 ? 1 : Math.min(2, Math.max(0.6, Math.round((now + step) * 10) / 10));
  localStorage.setItem(ZOOM_KEY, String(next));
  applyZoom();
}

function applyZoom() {
  const value = Number(localStorage.getItem(ZOOM_KEY) || 1);
  document.documentElement.style.zoom = value === 1 ? "" : String(value);
  document.documentElement.dataset.zoom = String(value);
}

// -- the tree pane ----------------------------------------------------------------------------
function toggleTree(force) {
  const hidden = force ?? !document.body.classList.contains("tree-hidden");
  document.body.classList.toggle("tree-hidden", hidden);
  localStorage.setItem(HIDDEN_KEY, hidden ? "1" : "0");
}

function setupResizer(pane) {
  const saved = Number(localStorage.getItem(WIDTH_KEY));
  if (saved) document.documentElement.style.setProperty("--tree-width", saved + "px");
  const grip = pane.querySelector(".tree-resizer");
  grip.addEventListener("pointerdown", (down) => {
    down.preventDefault();
    grip.setPointerCapture(down.pointerId);
    const left = pane.getBoundingClientRect().left;
    const move = (e) => {
      const width = Math.max(160, Math.min(700, e.clientX - left));
      document.documentElement.style.setProperty("--tree-width", width + "px");
      localStorage.setItem(WIDTH_KEY, String(Math.round(width)));
    };
    const up = () => {
      grip.removeEventListener("pointermove", move);
      grip.removeEventListener("pointerup", up);
    };
    grip.addEventListener("pointermove", move);
    grip.addEventListener("pointerup", up);
  });
  grip.addEventListener("dblclick", () => {
    document.documentElement.style.removeProperty("--tree-width");
    localStorage.removeItem(WIDTH_KEY);
  });
}

function setupSearch(pane, tree) {
  const input = pane.querySelector(".tree-search");
  const results = pane.querySelector(".tree-results");
  let timer = null;
  let seq = 0;
  const show = (items, more) => {
    results.replaceChildren();
    for (const item of items) {
      const row = document.createElement("button");
      row.type = "button";
      row.className = "tree-hit k-" + item.kind;
      const name = document.createElement("span");
      name.className = "label";
      name.textContent = item.name;
      const where = document.createElement("span");
      where.className = "detail";
      where.textContent = item.kind === "database" ? "database" : `${item.db} · ${item.kind}`;
      row.append(name, where);
      row.addEventListener("click", async () => {
        await tree.reveal(item.db, ["table", "view"].includes(item.kind) ? item.name : null);
        if (["table", "view"].includes(item.kind)) openUrl(tableUrl(item.db, item.name), { preview: true, title: item.name });
      });
      row.addEventListener("contextmenu", (e) => {
        if (!["table", "view"].includes(item.kind)) return;
        e.preventDefault();
        showMenu(e.clientX, e.clientY, nodeActions({ kind: item.kind, db: item.db, label: item.name }, openUrl));
      });
      results.append(row);
    }
    if (!items.length) results.append(Object.assign(document.createElement("p"), { className: "hint", textContent: "No match." }));
    if (more) results.append(Object.assign(document.createElement("p"), { className: "hint", textContent: "More matches: type more." }));
    results.hidden = false;
    pane.classList.add("searching");
  };
  const clear = () => {
    results.hidden = true;
    results.replaceChildren();
    pane.classList.remove("searching");
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) return clear();
    timer = setTimeout(async () => {
      const mine = ++seq;
      try {
        const data = await api(`/api/tree/search?q=${encodeURIComponent(q)}&limit=100`, { method: "GET" });
        if (mine === seq) show(data.items, data.more);
      } catch (err) {
        if (mine === seq) show([], false);
        results.prepend(Object.assign(document.createElement("p"), { className: "error", textContent: err.message }));
      }
    }, 120);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      input.value = "";
      clear();
    } else if (e.key === "Enter") results.querySelector("button")?.click();
    else if (e.key === "ArrowDown") results.querySelector("button")?.focus();
  });
  results.addEventListener("keydown", (e) => {
    const buttons = [...results.querySelectorAll("button")];
    const i = buttons.indexOf(document.activeElement);
    if (e.key === "ArrowDown") buttons[Math.min(i + 1, buttons.length - 1)]?.focus();
    else if (e.key === "ArrowUp") (i <= 0 ? input : buttons[i - 1]).focus();
    else return;
    e.preventDefault();
  });
}

// -- actions, shortcuts and their sheet ----------------------------------------------------------
const database = () => document.querySelector(".tree-pane")?.dataset.database || "";

function commands() {
  const db = database();
  const list = [
    { id: "palette", label: "Command palette", hint: `${MOD}+K`, run: () => openPalette("") },
    { id: "open", label: "Open table or object…", hint: `${MOD}+P`, run: () => openPalette("") },
    { id: "new-query", label: "New query", hint: "Ctrl+T", run: () => openUrl(db ? `/db/${seg(db)}/sql` : "/sql", { title: "Query" }) },
    { id: "recent", label: "Open a recent query…", run: () => openPalette("#") },
    { id: "tree", label: "Toggle schema tree", hint: `${MOD}+B`, run: () => toggleTree() },
    { id: "tree-search", label: "Search the schema tree", hint: `${MOD}+Shift+E`, run: () => focusTreeSearch() },
    { id: "theme-system", label: "Theme: follow the system", run: () => setTheme("system") },
    { id: "theme-light", label: "Theme: light", run: () => setTheme("light") },
    { id: "theme-dark", label: "Theme: dark", run: () => setTheme("dark") },
    { id: "zoom-in", label: "Zoom in", hint: `${MOD}+=`, run: () => zoom(0.1) },
    { id: "zoom-out", label: "Zoom out", hint: `${MOD}+-`, run: () => zoom(-0.1) },
    { id: "zoom-reset", label: "Reset zoom", hint: `${MOD}+0`, run: () => zoom(0) },
    { id: "shortcuts", label: "Keyboard shortcuts", hint: "F1", run: () => showShortcuts() },
    { id: "home", label: "Go to: databases", run: () => openUrl("/", { title: "Databases" }) },
    { id: "server", label: "Go to: server status", run: () => openUrl("/server", { title: "Server" }) },
    { id: "processes", label: "Go to: processes", run: () => openUrl("/server/processes", { title: "Processes" }) },
    { id: "variables", label: "Go to: variables", run: () => openUrl("/server/variables", { title: "Variables" }) },
    { id: "users", label: "Go to: users", run: () => openUrl("/server/users", { title: "Users" }) },
    { id: "connections", label: "Go to: connections", run: () => (window.top.location.href = "/connections") },
    { id: "about", label: "About Eddy", run: () => openUrl("/about", { title: "About" }) },
  ];
  if (db) {
    list.push(
      { id: "db-diagram", label: `Diagram of ${db}`, run: () => openUrl(`/db/${seg(db)}/diagram`, { title: `${db} diagram` }) },
      { id: "db-objects", label: `Routines, triggers, events of ${db}`, run: () => openUrl(`/db/${seg(db)}/objects`, { title: `${db} objects` }) },
      { id: "db-new-table", label: `New table in ${db}`, run: () => openUrl(`/db/${seg(db)}/new-table`, { title: "New table" }) },
    );
  }
  const tabs = tabsShell();
  if (!tabs) {
    list.push({ id: "open-tabs", label: "Open this page in workspace tabs", run: () => openInTabs() });
  } else {
    list.push(
      { id: "close-tab", label: "Close tab", hint: "Ctrl+W", run: () => tabs.closeCurrent() },
      { id: "next-tab", label: "Next tab", hint: "Ctrl+Tab", run: () => tabs.cycle(1) },
      { id: "previous-tab", label: "Previous tab", hint: "Ctrl+Shift+Tab", run: () => tabs.cycle(-1) },
      { id: "back", label: "Back", hint: "Alt+←", run: () => tabs.back() },
      { id: "forward", label: "Forward", hint: "Alt+→", run: () => tabs.forward() },
    );
  }
  return list;
}

const SHEET = [
  ["Workspace", [
    [`${MOD}+K, ${MOD}+Shift+P`, "Command palette: every action by name"],
    [`${MOD}+P`, "Open a table, view or routine of any database"],
    [`${MOD}+B`, "Show / hide the schema tree"],
    [`${MOD}+Shift+E`, "Search the schema tree"],
    ["F1", "This sheet"],
    [`${MOD}+= / ${MOD}+- / ${MOD}+0`, "Zoom in / out / reset (remembered)"],
  ]],
  ["Tabs", [
    ["Ctrl+T", "New query tab"],
    ["Ctrl+W", "Close tab"],
    ["Ctrl+Tab / Ctrl+Shift+Tab", "Next / previous tab"],
    ["Alt+← / Alt+→", "Back / forward"],
    ["Middle click", "Close a tab"],
  ]],
  ["Schema tree", [
    ["↑ ↓", "Move"],
    ["→ / ←", "Open / close a node"],
    ["Enter", "Open the table"],
    ["Click / double click", "Preview / open a table"],
    ["Right click", "Actions: data, structure, query, export, import, truncate, drop"],
  ]],
  ["SQL editor", [
    ["Ctrl+Enter", "Run the statement under the cursor"],
    ["Ctrl+Shift+Enter", "Run all"],
    ["Ctrl+Space", "Complete names (tables and columns of any database)"],
  ]],
  ["Grid", [
    ["Ctrl+S", "Apply pending edits"],
    ["Ctrl+F", "Filter"],
  ]],
];

function showShortcuts() {
  let dialog = document.getElementById("shortcuts-dialog");
  if (!dialog) {
    dialog = document.createElement("dialog");
    dialog.id = "shortcuts-dialog";
    dialog.className = "shortcuts";
    const h = document.createElement("h2");
    h.textContent = "Keyboard shortcuts";
    dialog.append(h);
    for (const [section, rows] of SHEET) {
      const h3 = document.createElement("h3");
      h3.textContent = section;
      const table = document.createElement("table");
      for (const [keys, what] of rows) {
        const tr = table.insertRow();
        const k = tr.insertCell();
        k.append(Object.assign(document.createElement("kbd"), { textContent: keys }));
        tr.insertCell().textContent = what;
      }
      dialog.append(h3, table);
    }
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = "Close";
    close.addEventListener("click", () => dialog.close());
    dialog.append(close);
    dialog.addEventListener("click", (e) => {
      if (e.target === dialog) dialog.close();
    });
    document.body.append(dialog);
  }
  dialog.showModal();
}

function openInTabs() {
  window.location.href = "/workspace?open=" + encodeURIComponent(window.location.pathname + window.location.search);
}

function focusTreeSearch() {
  toggleTree(false);
  document.querySelector(".tree-search")?.focus();
}

// Tab keys, in the shell and in the pages inside it (they hand them to the shell).
function tabKey(e, mod, key) {
  const tabs = tabsShell();
  if (!tabs) return false;
  if (mod && !e.shiftKey && key === "w") tabs.closeCurrent();
  else if ((e.ctrlKey && key === "tab") || (e.ctrlKey && key === "pagedown")) tabs.cycle(e.shiftKey ? -1 : 1);
  else if (e.ctrlKey && key === "pageup") tabs.cycle(-1);
  else if (e.altKey && key === "arrowleft") tabs.back();
  else if (e.altKey && key === "arrowright") tabs.forward();
  else if (e.ctrlKey && !e.shiftKey && key === "t") {
    const db = database();
    tabs.open(db ? `/db/${seg(db)}/sql` : "/sql", { title: "Query" });
  } else return false;
  return true;
}

function onKey(e) {
  const mod = isMac ? e.metaKey : e.ctrlKey;
  const key = e.key.toLowerCase();
  let handled = true;
  if (mod && !e.altKey && (key === "k" || (key === "p" && e.shiftKey))) openPalette(e.shiftKey ? ">" : "");
  else if (mod && !e.altKey && key === "p") openPalette("");
  else if (mod && !e.shiftKey && key === "b") toggleTree();
  else if (mod && e.shiftKey && key === "e" && document.querySelector(".tree-search")) focusTreeSearch();
  else if (mod && (key === "=" || key === "+")) zoom(0.1);
  else if (mod && key === "-") zoom(-0.1);
  else if (mod && key === "0") zoom(0);
  else if (e.key === "F1") showShortcuts();
  else if (!tabKey(e, mod, key)) handled = false;
  if (handled) {
    e.preventDefault();
    e.stopPropagation();
  }
}

// -- View / Help menus in the top bar ------------------------------------------------------------
function setupMenus() {
  const bar = document.querySelector(".topbar");
  if (!bar) return;
  const make = (label, items) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "menu-button";
    button.textContent = label;
    button.addEventListener("click", () => {
      const box = button.getBoundingClientRect();
      showMenu(box.left, box.bottom + 2, items());
    });
    return button;
  };
  const view = make("View", () => {
    const theme = currentTheme();
    const mark = (t) => (theme === t ? "✓ " : "   ");
    return [
      { label: "Command palette", hint: `${MOD}+K`, run: () => openPalette("") },
      { label: "Schema tree", hint: `${MOD}+B`, run: () => toggleTree() },
      { separator: true },
      { label: mark("system") + "Theme: follow the system", run: () => setTheme("system") },
      { label: mark("light") + "Theme: light", run: () => setTheme("light") },
      { label: mark("dark") + "Theme: dark", run: () => setTheme("dark") },
      { separator: true },
      { label: "Zoom in", hint: `${MOD}+=`, run: () => zoom(0.1) },
      { label: "Zoom out", hint: `${MOD}+-`, run: () => zoom(-0.1) },
      { label: "Reset zoom", hint: `${MOD}+0`, run: () => zoom(0) },
    ];
  });
  view.id = "view-menu";
  const help = make("Help", () => [
    ...(tabsShell() ? [] : [{ label: "Open this page in workspace tabs", run: () => openInTabs() }]),
    { label: "Keyboard shortcuts", hint: "F1", run: () => showShortcuts() },
    { label: "About Eddy", run: () => openUrl("/about", { title: "About" }) },
  ]);
  help.id = "help-menu";
  const brand = bar.querySelector(".brand");
  brand.after(view, help);
}

// -- "#do=export" links from the tree's menu: press the page's own button once it exists --------
const DO_TARGETS = {
  export: "#export-open",
  import: "#import-open",
  truncate: 'button[data-action="truncate"]',
  drop: 'button[data-action="drop"]',
};

function runHashAction() {
  const m = /^#do=(\w+)$/.exec(window.location.hash);
  const selector = m && DO_TARGETS[m[1]];
  if (!selector) return;
  history.replaceState(null, "", window.location.pathname + window.location.search);
  const press = () => {
    const target = document.querySelector(selector);
    if (target) target.click();
    return Boolean(target);
  };
  if (press()) return;
  const observer = new MutationObserver(() => press() && observer.disconnect());
  observer.observe(document.body, { childList: true, subtree: true });
  setTimeout(() => observer.disconnect(), 10000);
}

// In the tab shell, the top bar's page links (SQL, Server, the brand) open tabs instead of leaving it.
function shellLinksOpenTabs() {
  if (!window.eddyTabs) return;
  document.querySelector(".topbar")?.addEventListener("click", (e) => {
    const link = e.target.closest("a[href^='/']");
    if (!link || link.getAttribute("href").startsWith("/connections") || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    openUrl(link.getAttribute("href"), { title: link.textContent.trim() });
  });
}

// -- start ---------------------------------------------------------------------------------------
applyTheme();
applyZoom();
document.addEventListener("keydown", onKey, true);
setupPalette({ getCommands: commands, onOpen: openUrl });
setupMenus();
runHashAction();
// tabs.js (a later module on the shell page) defines window.eddyTabs: wire the links after it ran.
window.addEventListener("DOMContentLoaded", shellLinksOpenTabs);
window.eddyWorkspace = {
  run: (id) => commands().find((c) => c.id === id)?.run(),
  openPalette,
  showShortcuts,
};

const pane = document.querySelector(".tree-pane");
if (pane) {
  if (localStorage.getItem(HIDDEN_KEY) === "1") document.body.classList.add("tree-hidden");
  pane.querySelector(".tree-collapse")?.addEventListener("click", () => toggleTree(true));
  document.querySelector(".tree-show")?.addEventListener("click", () => toggleTree(false));
  setupResizer(pane);
  const tree = new SchemaTree(pane, { onOpen: openUrl });
  setupSearch(pane, tree);
  window.eddyTree = tree;
  tree.start();
}
