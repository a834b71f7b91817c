// Saved connections: "Test connection" on the edit form, host-key trust, delete confirmation.
import { api, xsrfToken } from "./eddy.js";

const form = document.getElementById("profile-form");
const result = document.getElementById("test-result");
const trustButton = document.getElementById("trust-host-key");
let pendingToken = null;

function formValues() {
  const values = {};
  for (const [name, value] of new FormData(form).entries()) {
    if (name !== "_xsrf") values[name] = value;
  }
  values.id = form.dataset.profileId || "";
  return values;
}

function show(text, ok) {
  result.hidden = false;
  result.textContent = text;
  result.className = `test-result ${ok ? "ok" : "failed"}`;
}

async function testConnection() {
  show("Testing…", true);
  trustButton.hidden = true;
  try {
    const response = await fetch("/api/connections/test", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-XSRFToken": xsrfToken() },
      body: JSON.stringify(formValues()),
    });
    const r = await response.json();
    if (!response.ok) {
      const error = new Error(r.error || `${response.status}`);
      error.hostKey = r.host_key || null;
      throw error;
    }
    const how = r.cipher ? `encrypted (${r.cipher})` : "not encrypted";
    const note = r.read_only_note ? ` ${r.read_only_note}` : "";
    show(`Connected: server ${r.server_version}${r.server ? ` (${r.server})` : ""}, latency ${r.latency_ms} ms, ${how}${r.tunnel ? ", through SSH" : ""}.${note}`, true);
  } catch (error) {
    show(error.message, false);
    pendingToken = error.hostKey ? error.hostKey.token : null;
    trustButton.hidden = !pendingToken;
  }
}

async function trustHostKey() {
  try {
    await api("/api/connections/trust", { body: { token: pendingToken } });
    await testConnection();
  } catch (error) {
    show(error.message, false);
  }
}

if (form) {
  document.getElementById("test-connection").addEventListener("click", testConnection);
  trustButton.addEventListener("click", trustHostKey);
}

for (const confirmForm of document.querySelectorAll("form.confirm")) {
  confirmForm.addEventListener("submit", (event) => {
    if (!window.confirm(confirmForm.dataset.confirm)) event.preventDefault();
  });
}

// Browse… beside a path field (only in the window, where a native Open dialog exists).
for (const button of document.querySelectorAll("[data-browse]")) {
  button.addEventListener("click", async () => {
    const input = form.elements[button.dataset.browse];
    button.disabled = true;
    try {
      const answer = await api("/api/connections/pick-file", { body: { field: button.dataset.browse } });
      if (answer.path) {
        input.value = answer.path;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    } catch (err) {
      show(err.message, false);
    } finally {
      button.disabled = false;
    }
  });
}
