// The SQL editor's dialogs and read-only views: confirming a write or DDL (with the rolled-back
// preview) and the EXPLAIN plan (classic table with flags, JSON plan as a tree).
import { cellText } from "./datagrid.js";

const $ = (sel) => document.querySelector(sel);

function previewTable(columns, rows, otherRows) {
  const wrap = document.createElement("div");
  wrap.className = "preview-wrap";
  const table = document.createElement("table");
  wrap.appendChild(table);
  table.className = "grid preview";
  const hr = table.createTHead().insertRow();
  for (const c of columns) hr.insertCell().textContent = c;
  const tb = table.createTBody();
  rows.forEach((row, i) => {
    const tr = tb.insertRow();
    if (!row) {
      const td = tr.insertCell();
      td.colSpan = columns.length;
      td.textContent = "(row no longer matches its key)";
      return;
    }
    row.forEach((v, c) => {
      const td = tr.insertCell();
      td.textContent = v === null ? "NULL" : cellText(v);
      if (v === null) td.className = "null";
      const other = otherRows && otherRows[i];
      if (other && JSON.stringify(other[c]) !== JSON.stringify(v)) td.classList.add("changed");
    });
  });
  return wrap;
}

export function askConfirmation(pending) {
  const dialog = $("#confirm-dialog");
  const body = $("#confirm-body");
  body.textContent = "";
  const title = document.createElement("p");
  title.className = "confirm-reason";
  title.textContent = pending.reason;
  const stmt = document.createElement("pre");
  stmt.textContent = `line ${pending.line}: ${pending.statement}`;
  body.append(title, stmt);
  const p = pending.preview;
  if (pending.kind === "ddl") {
    const t = document.createElement("p");
    t.className = "confirm-target";
    t.textContent = `This will run: ${pending.target}`;
    body.appendChild(t);
    $("#confirm-run").textContent = `Run ${pending.target}`;
  } else if (p) {
    const t = document.createElement("p");
    t.id = "confirm-rows";
    t.className = "confirm-target";
    t.textContent = p.available
      ? `Tried in a transaction that was rolled back: it would change ${p.rows.toLocaleString()} row(s).`
      : p.reason;
    body.appendChild(t);
    if (p.before && p.before.length) {
      // Changed columns first (after the first column, usually the key), so they are seen.
      const changed = (c) =>
        (p.after || []).some((row, i) => row && JSON.stringify(row[c]) !== JSON.stringify(p.before[i][c]));
      const rest = p.columns.map((_, c) => c).slice(1);
      const order = [0, ...rest.filter(changed), ...rest.filter((c) => !changed(c))];
      const pick = (rows) => rows.map((row) => row && order.map((c) => row[c]));
      const names = order.map((c) => p.columns[c]);
      const h = document.createElement("h3");
      h.textContent = "Before (sample)";
      body.append(h, previewTable(names, pick(p.before)));
      if (p.after) {
        const h2 = document.createElement("h3");
        h2.textContent = "After (changed cells highlighted)";
        body.append(h2, previewTable(names, pick(p.after), pick(p.before)));
      } else if (p.note) {
        const n = document.createElement("p");
        n.className = "muted";
        n.textContent = p.note;
        body.appendChild(n);
      }
    }
    $("#confirm-run").textContent = p.available ? `Run it (${p.rows.toLocaleString()} rows)` : "Run it anyway";
  }
  dialog.showModal();
  return new Promise((resolve) => {
    const done = (value) => {
      dialog.close();
      $("#confirm-run").onclick = null;
      $("#confirm-cancel").onclick = null;
      resolve(value);
    };
    $("#confirm-run").onclick = () => done(true);
    $("#confirm-cancel").onclick = () => done(false);
    dialog.oncancel = () => done(false);
  });
}

function jsonTree(value, key) {
  if (value === null || typeof value !== "object") {
    const div = document.createElement("div");
    div.className = "kv";
    div.textContent = `${key}: ${JSON.stringify(value)}`;
    if (key === "access_type" && value === "ALL") div.classList.add("flag-bad");
    if (/filesort|temporary/i.test(String(key))) div.classList.add("flag-bad");
    return div;
  }
  const details = document.createElement("details");
  details.open = true;
  const summary = document.createElement("summary");
  summary.textContent = key;
  if (/filesort|temporary/i.test(String(key))) summary.classList.add("flag-bad");
  details.appendChild(summary);
  for (const [k, v] of Object.entries(value)) details.appendChild(jsonTree(v, Array.isArray(value) ? `[${k}]` : k));
  return details;
}

export function renderPlan(plan, body) {
  body.textContent = "";
  const wrap = document.createElement("div");
  wrap.className = "plan";
  wrap.id = "plan";
  const table = document.createElement("table");
  table.className = "grid";
  const hr = table.createTHead().insertRow();
  hr.insertCell().textContent = "flags";
  for (const c of plan.columns) hr.insertCell().textContent = c;
  const tb = table.createTBody();
  for (const row of plan.rows) {
    const tr = tb.insertRow();
    if (row.flags.length) tr.className = "flag-bad";
    tr.insertCell().textContent = row.flags.join(", ");
    for (const v of row.cells) tr.insertCell().textContent = v === null ? "NULL" : cellText(v);
  }
  wrap.appendChild(table);
  for (const note of plan.notes) {
    const p = document.createElement("p");
    p.className = "muted";
    p.textContent = note;
    wrap.appendChild(p);
  }
  if (plan.json) wrap.appendChild(jsonTree(plan.json, "EXPLAIN FORMAT=JSON"));
  if (plan.analyze) {
    if (typeof plan.analyze === "string") {
      const pre = document.createElement("pre");
      pre.textContent = plan.analyze;
      wrap.appendChild(pre);
    } else if (plan.analyze.table === true && Array.isArray(plan.analyze.rows)) {
      // TiDB: the measured plan is a table, one row per operator; show all of it.
      const measured = document.createElement("table");
      measured.className = "explain-analyze";
      const head = measured.createTHead().insertRow();
      for (const c of plan.analyze.columns) head.insertCell().textContent = c;
      const rows = measured.createTBody();
      for (const row of plan.analyze.rows) {
        const tr = rows.insertRow();
        for (const v of row) tr.insertCell().textContent = v === null ? "NULL" : cellText(v);
      }
      wrap.appendChild(measured);
    } else wrap.appendChild(jsonTree(plan.analyze, "ANALYZE (measured)"));
  }
  body.appendChild(wrap);
}

