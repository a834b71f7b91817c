// Table structure tab: read-only view of columns/indexes/keys/triggers/partitions/options/DDL,
// and the create/alter form whose exact DDL is previewed before it runs.
import { askText, copyButton, el, flash, getJson, previewAndRun, seg } from "./common.js";

const root = document.getElementById("structure");
const db = root.dataset.db;
let table = root.dataset.table;
const creating = root.dataset.mode === "create";
const INDEX_KINDS = ["PRIMARY", "UNIQUE", "INDEX", "FULLTEXT", "SPATIAL"];
const FK_RULES = ["RESTRICT", "CASCADE", "SET NULL", "NO ACTION", "SET DEFAULT"];
const DEFAULT_KINDS = [
  ["none", "No default"],
  ["null", "NULL"],
  ["literal", "Text/value"],
  ["expression", "Expression"],
];

let structure = null; // as last read from the server
let form = null; // what the user is editing
let choices = { engines: [], collations: [] };

const clone = (value) => JSON.parse(JSON.stringify(value));

function emptyForm() {
  return {
    name: "",
    columns: [
      { name: "id", original: null, type: "INT UNSIGNED", nullable: false, default_kind: "none", default: "", auto_increment: true, collation: "", comment: "" },
    ],
    indexes: [{ name: "PRIMARY", kind: "PRIMARY", columns: [{ name: "id", length: null }] }],
    foreign_keys: [],
    options: { engine: "InnoDB", collation: "", comment: "" },
  };
}

function formFrom(s) {
  return {
    name: s.name,
    columns: clone(s.columns),
    // visible: an INVISIBLE (MySQL) / IGNORED (MariaDB) index stays so; columns keep expression parts.
    indexes: clone(s.indexes).map((i) => ({ name: i.name, kind: i.kind, columns: i.columns, visible: i.visible !== false })),
    foreign_keys: clone(s.foreign_keys),
    options: { engine: s.options.engine || "", collation: s.options.collation || "", comment: s.options.comment || "" },
  };
}

async function load() {
  const [loaded, opts] = await Promise.all([
    creating ? Promise.resolve(null) : getJson(`/api/db/${seg(db)}/table/${seg(table)}/structure`),
    getJson(`/api/db/${seg(db)}/table-choices`),
  ]);
  choices = opts;
  structure = loaded;
  form = creating ? emptyForm() : formFrom(structure);
  render();
}

// -- read-only view ---------------------------------------------------------------------------
function cellText(value) {
  return value === null || value === undefined ? "" : String(value);
}

function listTable(id, headers, rows) {
  return el(
    "table",
    { class: "list", id },
    el("thead", {}, el("tr", {}, headers.map((h) => el("th", {}, h)))),
    el("tbody", {}, rows.map((cells) => el("tr", {}, cells.map((c) => el("td", {}, c))))),
  );
}

function defaultText(c) {
  if (c.generated) return `AS (${c.generated})`;
  if (c.default_kind === "none") return "";
  if (c.default_kind === "null") return "NULL";
  if (c.default_kind === "literal") return `'${c.default}'`;
  return c.default;
}

async function tableAction(action) {
  const body = {};
  if (action === "rename" || action === "copy") {
    const value = await askText(`${action === "rename" ? "Rename" : "Copy"} ${table}`, action === "rename" ? "New name" : "Name of the copy", action === "copy" ? `${table}_copy` : table);
    if (!value) return;
    body.new_name = value;
  }
  const result = await previewAndRun(`/api/db/${seg(db)}/table/${seg(table)}/${action}`, body);
  if (!result) return;
  if (action === "rename" || action === "copy") window.location.href = `/db/${seg(db)}/table/${seg(body.new_name)}/structure`;
  else if (action === "drop") window.location.href = `/db/${seg(db)}`;
  else flash(`Truncated ${table}.`);
}

function renderView() {
  const s = structure;
  const ops = ["rename", "copy", "truncate", "drop"].filter((a) => s.kind === "table" || a === "rename" || a === "drop");
  const parts = [
    el(
      "div",
      { class: "actions table-actions" },
      ops.map((a) => el("button", { type: "button", "data-action": a, class: a === "drop" || a === "truncate" ? "danger" : "", onclick: () => tableAction(a) }, `${a[0].toUpperCase()}${a.slice(1)}…`)),
    ),
    el("h2", {}, "Columns"),
  ];
  parts.push(
    listTable(
      "structure-columns",
      ["#", "Name", "Type", "Null", "Default", "Extra", "Collation", "Comment"],
      s.columns.map((c, i) => [
        String(i + 1),
        el("span", { class: c.key === "PRI" ? "pk" : "" }, c.name),
        el("code", {}, c.type),
        c.nullable ? "YES" : "NO",
        el("code", {}, defaultText(c)),
        c.extra,
        c.collation,
        c.comment,
      ]),
    ),
  );
  if (s.kind === "table") {
    parts.push(el("h2", {}, "Indexes"));
    parts.push(
      s.indexes.length
        ? listTable(
            "structure-indexes",
            ["Name", "Kind", "Columns", "Type", "Cardinality"],
            s.indexes.map((i) => [i.name, i.kind + (i.visible === false ? " (invisible)" : ""), colsText(i.columns), i.type, cellText(i.cardinality)]),
          )
        : el("p", { class: "muted" }, "No indexes."),
    );
    parts.push(el("h2", {}, "Foreign keys"));
    parts.push(
      s.foreign_keys.length
        ? listTable(
            "structure-fks",
            ["Name", "Columns", "References", "On delete", "On update"],
            s.foreign_keys.map((f) => [f.name, f.columns.join(", "), `${f.ref_database}.${f.ref_table} (${f.ref_columns.join(", ")})`, f.on_delete, f.on_update]),
          )
        : el("p", { class: "muted" }, "No foreign keys."),
    );
    parts.push(el("h2", {}, "Triggers"));
    parts.push(
      s.triggers.length
        ? listTable("structure-triggers", ["Name", "Timing", "Event", "Statement"], s.triggers.map((t) => [t.name, t.timing, t.event, el("code", {}, t.body)]))
        : el("p", { class: "muted" }, "No triggers."),
    );
    if (s.partitions.length) {
      parts.push(el("h2", {}, "Partitions"));
      parts.push(listTable("structure-partitions", ["Name", "Method", "Expression", "Description", "Rows"], s.partitions.map((p) => [p.name, p.method, p.expression, cellText(p.description), cellText(p.rows_estimate)])));
    }
  }
  const o = s.options;
  parts.push(el("h2", {}, "Table options"));
  parts.push(
    listTable(
      "structure-options",
      ["Engine", "Row format", "Collation", "Auto increment", "Create options", "Rows (est.)", "Created", "Comment"],
      [[cellText(o.engine), cellText(o.row_format), cellText(o.collation), cellText(o.auto_increment), cellText(o.create_options), cellText(o.rows_estimate), cellText(o.created), cellText(o.comment)]],
    ),
  );
  parts.push(el("h2", {}, "DDL ", copyButton(() => s.ddl), el("a", { class: "button", href: "/sql?text=" + encodeURIComponent(s.ddl) }, "Open in SQL editor")));
  parts.push(el("pre", { class: "sql", id: "structure-ddl" }, s.ddl));
  return el("div", { id: "structure-view" }, parts);
}

// -- the form ---------------------------------------------------------------------------------
function select(options, value, onchange, attrs = {}) {
  const node = el("select", attrs, options.map((o) => (Array.isArray(o) ? el("option", { value: o[0] }, o[1]) : el("option", { value: o }, o || "—"))));
  node.value = value ?? "";
  node.addEventListener("change", () => onchange(node.value));
  return node;
}

function input(value, oninput, attrs = {}) {
  const node = el("input", { ...attrs, value: value ?? "" });
  node.addEventListener("input", () => oninput(node.value));
  return node;
}

function checkbox(value, onchange, attrs = {}) {
  const node = el("input", { ...attrs, type: "checkbox", checked: Boolean(value) });
  node.addEventListener("change", () => onchange(node.checked));
  return node;
}

// Key parts as text: `name`, `name(10)`, `name DESC`, or `(expression)` for a functional part
// (MySQL 8.0.13+), which is sent back as it was read.
function splitParts(text) {
  const parts = [];
  let depth = 0;
  let quote = "";
  let current = "";
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = "";
    } else if (ch === "'" || ch === '"' || ch === "`") quote = ch;
    else if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
      continue;
    }
    current += ch;
  }
  parts.push(current);
  return parts.map((t) => t.trim()).filter(Boolean);
}

const parseCols = (text) =>
  splitParts(text).map((t) => {
    const desc = /\s+DESC$/i.test(t);
    const body = desc ? t.replace(/\s+DESC$/i, "") : t;
    if (body.startsWith("(") && body.endsWith(")")) return { name: null, length: null, expression: body.slice(1, -1), ...(desc ? { descending: true } : {}) };
    const m = body.match(/^(.*?)\s*\((\d+)\)$/);
    const part = m ? { name: m[1], length: Number(m[2]) } : { name: body, length: null };
    return desc ? { ...part, descending: true } : part;
  });
const colsText = (cols) =>
  cols
    .map((c) => {
      if (typeof c === "string") return c;
      const text = c.expression && !c.name ? `(${c.expression})` : c.name + (c.length ? `(${c.length})` : "");
      return text + (c.descending ? " DESC" : "");
    })
    .join(", ");

function renameEverywhere(oldName, newName) {
  if (!oldName || oldName === newName) return;
  for (const idx of form.indexes) for (const c of idx.columns) if (c.name === oldName) c.name = newName;
  for (const fk of form.foreign_keys) fk.columns = fk.columns.map((c) => (c === oldName ? newName : c));
}

function moveItem(list, i, delta) {
  const j = i + delta;
  if (j < 0 || j >= list.length) return;
  [list[i], list[j]] = [list[j], list[i]];
  renderForm();
}

function columnRow(c, i) {
  const collations = ["", ...choices.collations];
  let before = c.name;
  const name = input(c.name, (v) => (c.name = v), { name: "name", "aria-label": "Column name", required: true });
  name.addEventListener("change", () => {
    renameEverywhere(before, c.name);
    before = c.name;
    renderIndexes();
    renderKeys();
  });
  const defaultValue = input(c.default, (v) => (c.default = v), { name: "default", "aria-label": "Default", disabled: c.default_kind === "none" || c.default_kind === "null" });
  return el(
    "tr",
    { class: "col-row" + (c.original ? "" : " new") },
    el(
      "td",
      { class: "move" },
      el("button", { type: "button", title: "Move up", onclick: () => moveItem(form.columns, i, -1) }, "↑"),
      el("button", { type: "button", title: "Move down", onclick: () => moveItem(form.columns, i, 1) }, "↓"),
    ),
    el("td", {}, name),
    el("td", {}, c.generated ? el("span", { class: "muted", title: c.generated }, `${c.type} (generated)`) : input(c.type, (v) => (c.type = v), { name: "type", "aria-label": "Type", list: "type-names" })),
    el("td", {}, checkbox(c.nullable, (v) => (c.nullable = v), { name: "nullable", "aria-label": "Nullable" })),
    el(
      "td",
      { class: "default" },
      select(DEFAULT_KINDS, c.default_kind || "none", (v) => {
        c.default_kind = v;
        defaultValue.disabled = v === "none" || v === "null";
      }, { name: "default_kind", "aria-label": "Default kind" }),
      defaultValue,
    ),
    el("td", {}, checkbox(c.auto_increment, (v) => (c.auto_increment = v), { name: "auto_increment", "aria-label": "Auto increment" })),
    el("td", {}, select(collations, c.collation || "", (v) => (c.collation = v), { name: "collation", "aria-label": "Collation" })),
    el("td", {}, input(c.comment, (v) => (c.comment = v), { name: "comment", "aria-label": "Comment" })),
    el(
      "td",
      {},
      el("button", {
        type: "button",
        class: "danger remove-column",
        title: "Remove column",
        onclick: () => {
          form.columns.splice(i, 1);
          // Its indexes and keys lose it too, as the server would do.
          for (const idx of form.indexes) idx.columns = idx.columns.filter((x) => x.name !== c.name);
          form.indexes = form.indexes.filter((idx) => idx.columns.length);
          form.foreign_keys = form.foreign_keys.filter((fk) => !fk.columns.includes(c.name));
          renderForm();
        },
      }, "✕"),
    ),
  );
}

let formNode = null;
const sections = {};

function renderColumns() {
  sections.columns.replaceChildren(
    el(
      "table",
      { class: "list edit", id: "edit-columns" },
      el("thead", {}, el("tr", {}, ["", "Name", "Type", "Null", "Default", "A_I", "Collation", "Comment", ""].map((h) => el("th", {}, h)))),
      el("tbody", {}, form.columns.map(columnRow)),
    ),
    el(
      "button",
      {
        type: "button",
        id: "add-column",
        onclick: () => {
          form.columns.push({ name: "", original: null, type: "VARCHAR(255)", nullable: true, default_kind: "none", default: "", auto_increment: false, collation: "", comment: "" });
          renderForm();
          const inputs = sections.columns.querySelectorAll("tr.col-row input[name=name]");
          inputs[inputs.length - 1].focus();
        },
      },
      "+ Add column",
    ),
  );
}

function renderIndexes() {
  sections.indexes.replaceChildren(
    el(
      "table",
      { class: "list edit", id: "edit-indexes" },
      el("thead", {}, el("tr", {}, ["Kind", "Name", "Columns (name or name(length), comma-separated)", ""].map((h) => el("th", {}, h)))),
      el(
        "tbody",
        {},
        form.indexes.map((idx, i) =>
          el(
            "tr",
            { class: "index-row" },
            el("td", {}, select(INDEX_KINDS, idx.kind, (v) => {
              idx.kind = v;
              if (v === "PRIMARY") idx.name = "PRIMARY";
              renderIndexes();
            }, { name: "kind" })),
            el("td", {}, input(idx.name, (v) => (idx.name = v), { name: "index_name", disabled: idx.kind === "PRIMARY" })),
            el("td", {}, input(colsText(idx.columns), (v) => (idx.columns = parseCols(v)), { name: "index_columns", class: "wide" })),
            el("td", {}, el("button", { type: "button", class: "danger", onclick: () => { form.indexes.splice(i, 1); renderIndexes(); } }, "✕")),
          ),
        ),
      ),
    ),
    el("button", { type: "button", id: "add-index", onclick: () => { form.indexes.push({ name: "", kind: "INDEX", columns: [] }); renderIndexes(); } }, "+ Add index"),
  );
}

function renderKeys() {
  sections.keys.replaceChildren(
    el(
      "table",
      { class: "list edit", id: "edit-fks" },
      el("thead", {}, el("tr", {}, ["Name", "Columns", "Referenced table", "Referenced columns", "On delete", "On update", ""].map((h) => el("th", {}, h)))),
      el(
        "tbody",
        {},
        form.foreign_keys.map((fk, i) =>
          el(
            "tr",
            { class: "fk-row" },
            el("td", {}, input(fk.name, (v) => (fk.name = v), { name: "fk_name" })),
            el("td", {}, input(fk.columns.join(", "), (v) => (fk.columns = v.split(",").map((s) => s.trim()).filter(Boolean)), { name: "fk_columns" })),
            el("td", {}, input(fk.ref_table, (v) => (fk.ref_table = v), { name: "fk_ref_table" })),
            el("td", {}, input(fk.ref_columns.join(", "), (v) => (fk.ref_columns = v.split(",").map((s) => s.trim()).filter(Boolean)), { name: "fk_ref_columns" })),
            el("td", {}, select(FK_RULES, fk.on_delete, (v) => (fk.on_delete = v))),
            el("td", {}, select(FK_RULES, fk.on_update, (v) => (fk.on_update = v))),
            el("td", {}, el("button", { type: "button", class: "danger", onclick: () => { form.foreign_keys.splice(i, 1); renderKeys(); } }, "✕")),
          ),
        ),
      ),
    ),
    el(
      "button",
      {
        type: "button",
        id: "add-fk",
        onclick: () => {
          form.foreign_keys.push({ name: `fk_${form.name || table}_${form.foreign_keys.length + 1}`, columns: [], ref_database: db, ref_table: "", ref_columns: [], on_delete: "RESTRICT", on_update: "RESTRICT" });
          renderKeys();
        },
      },
      "+ Add foreign key",
    ),
  );
}

function renderOptions() {
  const o = form.options;
  sections.options.replaceChildren(
    el(
      "div",
      { class: "inline-form" },
      el("label", {}, "Engine", select(["", ...choices.engines], o.engine, (v) => (o.engine = v), { name: "engine" })),
      el("label", {}, "Collation (charset)", select(["", ...choices.collations], o.collation, (v) => (o.collation = v), { name: "table_collation" })),
      el("label", { class: "grow" }, "Comment", input(o.comment, (v) => (o.comment = v), { name: "table_comment" })),
    ),
  );
}

function renderForm() {
  renderColumns();
  renderIndexes();
  renderKeys();
  renderOptions();
}

function buildForm() {
  sections.columns = el("div");
  sections.indexes = el("div");
  sections.keys = el("div");
  sections.options = el("div");
  const preview = el("button", { type: "submit", class: "primary", id: "preview-sql" }, creating ? "Preview CREATE TABLE…" : "Preview ALTER TABLE…");
  const reset = el("button", { type: "button", id: "reset-form", onclick: () => { form = creating ? emptyForm() : formFrom(structure); renderForm(); } }, "Reset");
  formNode = el(
    "form",
    { id: "edit-form", class: "panel" },
    creating ? el("label", { class: "table-name" }, "Table name", input(form.name, (v) => (form.name = v), { name: "table_name", required: true })) : null,
    el("h2", {}, "Columns"),
    sections.columns,
    el("h2", {}, "Indexes"),
    sections.indexes,
    el("h2", {}, "Foreign keys"),
    sections.keys,
    el("h2", {}, "Options"),
    sections.options,
    el("div", { class: "actions" }, reset, preview),
  );
  formNode.addEventListener("submit", async (event) => {
    event.preventDefault();
    const url = creating ? `/api/db/${seg(db)}/tables` : `/api/db/${seg(db)}/table/${seg(table)}/alter`;
    const result = await previewAndRun(url, { form });
    if (!result) return;
    if (creating) {
      window.location.href = `/db/${seg(db)}/table/${seg(form.name.trim())}/structure`;
      return;
    }
    // Only now, after the server said yes, does the page show the new structure.
    structure = await getJson(`/api/db/${seg(db)}/table/${seg(table)}/structure`);
    form = formFrom(structure);
    render();
    flash("Table altered.");
  });
  renderForm();
  return formNode;
}

const TYPES = ["INT", "INT UNSIGNED", "BIGINT", "SMALLINT", "TINYINT", "DECIMAL(10,2)", "DOUBLE", "FLOAT", "VARCHAR(255)", "CHAR(10)", "TEXT", "MEDIUMTEXT", "LONGTEXT", "BLOB", "DATE", "DATETIME", "TIMESTAMP", "TIME", "YEAR", "JSON", "ENUM('a','b')", "BOOLEAN", "VARBINARY(255)"];

function render() {
  const parts = [el("datalist", { id: "type-names" }, TYPES.map((t) => el("option", { value: t })))];
  if (creating) {
    parts.push(buildForm());
  } else {
    const editing = el("details", { id: "edit-structure", class: "edit-structure" }, el("summary", {}, "Edit structure…"));
    if (structure.kind === "table") editing.append(buildForm());
    parts.push(structure.kind === "table" ? editing : el("p", { class: "muted" }, "A view: edit its definition on the Objects page."));
    parts.push(renderView());
  }
  root.replaceChildren(...parts);
}

load().catch((error) => root.replaceChildren(el("p", { class: "error", role: "alert" }, error.message)));
