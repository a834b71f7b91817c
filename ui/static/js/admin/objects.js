// Views, routines, triggers, events (list, definition, edit in the SQL editor, create, drop)
// and the database/table operations (rename, copy, truncate, drop), all preview-then-run.
import { askText, copyButton, el, flash, getJson, previewAndRun, seg } from "./common.js";

const root = document.getElementById("objects");
const db = root.dataset.db;
const lists = document.getElementById("object-lists");
const SECTIONS = [
  ["views", "view", "Views"],
  ["procedures", "procedure", "Stored procedures"],
  ["functions", "function", "Functions"],
  ["triggers", "trigger", "Triggers"],
  ["events", "event", "Events"],
];

function describe(kind, o) {
  if (kind === "view") return o.updatable === "YES" ? "updatable" : "";
  if (kind === "function") return `returns ${o.returns || ""}`;
  if (kind === "trigger") return `${o.timing} ${o.event} on ${o.table}`;
  if (kind === "event") return `${o.status} · ${o.type === "RECURRING" ? `every ${o.interval_value} ${o.interval_field}` : `at ${o.execute_at}`}`;
  return o.definer || "";
}

function objectRow(kind, o) {
  const holder = el("tr", { class: "definition", hidden: true }, el("td", { colspan: 3 }));
  const show = el("button", { type: "button", class: "show-definition" }, "Definition");
  show.addEventListener("click", async () => {
    if (!holder.hidden) {
      holder.hidden = true;
      return;
    }
    try {
      const d = await getJson(`/api/db/${seg(db)}/objects/${kind}/${seg(o.name)}`);
      const editHere = el("button", { type: "button", class: "edit-here" }, "Edit here");
      editHere.addEventListener("click", () => openCreatePanel(kind, d.replace_sql));
      holder.firstChild.replaceChildren(
        el("div", { class: "actions" }, copyButton(() => d.definition), el("a", { class: "button", href: d.editor_url }, "Edit in SQL editor"), editHere),
        el("pre", { class: "sql" }, d.definition),
      );
    } catch (error) {
      holder.firstChild.replaceChildren(el("p", { class: "error", role: "alert" }, error.message));
    }
    holder.hidden = false;
  });
  const drop = el("button", { type: "button", class: "danger" }, "Drop…");
  drop.addEventListener("click", async () => {
    if (await previewAndRun(`/api/db/${seg(db)}/objects/${kind}/${seg(o.name)}/drop`, {})) {
      flash(`Dropped ${kind} ${o.name}.`);
      refresh();
    }
  });
  return [el("tr", { "data-name": o.name }, el("td", {}, o.name), el("td", { class: "muted" }, describe(kind, o)), el("td", { class: "actions" }, show, drop)), holder];
}

const panels = {};

function openCreatePanel(kind, text) {
  const { details, area, update } = panels[kind];
  area.value = text;
  update();
  details.open = true;
  area.focus();
  details.scrollIntoView({ block: "nearest" });
}

function createPanel(kind) {
  const area = el("textarea", { class: "sql-input", rows: 6, spellcheck: "false", name: `create-${kind}` });
  const editorLink = el("a", { class: "button", href: "#" }, "Open in SQL editor");
  const details = el("details", { class: "create-object" }, el("summary", {}, `New ${kind}…`));
  details.addEventListener("toggle", async () => {
    if (details.open && !area.value) {
      const t = await getJson(`/api/db/${seg(db)}/object-template/${kind}`);
      area.value = t.sql;
    }
  });
  const update = () => (editorLink.href = "/sql?text=" + encodeURIComponent(area.value));
  area.addEventListener("input", update);
  editorLink.addEventListener("mouseenter", update);
  editorLink.addEventListener("focus", update);
  const run = el("button", { type: "button", class: "primary" }, `Preview ${kind}…`);
  run.addEventListener("click", async () => {
    if (await previewAndRun(`/api/db/${seg(db)}/objects/${kind}`, { sql: area.value })) {
      flash(`Saved ${kind}.`);
      refresh();
    }
  });
  details.append(area, el("div", { class: "actions" }, editorLink, run));
  panels[kind] = { details, area, update };
  return details;
}

async function refresh() {
  try {
    const data = await getJson(`/api/db/${seg(db)}/objects`);
    lists.replaceChildren(
      ...SECTIONS.map(([key, kind, title]) =>
        el(
          "section",
          { class: "panel", id: `objects-${key}` },
          el("h2", {}, `${title} `, el("span", { class: "muted" }, String(data[key].length))),
          data[key].length ? el("table", { class: "list" }, el("tbody", {}, data[key].map((o) => objectRow(kind, o)))) : el("p", { class: "muted" }, "None."),
          createPanel(kind),
        ),
      ),
    );
  } catch (error) {
    lists.replaceChildren(el("p", { class: "error", role: "alert" }, error.message));
  }
}

// -- table and database operations ------------------------------------------------------------
document.getElementById("table-ops").addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const row = button.closest("tr");
  const name = row.dataset.name;
  const action = button.dataset.action;
  const body = {};
  if (action === "rename" || action === "copy") {
    const label = action === "rename" ? "New name" : "Name of the copy";
    const value = await askText(`${action === "rename" ? "Rename" : "Copy"} ${name}`, label, action === "copy" ? `${name}_copy` : name);
    if (!value) return;
    body.new_name = value;
  }
  const result = await previewAndRun(`/api/db/${seg(db)}/table/${seg(name)}/${action}`, body);
  if (!result) return;
  if (action === "truncate") flash(`Truncated ${name}.`);
  else window.location.reload();
});

document.getElementById("rename-db").addEventListener("click", async () => {
  const value = await askText(`Rename database ${db}`, "New name", db);
  if (!value) return;
  if (await previewAndRun(`/api/db/${seg(db)}/rename`, { new_name: value })) window.location.href = `/db/${seg(value)}/objects`;
});

document.getElementById("drop-db").addEventListener("click", async () => {
  if (await previewAndRun(`/api/db/${seg(db)}/drop`, {})) window.location.href = "/";
});

refresh();
