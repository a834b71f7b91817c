// Variables (global/session, default, changed highlighted, settable) and status, searchable.
import { el, flash, getJson, previewAndRun } from "./common.js";

const head = document.querySelector("#variables thead");
const body = document.querySelector("#variables tbody");
const search = document.getElementById("var-search");
const onlyChanged = document.getElementById("only-changed");
const info = document.getElementById("var-info");
let which = "variables";
let rows = [];

async function load() {
  const data = await getJson(which === "variables" ? "/api/server/variables" : "/api/server/status");
  rows = which === "variables" ? data.variables : data.status;
  render();
}

function setForm(v) {
  const value = el("input", { value: v.global_value ?? v.session_value ?? "", name: "value" });
  const scope = el(
    "select",
    { name: "scope" },
    v.scope !== "SESSION" ? el("option", { value: "global" }, "GLOBAL") : null,
    v.scope !== "GLOBAL" ? el("option", { value: "session" }, "SESSION") : null,
  );
  const hint = el("span", { class: "hint" });
  const explain = () => (hint.textContent = scope.value === "session" ? "SESSION applies to one of Eddy's pooled connections only." : "");
  scope.addEventListener("change", explain);
  explain();
  const form = el("form", { class: "inline-form set-form" }, value, scope, el("button", { type: "submit" }, "Preview SET…"), hint);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (await previewAndRun(`/api/server/variables/${v.name}`, { value: value.value, scope: scope.value })) {
      flash(`Set ${v.name}.`);
      load();
    }
  });
  return form;
}

function render() {
  const term = search.value.trim().toLowerCase();
  const match = (r) => !term || r.name.toLowerCase().includes(term) || String(r.value ?? r.global_value ?? "").toLowerCase().includes(term);
  if (which === "variables") {
    head.replaceChildren(el("tr", {}, ["Name", "Global", "Session", "Default", "Origin", ""].map((h) => el("th", {}, h))));
    const shown = rows.filter((r) => match(r) && (!onlyChanged.checked || r.changed));
    body.replaceChildren(
      ...shown.map((v) => {
        const cell = el("td", { class: "actions" });
        if (!v.read_only) {
          const button = el("button", { type: "button", class: "set-variable" }, "Set…");
          button.addEventListener("click", () => cell.replaceChildren(setForm(v)));
          cell.append(button);
        }
        return el(
          "tr",
          { class: v.changed ? "changed" : "", "data-name": v.name, title: v.comment || "" },
          el("td", {}, el("code", {}, v.name)),
          el("td", { class: "value" }, v.global_value ?? ""),
          el("td", { class: "value" }, v.session_value ?? ""),
          el("td", { class: "value muted" }, v.default_value ?? ""),
          el("td", { class: "muted" }, v.origin ?? ""),
          cell,
        );
      }),
    );
    info.textContent = `${shown.length} of ${rows.length} · ${rows.filter((r) => r.changed).length} changed from default`;
  } else {
    head.replaceChildren(el("tr", {}, el("th", {}, "Name"), el("th", {}, "Value")));
    const shown = rows.filter(match);
    body.replaceChildren(...shown.map((s) => el("tr", { "data-name": s.name }, el("td", {}, el("code", {}, s.name)), el("td", { class: "value" }, s.value ?? ""))));
    info.textContent = `${shown.length} of ${rows.length}`;
  }
}

search.addEventListener("input", render);
onlyChanged.addEventListener("change", render);
for (const radio of document.querySelectorAll("input[name=which]")) {
  radio.addEventListener("change", () => {
    which = radio.value;
    onlyChanged.disabled = which !== "variables";
    load();
  });
}
load().catch((error) => body.replaceChildren(el("tr", {}, el("td", { class: "error" }, error.message))));
