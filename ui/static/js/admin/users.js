// Users: list, create, drop, change password; privileges as a checkbox matrix per level,
// with the GRANT/REVOKE statements previewed before they run.
import { askText, el, flash, getJson, previewAndRun, showError } from "./common.js";

const body = document.querySelector("#users tbody");
const errorBox = document.getElementById("users-error");
const panel = document.getElementById("grants-panel");
const grantsForm = document.getElementById("grants-form");
const matrix = document.getElementById("grants-matrix");
let current = null; // {user, host}
let grants = null;

async function loadUsers() {
  try {
    const { users } = await getJson("/api/server/users");
    showError(errorBox, null);
    body.replaceChildren(
      ...users.map((u) => {
        const account = { user: u.user, host: u.host };
        return el(
          "tr",
          { "data-account": u.account },
          el("td", {}, u.user || el("span", { class: "muted" }, "(anonymous)")),
          el("td", {}, u.host),
          el("td", { class: "muted" }, u.plugin || ""),
          el("td", {}, u.has_password === "yes" ? "set" : el("span", { class: "muted" }, "none")),
          el(
            "td",
            { class: "actions" },
            el("button", { type: "button", class: "privileges", onclick: () => openGrants(account) }, "Privileges"),
            el("button", { type: "button", class: "password", onclick: () => changePassword(account) }, "Password…"),
            el("button", { type: "button", class: "danger drop-user", onclick: () => dropUser(account) }, "Drop…"),
          ),
        );
      }),
    );
  } catch (error) {
    showError(errorBox, error);
  }
}

async function dropUser(account) {
  if (await previewAndRun("/api/server/users/drop", account)) {
    flash(`Dropped ${account.user}@${account.host}.`);
    if (current && current.user === account.user && current.host === account.host) panel.hidden = true;
    loadUsers();
  }
}

async function changePassword(account) {
  const password = await askText(`Password of ${account.user}@${account.host}`, "New password");
  if (!password) return;
  if (await previewAndRun("/api/server/users/password", { ...account, password })) flash("Password changed.");
}

function level() {
  return grantsForm.elements.level.value;
}

function held() {
  const lv = level();
  if (lv === "global") return new Set(grants.global);
  const db = grantsForm.elements.database.value.trim();
  if (lv === "database") return new Set(grants.databases[db] || []);
  return new Set(grants.tables[`${db}.${grantsForm.elements.table.value.trim()}`] || []);
}

function renderMatrix() {
  const have = held();
  const privileges = grants.privileges[level()];
  matrix.replaceChildren(
    ...privileges.map((p) =>
      el("label", { class: "check" }, el("input", { type: "checkbox", name: "privilege", value: p, checked: have.has(p) || have.has("ALL PRIVILEGES") }), p),
    ),
  );
  grantsForm.elements.database.disabled = level() === "global";
  grantsForm.elements.table.disabled = level() !== "table";
}

async function openGrants(account) {
  current = account;
  try {
    grants = await getJson(`/api/server/users/grants?user=${encodeURIComponent(account.user)}&host=${encodeURIComponent(account.host)}`);
  } catch (error) {
    showError(errorBox, error);
    return;
  }
  document.getElementById("grants-account").textContent = `${account.user}@${account.host}`;
  document.getElementById("grants-text").textContent = grants.grants.join(";\n") + ";";
  panel.hidden = false;
  renderMatrix();
  panel.scrollIntoView({ block: "nearest" });
}

grantsForm.elements.level.addEventListener("change", renderMatrix);
document.getElementById("grants-load").addEventListener("click", renderMatrix);
grantsForm.addEventListener("submit", (event) => event.preventDefault());

document.getElementById("grants-preview").addEventListener("click", async () => {
  const privileges = [...matrix.querySelectorAll("input[name=privilege]:checked")].map((c) => c.value);
  const result = await previewAndRun("/api/server/users/grants", {
    ...current,
    level: level(),
    database: grantsForm.elements.database.value.trim() || null,
    table: grantsForm.elements.table.value.trim() || null,
    privileges,
  });
  if (result) {
    flash("Privileges changed.");
    openGrants(current);
  }
});

document.getElementById("create-user").addEventListener("submit", async (event) => {
  event.preventDefault();
  const f = event.target.elements;
  const account = { user: f.user.value.trim(), host: f.host.value.trim() || "%" };
  if (await previewAndRun("/api/server/users", { ...account, password: f.password.value })) {
    flash(`Created ${account.user}@${account.host}.`);
    event.target.reset();
    loadUsers();
  }
});

loadUsers();
