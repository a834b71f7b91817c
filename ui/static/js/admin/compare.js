// Schema compare: pick a source and a target, see the differences as a tree with both definitions
// side by side, tick what to apply, read the script, then save it, open it in the editor or run it
// on the target through the preview-then-confirm dialog (typed name of the target database).
import { api } from "../eddy.js";
import { uploadFile } from "../upload.js";
import { copyButton, el, getJson, previewAndRun, showError } from "./common.js";

const form = document.getElementById("compare-form");
const errorBox = document.getElementById("compare-error");
const summary = document.getElementById("compare-summary");
const results = document.getElementById("compare-results");
const tree = document.getElementById("compare-tree");
const detail = document.getElementById("compare-detail");
const actions = document.getElementById("compare-actions");
const scriptPane = document.getElementById("script-pane");
const scriptText = document.getElementById("script-text");
const scriptWarnings = document.getElementById("script-warnings");
const applyResult = document.getElementById("apply-result");
const openEditor = document.getElementById("open-editor");

const KINDS = [
  ["table", "Tables"],
  ["view", "Views"],
  ["procedure", "Procedures"],
  ["function", "Functions"],
  ["trigger", "Triggers"],
  ["event", "Events"],
];
// What applying does to the target, said from the target's side.
const VERB = { added: "create", removed: "drop", changed: "alter" };

let differences = [];
let request = null; // the body of the last compare: sides and filters

function side(prefix) {
  return {
    connection: form.elements[`${prefix}-connection`].value,
    database: form.elements[`${prefix}-database`].value,
  };
}

async function fillDatabases(prefix, preferred) {
  const select = form.elements[`${prefix}-database`];
  const connection = form.elements[`${prefix}-connection`].value;
  const { databases } = await getJson(`/api/compare/databases?connection=${encodeURIComponent(connection)}`);
  select.replaceChildren(...databases.map((name) => el("option", { value: name }, name)));
  const pick = databases.find((name) => name === preferred) ?? databases.find((name) => name !== form.dataset.db);
  if (pick !== undefined) select.value = pick;
}

function selectedIds() {
  return [...tree.querySelectorAll("input.pick:checked")].map((box) => box.value);
}

function confirmedRenames() {
  return [...tree.querySelectorAll("input.rename-pick:checked")].map((box) => JSON.parse(box.value));
}

function body(extra = {}) {
  return { ...request, selected: selectedIds(), renames: confirmedRenames(), ...extra };
}

function partText(part) {
  const what = part.name ? `${part.part} ${part.name}` : part.part;
  return `${what}: ${part.status === "added" ? "to add" : part.status === "removed" ? "to drop" : "differs"}`;
}

function renderTree() {
  tree.replaceChildren();
  for (const [kind, title] of KINDS) {
    const items = differences.filter((d) => d.kind === kind);
    if (!items.length) continue;
    const list = el("ul", { role: "group" });
    for (const diff of items) {
      const row = el(
        "div",
        { class: "item", "data-id": diff.id, onclick: (event) => event.target.tagName !== "INPUT" && showDetail(diff) },
        el("input", { type: "checkbox", class: "pick", value: diff.id, checked: true, "aria-label": `apply ${diff.id}` }),
        el("span", { class: `badge-${diff.status}` }, VERB[diff.status]),
        el("span", { class: "name", title: diff.name }, diff.name),
      );
      const sub = el("ul");
      for (const part of diff.parts) sub.append(el("li", { class: "part" }, partText(part)));
      for (const rename of diff.renames) {
        const value = JSON.stringify({ table: diff.name, from: rename.from, to: rename.to });
        sub.append(
          el(
            "li",
            { class: "rename" },
            el("label", {}, el("input", { type: "checkbox", class: "rename-pick", value }), ` rename ${rename.from} → ${rename.to} (keeps its data; else drop + add)`),
          ),
        );
      }
      list.append(el("li", { role: "treeitem" }, row, sub));
    }
    tree.append(el("li", { class: "group" }, el("div", { class: "group-title" }, `${title} (${items.length})`), list));
  }
}

function showDetail(diff) {
  for (const node of tree.querySelectorAll(".item.current")) node.classList.remove("current");
  tree.querySelector(`.item[data-id="${CSS.escape(diff.id)}"]`)?.classList.add("current");
  const table = el(
    "table",
    { class: "side-by-side" },
    el("thead", {}, el("tr", {}, el("th", {}, `Target: ${request.target.database} (now)`), el("th", {}, `Source: ${request.source.database} (wanted)`))),
  );
  const rows = el("tbody");
  for (const line of diff.lines) {
    rows.append(el("tr", { class: line.t }, el("td", { class: "left" }, line.l ?? ""), el("td", { class: "right" }, line.r ?? "")));
  }
  table.append(rows);
  const warnings = diff.warnings.map((text) => el("p", { class: "error" }, text));
  detail.replaceChildren(el("h2", {}, `${diff.kind} ${diff.name}`, el("span", { class: `badge-${diff.status}` }, VERB[diff.status])), ...warnings, table);
}

async function runCompare(event) {
  event?.preventDefault();
  showError(errorBox, null);
  scriptPane.hidden = true;
  request = {
    source: side("source"),
    target: side("target"),
    filters: { ignore_comments: form.elements.ignore_comments.checked, ignore_collations: form.elements.ignore_collations.checked },
  };
  const button = document.getElementById("compare-run");
  button.disabled = true;
  summary.textContent = "Comparing…";
  const started = performance.now();
  try {
    const data = await api("/api/compare", { body: request });
    differences = data.differences;
    const same = Object.values(data.identical).reduce((a, b) => a + b, 0);
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    summary.textContent = differences.length
      ? `${differences.length} differences, ${same} objects identical (${seconds} s).`
      : `No differences: ${same} objects identical (${seconds} s).`;
    results.hidden = actions.hidden = !differences.length;
    renderTree();
    if (differences.length) showDetail(differences[0]);
  } catch (error) {
    summary.textContent = "";
    showError(errorBox, error);
  } finally {
    button.disabled = false;
  }
}

async function loadScript() {
  const data = await api("/api/compare/script", { body: body() });
  scriptText.textContent = data.script;
  scriptWarnings.replaceChildren(...data.destructive.map((what) => el("li", {}, `Data loss: ${what}`)));
  scriptPane.hidden = false;
  if (!scriptPane.querySelector(".copy")) scriptPane.prepend(copyButton(() => scriptText.textContent));
  openEditor.href = "/sql?text=" + encodeURIComponent(data.script);
  return data;
}

async function saveScript() {
  try {
    const data = await api("/api/compare/script", { body: body({ save: true }) });
    if (data.saved) summary.textContent = `Saved to ${data.path}.`;
  } catch (error) {
    if (!/No native window/.test(error.message)) throw error;
    // In a browser: a normal download.
    const data = await loadScript();
    const link = el("a", { href: URL.createObjectURL(new Blob([data.script], { type: "application/sql" })), download: `sync-${data.target}.sql` });
    document.body.append(link);
    link.click();
    link.remove();
  }
}

function showApplied(result) {
  const applied = el("ol", {}, ...result.applied.map((step) => el("li", {}, step.what)));
  const title = result.ok
    ? `Applied ${result.applied.length} statements to ${result.target}`
    : result.cancelled
      ? `Stopped by you after ${result.applied.length} statements; ${result.not_run} not run`
      : "Stopped at an error";
  const parts = [el("h2", {}, title)];
  if (result.failed) {
    parts.push(
      el("p", { class: "error" }, `${result.failed.what}: ${result.failed.error}`),
      el("pre", { class: "sql" }, result.failed.sql),
      el("p", { class: "muted" }, `${result.applied.length} statements ran before it (kept: DDL cannot be rolled back); ${result.not_run} were not run.`),
    );
  }
  parts.push(applied);
  applyResult.replaceChildren(...parts);
  applyResult.hidden = false;
}

function guard(fn) {
  return async () => {
    showError(errorBox, null);
    try {
      await fn();
    } catch (error) {
      showError(errorBox, error);
    }
  };
}

form.addEventListener("submit", runCompare);
for (const prefix of ["source", "target"]) {
  form.elements[`${prefix}-connection`].addEventListener("change", guard(() => fillDatabases(prefix, null)));
}
document.getElementById("swap").addEventListener("click", guard(async () => {
  const source = side("source");
  const target = side("target");
  form.elements["source-connection"].value = target.connection;
  form.elements["target-connection"].value = source.connection;
  await fillDatabases("source", target.database);
  await fillDatabases("target", source.database);
}));
document.getElementById("select-all").addEventListener("click", () => tree.querySelectorAll("input.pick").forEach((box) => (box.checked = true)));
document.getElementById("select-none").addEventListener("click", () => tree.querySelectorAll("input.pick").forEach((box) => (box.checked = false)));
document.getElementById("show-script").addEventListener("click", guard(loadScript));
document.getElementById("save-script").addEventListener("click", guard(saveScript));
openEditor.addEventListener("click", async (event) => {
  event.preventDefault();
  try {
    await loadScript();
    window.location.href = openEditor.href;
  } catch (error) {
    showError(errorBox, error);
  }
});
// The confirmed run is a job: show which statement runs, offer Stop, then what was applied.
async function followJob(job) {
  const stop = el("button", { type: "button", class: "danger" }, "Stop after this statement");
  const status = el("p", { class: "muted", role: "status" });
  stop.addEventListener("click", () => api(`/api/jobs/${job.id}/cancel`).catch((error) => showError(errorBox, error)));
  applyResult.replaceChildren(el("h2", {}, "Applying…"), status, stop);
  applyResult.hidden = false;
  for (;;) {
    status.textContent = `${job.done} of ${job.total ?? "?"} statements done${job.result.current ? ` — now: ${job.result.current}` : ""}`;
    if (job.state !== "running") break;
    await new Promise((resolve) => setTimeout(resolve, 250));
    job = await getJson(`/api/jobs/${job.id}`);
  }
  if (job.state === "failed") throw new Error(job.error);
  return job.result;
}

document.getElementById("apply").addEventListener("click", guard(async () => {
  const started = await previewAndRun("/api/compare/apply", body());
  if (!started) return;
  showApplied(await followJob(started.job));
  await runCompare();
}));

// A .sql dump as the source: loaded into a scratch database eddy_dump_… (a job), then compared as
// any database; "Remove loaded dump" drops it (so does loading another).
const dumpStatus = document.getElementById("dump-status");
const dropDump = document.getElementById("drop-dump");
let loadedDump = null;

async function pickDumpFile() {
  const { native_dialogs: native } = await getJson("/api/transfer/capabilities");
  if (native) {
    const picked = await api("/api/transfer/dialog", { body: { mode: "open" } });
    return picked.cancelled ? null : picked;
  }
  const input = document.getElementById("dump-file");
  input.value = "";
  const file = await new Promise((resolve) => {
    input.addEventListener("change", () => resolve(input.files[0] || null), { once: true });
    input.click();
  });
  if (!file) return null;
  return uploadFile(file, (fraction) => (dumpStatus.textContent = `Uploading ${file.name}: ${Math.round(100 * fraction)}%`));
}

async function removeDump() {
  if (!loadedDump) return;
  const name = loadedDump;
  loadedDump = null;
  dropDump.hidden = true;
  dumpStatus.textContent = "";
  await api("/api/compare/dump/drop", { body: { database: name } });
  await fillDatabases("source", form.dataset.db);
}

document.getElementById("load-dump").addEventListener("click", guard(async () => {
  const picked = await pickDumpFile();
  if (!picked) return;
  await removeDump();
  form.elements["source-connection"].value = form.dataset.active;
  let job = await api("/api/compare/dump", { body: { file: picked.file } });
  while (job.state === "running") {
    dumpStatus.textContent = `Loading ${picked.name}: ${job.done.toLocaleString()} statements…`;
    await new Promise((resolve) => setTimeout(resolve, 300));
    job = await getJson(`/api/jobs/${job.id}`);
  }
  if (job.state !== "done") {
    dumpStatus.textContent = "";
    throw new Error(job.error || "Loading the dump failed");
  }
  loadedDump = job.result.database;
  await fillDatabases("source", loadedDump);
  dumpStatus.textContent = `${picked.name} is loaded as ${loadedDump} (${job.result.statements.toLocaleString()} statements).`;
  dropDump.hidden = false;
}));
dropDump.addEventListener("click", guard(removeDump));

guard(async () => {
  await fillDatabases("source", form.dataset.db);
  await fillDatabases("target", null);
})();
