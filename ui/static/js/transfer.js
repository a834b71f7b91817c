// Import and export dialogs: pick a file (native dialog in the window, upload in a browser),
// preview and map columns, start a job, show progress with Cancel, offer the result.
import { api } from "./eddy.js";
import { uploadFile } from "./upload.js";

const root = document.getElementById("transfer-actions");
const database = root.dataset.database;
const table = root.dataset.table || null;
const $ = (sel, el = document) => el.querySelector(sel);
let nativeDialogs = null;

async function hasNativeDialogs() {
  if (nativeDialogs === null) {
    const caps = await fetch("/api/transfer/capabilities", { credentials: "same-origin" }).then((r) => r.json());
    nativeDialogs = !!caps.native_dialogs;
  }
  return nativeDialogs;
}

function show(el, on = true) { el.classList.toggle("hidden", !on); }
function fail(el, message) { el.textContent = message; show(el, true); }

function human(bytes) {
  if (bytes == null) return "";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (bytes >= 1024 && i < units.length - 1) { bytes /= 1024; i += 1; }
  return `${bytes.toFixed(i ? 1 : 0)} ${units[i]}`;
}

function duration(s) {
  if (s == null) return "";
  if (s < 60) return `${Math.ceil(s)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

// Poll a job until it ends; updates the progress block inside `form`.
async function follow(job, form, cancelButton) {
  const block = $("[data-role=job]", form);
  const bar = $("[data-role=bar]", form);
  const status = $("[data-role=status]", form);
  show(block, true);
  show(cancelButton, true);
  cancelButton.disabled = false;
  cancelButton.onclick = async () => {
    cancelButton.disabled = true;
    await api(`/api/jobs/${job.id}/cancel`);
  };
  for (;;) {
    const fraction = job.fraction;
    bar.parentElement.classList.toggle("indeterminate", fraction == null && job.state === "running");
    bar.style.width = fraction == null ? "" : `${Math.round(fraction * 100)}%`;
    const parts = [`${job.done.toLocaleString()} rows`];
    if (job.bytes_total) parts.push(`${human(job.bytes_done)} of ${human(job.bytes_total)}`);
    else if (job.bytes_done) parts.push(human(job.bytes_done));
    parts.push(`${Math.round(job.rate).toLocaleString()} rows/s`);
    if (job.seconds_left != null) parts.push(`${duration(job.seconds_left)} left`);
    status.textContent = `${job.state === "running" ? job.phase || "Working" : job.state}: ${parts.join(" · ")}`;
    if (job.state !== "running") break;
    await new Promise((resolve) => setTimeout(resolve, 300));
    job = await fetch(`/api/jobs/${job.id}`, { credentials: "same-origin" }).then((r) => r.json());
  }
  show(cancelButton, false);
  status.classList.toggle("job-done", job.state === "done");
  return job;
}

// ---- import ----------------------------------------------------------------------------
const importDialog = document.getElementById("import-dialog");
const importForm = document.getElementById("import-form");
const importError = document.getElementById("import-error");
const startButton = document.getElementById("import-start");
let chosen = null; // {file, name}
let previewData = null;

document.getElementById("import-open").addEventListener("click", () => {
  importDialog.showModal();
});
document.getElementById("import-close").addEventListener("click", () => importDialog.close());

document.getElementById("import-choose").addEventListener("click", async () => {
  show(importError, false);
  try {
    if (await hasNativeDialogs()) {
      const picked = await api("/api/transfer/dialog", { body: { mode: "open" } });
      if (picked.cancelled) return;
      await fileChosen(picked);
    } else {
      document.getElementById("import-file").click();
    }
  } catch (err) {
    fail(importError, err.message);
  }
});

document.getElementById("import-file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  try {
    await fileChosen(await upload(file));
  } catch (err) {
    fail(importError, err.message);
  }
});

// Streams the file body to the server, which writes it to a temp file; the bar shows progress.
function upload(file) {
  const bar = document.getElementById("upload-bar");
  show(bar, true);
  return uploadFile(file, (fraction) => (bar.firstElementChild.style.width = `${Math.round(100 * fraction)}%`));
}

async function fileChosen(picked) {
  chosen = picked;
  document.getElementById("import-file-name").textContent = picked.name;
  const isSql = /\.sql$/i.test(picked.name);
  show($("#import-step-sql"), isSql);
  show($("#import-step-csv"), !isSql);
  if (!isSql) await loadPreview(null);
  startButton.disabled = false;
}

function dialectFromForm() {
  const f = importForm.elements;
  return {
    encoding: f.encoding.value,
    delimiter: f.delimiter.value,
    quote: f.quote.value,
    header: f.header.checked,
    escapes: f.escapes.checked,
    line_end: previewData ? previewData.dialect.line_end : "\r\n",
  };
}

async function loadPreview(overrides) {
  previewData = await api("/api/transfer/preview", {
    body: { file: chosen.file, database, table, dialect: overrides },
  });
  const d = previewData.dialect;
  const f = importForm.elements;
  f.encoding.value = d.encoding;
  f.delimiter.value = d.delimiter;
  f.quote.value = d.quote;
  f.header.checked = d.header;
  f.escapes.checked = d.escapes;
  if (d.escapes) f.null_marker.value = "";
  $("#import-line-end").textContent = `Line ends: ${d.line_end === "\r\n" ? "CRLF" : "LF"} · ${human(previewData.size)}`;
  renderPreview();
  const warning = $("#import-warning");
  warning.textContent = previewData.warning || "";
  show(warning, !!previewData.warning);
}

function renderPreview() {
  const grid = document.getElementById("import-preview");
  grid.replaceChildren();
  const head = grid.createTHead().insertRow();
  const names = previewData.header || Array.from({ length: previewData.width }, (_, i) => `column ${i + 1}`);
  for (const name of names) {
    const th = document.createElement("th");
    th.textContent = name;
    head.appendChild(th);
  }
  const body = grid.createTBody();
  for (const row of previewData.rows) {
    const tr = body.insertRow();
    for (const value of row) {
      const td = tr.insertCell();
      if (value === null) {
        td.className = "null";
        const badge = document.createElement("span");
        badge.className = "null-badge";
        badge.textContent = "NULL";
        td.appendChild(badge);
      } else {
        td.textContent = value;
      }
    }
  }
  show($("#import-target-new"), !table);
  show($("#import-mapping-wrap"), !!table);
  if (!table) {
    importForm.elements.create_sql.value = previewData.create_sql;
    return;
  }
  const tbody = $("#import-mapping tbody");
  tbody.replaceChildren();
  const bySource = new Map(previewData.mapping.map((m) => [m.column, m.source]));
  for (const col of previewData.columns) {
    const tr = tbody.insertRow();
    tr.dataset.column = col.name;
    tr.insertCell().textContent = `${col.name} (${col.type})`;
    const select = document.createElement("select");
    select.name = `map:${col.name}`;
    select.add(new Option("— skip —", ""));
    names.forEach((n, i) => select.add(new Option(`${i + 1}: ${n}`, String(i))));
    const src = bySource.get(col.name);
    select.value = src === undefined || src === null ? "" : String(src);
    tr.insertCell().appendChild(select);
    const constant = document.createElement("input");
    constant.name = `const:${col.name}`;
    constant.placeholder = "constant";
    constant.size = 10;
    tr.insertCell().appendChild(constant);
  }
}

for (const name of ["encoding", "delimiter", "quote", "header", "escapes"]) {
  importForm.elements[name].addEventListener("change", () => loadPreview(dialectFromForm()).catch((e) => fail(importError, e.message)));
}
importForm.elements.method.addEventListener("change", () => {
  $("#load-data-note").hidden = importForm.elements.method.value !== "load_data";
});

function mappingFromForm() {
  const mapping = [];
  for (const tr of document.querySelectorAll("#import-mapping tbody tr")) {
    const column = tr.dataset.column;
    const constant = tr.querySelector("input").value;
    const source = tr.querySelector("select").value;
    if (constant !== "") mapping.push({ column, constant });
    else if (source !== "") mapping.push({ column, source: Number(source) });
  }
  return mapping;
}

startButton.addEventListener("click", async () => {
  show(importError, false);
  startButton.disabled = true;
  const f = importForm.elements;
  try {
    let job;
    if (/\.sql$/i.test(chosen.name)) {
      show($("#import-other-databases"), false);
      job = await api("/api/transfer/sql-import", {
        body: { file: chosen.file, database, stop_on_error: f.stop_on_error.checked, allow_databases: allowedDatabases },
      });
      allowedDatabases = [];
    } else {
      const options = {
        empty: f.empty.value,
        null_marker: f.null_marker.value,
        on_duplicate: f.on_duplicate.value,
        bad_rows: f.bad_rows.value,
        commit_every: f.tx.value === "batched" ? Number(f.commit_every.value) : 0,
        resume_from: Number(f.resume_from.value) || 0,
        method: f.method.value,
      };
      const body = { file: chosen.file, database, dialect: dialectFromForm(), options };
      if (table) {
        body.table = table;
        body.mapping = mappingFromForm();
      } else {
        body.create_sql = f.create_sql.value;
      }
      job = await api("/api/transfer/import", { body });
    }
    job = await follow(job, importForm, document.getElementById("import-cancel-job"));
    reportImport(job);
  } catch (err) {
    fail(importError, err.message);
  } finally {
    startButton.disabled = false;
  }
});

// A script naming other databases was refused before anything ran: list them, offer to run anyway.
let allowedDatabases = [];
function confirmOtherDatabases(r) {
  const box = $("#import-other-databases");
  $("[data-role=text]", box).textContent =
    `Nothing was run. This script names other databases than ${r.database}: running it writes there, not into ${r.database}.`;
  const list = $("[data-role=list]", box);
  list.replaceChildren(...r.other_databases.map((o) => {
    const li = document.createElement("li");
    li.textContent = `${o.name} — line ${o.line}: ${o.how}`;
    return li;
  }));
  show(box, true);
  $("#import-run-anyway").onclick = () => {
    allowedDatabases = r.other_databases.map((o) => o.name);
    show(box, false);
    startButton.click();
  };
}

function reportImport(job) {
  const status = $("[data-role=status]", importForm);
  if (job.state !== "done" && job.result && job.result.refused) {
    status.textContent = "Not run: waiting for your confirmation.";
    confirmOtherDatabases(job.result);
    return;
  }
  if (job.state === "done") {
    const r = job.result;
    let text = r.statements !== undefined
      ? `Done: ${r.statements.toLocaleString()} statements run in ${r.database || "the server"}, ${r.failed} failed.`
      : `Done: ${r.rows.toLocaleString()} rows imported${r.table ? ` into ${r.table}` : ""}.`;
    if (r.skipped) text += ` ${r.skipped} bad rows skipped.`;
    if (r.note) text += ` ${r.note}`; // a connection lost at COMMIT, and what Eddy then verified
    status.textContent = text;
    // The page showing this table (the grid) offers to reload its rows.
    document.dispatchEvent(new CustomEvent("eddy:imported", { detail: { database: r.database, table: r.table } }));
    if (r.rejects) {
      const link = document.createElement("a");
      link.href = `/api/transfer/download/${r.rejects}`;
      link.id = "import-rejects";
      link.textContent = " Save the skipped rows (CSV)";
      link.setAttribute("download", "");
      link.addEventListener("click", async (event) => {
        if (!(await hasNativeDialogs())) return; // a browser downloads it
        event.preventDefault(); // the window cannot download: save through the native dialog
        try {
          const saved = await api("/api/transfer/dialog", {
            body: { mode: "save", filename: `${r.table || "import"}-rejected-rows.csv`, copy_from: r.rejects },
          });
          if (saved.saved) link.textContent = ` Saved to ${saved.saved}`;
        } catch (err) {
          fail(importError, err.message);
        }
      });
      status.appendChild(link);
    }
    if (r.errors && r.errors.length) {
      status.textContent += " " + r.errors.slice(0, 5).map((e) => `line ${e.line}: ${e.error}`).join("; ");
    }
  } else {
    fail(importError, job.error || job.state);
  }
}

// ---- export ----------------------------------------------------------------------------
const exportDialog = document.getElementById("export-dialog");
const exportForm = document.getElementById("export-form");
const exportError = document.getElementById("export-error");
const exportStart = document.getElementById("export-start");

document.getElementById("export-open").addEventListener("click", async () => {
  // On a filtered or sorted grid, offer exactly that view (its SQL is shown and editable).
  const viewSql = document.getElementById("transfer-actions").dataset.viewSql;
  if (viewSql && exportForm.elements.use_query) {
    exportForm.elements.use_query.checked = true;
    exportForm.elements.sql.value = viewSql;
    show(exportForm.elements.sql, true);
  }
  exportDialog.showModal();
  exportStart.textContent = (await hasNativeDialogs()) ? "Save as…" : "Export";
});
document.getElementById("export-close").addEventListener("click", () => exportDialog.close());
exportForm.elements.format.addEventListener("change", () => {
  const csv = exportForm.elements.format.value === "csv";
  exportForm.querySelectorAll(".csv-only").forEach((el) => show(el, csv));
  const dumpNote = document.getElementById("export-dump-note");
  if (dumpNote) show(dumpNote, exportForm.elements.format.value === "sql");
});
if (exportForm.elements.use_query) {
  exportForm.elements.use_query.addEventListener("change", () => show(exportForm.elements.sql, exportForm.elements.use_query.checked));
}

exportStart.addEventListener("click", async () => {
  show(exportError, false);
  show($("#export-done"), false);
  const f = exportForm.elements;
  const format = f.format.value;
  const options = { format, header: f.header.checked };
  if (format === "csv") Object.assign(options, { delimiter: f.delimiter.value, null: f.null.value, bom: f.bom.checked });
  const body = { database, options };
  if (table) {
    if (f.use_query && f.use_query.checked && f.sql.value.trim()) body.sql = f.sql.value;
    else body.table = table;
  } else {
    body.whole_database = true;
  }
  exportStart.disabled = true;
  try {
    if (await hasNativeDialogs()) {
      const ext = { csv: "csv", tsv: "tsv", json: "json", jsonl: "jsonl", sql: "sql", xlsx: "xlsx" }[format];
      const many = !table && !["sql", "xlsx"].includes(format);
      const picked = await api("/api/transfer/dialog", {
        body: { mode: "save", filename: `${table || database}.${many ? "zip" : ext}` },
      });
      if (picked.cancelled) return;
      body.target = picked.file;
    }
    let job = await api("/api/transfer/export", { body });
    job = await follow(job, exportForm, document.getElementById("export-cancel-job"));
    if (job.state !== "done") {
      fail(exportError, job.error || job.state);
      return;
    }
    const done = $("#export-done");
    done.textContent = `Exported ${job.result.rows.toLocaleString()} rows (${human(job.result.bytes)}) to ${job.result.filename}.`;
    show(done, true);
    if (job.result.download) {
      const link = document.createElement("a");
      link.href = `/api/transfer/download/${job.result.download}`;
      link.setAttribute("download", job.result.filename);
      link.id = "export-download";
      link.textContent = " Download";
      done.appendChild(link);
      link.click();
    }
  } catch (err) {
    fail(exportError, err.message);
  } finally {
    exportStart.disabled = false;
  }
});
