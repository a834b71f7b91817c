// The command palette (Ctrl/⌘+K, Ctrl+P, Ctrl+Shift+P): open any table, view or routine of any
// database by fuzzy name (searched on the server), run an action by name, switch connection,
// reopen a recent query.
import { api } from "./eddy.js";
import { queryUrl, seg, tableUrl } from "./schema_tree.js";

let dialog = null;
let commands = () => [];
let open = (url) => (window.location.href = url);
let searchSeq = 0;

// Subsequence match score (lower is better), null when the characters are not all there in order.
export function fuzzyScore(text, query) {
  const t = text.toLowerCase();
  const q = query.toLowerCase().trim();
  if (!q) return 0;
  if (t === q) return 0;
  if (t.startsWith(q)) return 1;
  if (t.includes(q)) return 2;
  let at = 0;
  for (const ch of q) {
    at = t.indexOf(ch, at);
    if (at < 0) return null;
    at++;
  }
  return 3;
}

function build() {
  dialog = document.createElement("dialog");
  dialog.className = "palette";
  dialog.id = "palette";
  const input = document.createElement("input");
  input.type = "search";
  input.className = "palette-input";
  input.placeholder = "Open a table, view or routine… or type > for actions";
  input.setAttribute("aria-label", "Command palette");
  const list = document.createElement("ul");
  list.className = "palette-list";
  list.setAttribute("role", "listbox");
  const foot = document.createElement("div");
  foot.className = "palette-foot hint";
  foot.textContent = "↑↓ choose · Enter open · Esc close · > actions · # recent queries";
  dialog.append(input, list, foot);
  document.body.append(dialog);
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => refresh(input.value), 80);
  });
  input.addEventListener("keydown", (e) => {
    const items = [...list.querySelectorAll("li")];
    const i = items.findIndex((li) => li.classList.contains("active"));
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const next = items[(i + (e.key === "ArrowDown" ? 1 : -1) + items.length) % items.length];
      items.forEach((li) => li.classList.toggle("active", li === next));
      next?.scrollIntoView({ block: "nearest" });
    } else if (e.key === "Enter") {
      e.preventDefault();
      (items[i] || items[0])?.click();
    }
  });
  dialog.addEventListener("click", (e) => {
    if (e.target === dialog) dialog.close();
  });
}

function render(entries) {
  const list = dialog.querySelector(".palette-list");
  list.replaceChildren();
  entries.slice(0, 60).forEach((entry, i) => {
    const li = document.createElement("li");
    li.setAttribute("role", "option");
    li.className = "palette-item" + (i === 0 ? " active" : "");
    const kind = document.createElement("span");
    kind.className = "palette-kind";
    kind.textContent = entry.kind;
    const label = document.createElement("span");
    label.className = "palette-label";
    label.textContent = entry.label;
    li.append(kind, label);
    if (entry.detail) {
      const detail = document.createElement("span");
      detail.className = "palette-detail";
      detail.textContent = entry.detail;
      li.append(detail);
    }
    if (entry.hint) {
      const hint = document.createElement("kbd");
      hint.textContent = entry.hint;
      li.append(hint);
    }
    li.addEventListener("click", () => {
      dialog.close();
      entry.run();
    });
    list.append(li);
  });
  dialog.dataset.count = String(entries.length);
}

function actionEntries(query) {
  const found = [];
  for (const c of commands()) {
    const score = fuzzyScore(c.label, query);
    if (score !== null) found.push({ ...c, kind: "action", score });
  }
  for (const button of document.querySelectorAll("#session-switcher button[name=session]")) {
    const label = "Switch connection: " + button.textContent.trim();
    const score = fuzzyScore(label, query);
    if (score !== null) found.push({ kind: "connection", label, score, run: () => button.click() });
  }
  return found.sort((a, b) => a.score - b.score);
}

async function recentEntries(query) {
  const data = await api(`/api/editor/history?q=${encodeURIComponent(query)}`, { method: "GET" });
  const seen = new Set();
  const out = [];
  for (const h of data.history) {
    const text = h.sql.trim();
    if (seen.has(text)) continue;
    seen.add(text);
    const db = h.database || "";
    out.push({
      kind: "recent",
      label: text.replace(/\s+/g, " ").slice(0, 120),
      detail: db,
      run: () => open((db ? `/db/${seg(db)}/sql` : "/sql") + "?text=" + encodeURIComponent(text), { title: "Query" }),
    });
  }
  return out.slice(0, 30);
}

async function objectEntries(query) {
  const data = await api(`/api/tree/search?q=${encodeURIComponent(query)}&limit=50`, { method: "GET" });
  return data.items.map((item) => {
    const entry = { kind: item.kind, label: item.name, detail: item.kind === "database" ? "" : item.db };
    if (item.kind === "table" || item.kind === "view") entry.run = () => open(tableUrl(item.db, item.name), { title: item.name });
    else if (item.kind === "database") entry.run = () => open(`/db/${seg(item.db)}`, { title: item.db });
    else entry.run = () => open(`/db/${seg(item.db)}/objects#${item.kind}:${item.name}`, { title: item.name });
    return entry;
  });
}

async function refresh(text) {
  const seq = ++searchSeq;
  let entries;
  try {
    if (text.startsWith(">")) entries = actionEntries(text.slice(1));
    else if (text.startsWith("#")) entries = await recentEntries(text.slice(1).trim());
    else if (!text.trim()) entries = [...actionEntries("").slice(0, 8), ...(await recentEntries("")).slice(0, 8)];
    else entries = [...(await objectEntries(text.trim())), ...actionEntries(text).filter((a) => a.score <= 2)];
  } catch (err) {
    entries = [{ kind: "error", label: err.message, run: () => {} }];
  }
  if (seq !== searchSeq) return; // a later keystroke already answered
  render(entries);
  dialog.dataset.query = text;
}

export function setupPalette({ getCommands, onOpen }) {
  commands = getCommands;
  if (onOpen) open = onOpen;
}

export function openPalette(prefix = "") {
  if (!dialog) build();
  const input = dialog.querySelector(".palette-input");
  input.value = prefix;
  if (!dialog.open) dialog.showModal();
  input.focus();
  refresh(prefix);
}

export function sqlFor(db, table) {
  return queryUrl(db, table);
}
