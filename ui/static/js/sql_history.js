// The SQL editor's side panel: searchable history of every statement run, and saved queries.
import { api, fmtTime, getJson } from "./eddy.js";

const $ = (sel) => document.querySelector(sel);

function entryItem(text, meta, actions) {
  const li = document.createElement("li");
  const pre = document.createElement("pre");
  pre.textContent = text.length > 400 ? text.slice(0, 400) + "…" : text;
  const m = document.createElement("div");
  m.className = "meta";
  m.textContent = meta;
  const buttons = document.createElement("div");
  buttons.className = "actions";
  for (const [label, fn] of actions) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.addEventListener("click", fn);
    buttons.appendChild(b);
  }
  li.append(pre, m, buttons);
  return li;
}

export async function loadHistory({ openInNewTab, runQuery }) {
  const q = $("#history-search").value;
  const data = await getJson(`/api/editor/history?q=${encodeURIComponent(q)}`);
  const list = $("#history-list");
  list.textContent = "";
  for (const h of data.history) {
    const when = new Date(h.at * 1000).toLocaleString();
    const meta = `${when} · ${h.database || "-"} · ${fmtTime(h.duration)} · ${h.rows ?? 0} rows · ${h.ok ? "ok" : h.error}`;
    const li = entryItem(h.sql, meta, [
      ["Open", () => openInNewTab(h.sql, h.database)],
      [
        "Run",
        () => {
          if (openInNewTab(h.sql, h.database)) runQuery("all");
        },
      ],
    ]);
    if (!h.ok) li.classList.add("failed");
    list.appendChild(li);
  }
}

export async function loadSaved({ openInNewTab }) {
  const data = await getJson("/api/editor/saved");
  const list = $("#saved-list");
  list.textContent = "";
  for (const s of data.saved) {
    list.appendChild(
      entryItem(s.sql, s.name + (s.database ? ` · ${s.database}` : ""), [
        ["Open", () => openInNewTab(s.sql, s.database)],
        [
          "Delete",
          async () => {
            await api(`/api/editor/saved/${s.id}`, { method: "DELETE" });
            loadSaved({ openInNewTab });
          },
        ],
      ]),
    );
  }
}

