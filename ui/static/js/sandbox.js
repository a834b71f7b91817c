// The connect screen's sandbox panel: offer a server found on this machine, start/stop/reset/
// delete the local sandbox, load the sample shop. State comes from /api/sandbox.
import { api } from "./eddy.js";

const panel = document.getElementById("sandbox-panel");
const $ = (id) => document.getElementById(id);
const buttons = Object.fromEntries([...panel.querySelectorAll("[data-action]")].map((b) => [b.dataset.action, b]));

const BUSY_TEXT = {
  start: "Starting the sandbox server… (the first start creates it: a few seconds)",
  sample: "Creating the sample shop database (125,000 rows)…",
  stop: "Stopping the sandbox server…",
  reset: "Erasing the sandbox and starting a fresh one…",
  delete: "Deleting the sandbox…",
};
const START_LABEL = {
  absent: "Start a local sandbox",
  stopped: "Start the sandbox",
  running: "Connect to the sandbox",
  crashed: "Restart the sandbox",
};

function show(el, visible) {
  el.hidden = !visible;
}

function renderDetected(detected) {
  const box = $("detected-servers");
  box.replaceChildren();
  for (const server of detected) {
    const line = document.createElement("p");
    const where = server.unix_socket ? `socket ${server.unix_socket}` : `${server.host}:${server.port}`;
    line.append("Found a server on this machine: ");
    const strong = document.createElement("strong");
    strong.textContent = `${server.version} at ${where}`;
    line.append(strong);
    if (server.port) {
      const use = document.createElement("button");
      use.type = "button";
      use.textContent = "Use it";
      use.addEventListener("click", () => fillConnectForm(server));
      line.append(use);
    }
    box.append(line);
  }
  show(box, detected.length > 0);
}

function fillConnectForm(server) {
  const form = document.getElementById("connect-form");
  if (!form) return;
  const set = (name, value) => {
    const input = form.querySelector(`[name="${name}"]`);
    if (input) input.value = value;
  };
  set("host", server.host);
  set("port", String(server.port));
  const password = form.querySelector('[name="password"]');
  if (password) password.focus();
}

function render(data) {
  const sandbox = data.sandbox;
  panel.dataset.state = sandbox.state;
  panel.classList.toggle("prominent", !data.has_saved_connection);
  renderDetected(data.detected || []);
  $("sandbox-state").textContent = `Local sandbox: ${sandbox.label}`;
  $("sandbox-detail").textContent = sandbox.state === "running" ? ` on 127.0.0.1:${sandbox.port}` : "";
  const hint = $("sandbox-hint");
  hint.textContent = sandbox.hint || "";
  show(hint, Boolean(sandbox.hint));
  const usable = sandbox.state !== "unavailable";
  const exists = ["stopped", "running", "crashed"].includes(sandbox.state);
  buttons.start.textContent = START_LABEL[sandbox.state] || START_LABEL.absent;
  show(buttons.start, usable);
  show(buttons.sample, usable);
  buttons.sample.textContent = sandbox.sample_loaded ? "Open sample data (re-create)" : "Load sample data";
  show(buttons.stop, sandbox.state === "running");
  show($("sandbox-server-path"), sandbox.state === "unavailable");
  show(buttons.reset, exists);
  show(buttons.delete, exists);
}

async function refresh() {
  try {
    render(await api("/api/sandbox", { method: "GET" }));
  } catch (err) {
    showError(err.message);
  }
}

function showError(message) {
  const box = $("sandbox-error");
  box.textContent = message;
  show(box, Boolean(message));
}

function setBusy(action) {
  for (const b of Object.values(buttons)) b.disabled = Boolean(action);
  panel.setAttribute("aria-busy", action ? "true" : "false");
  $("sandbox-busy").textContent = action ? BUSY_TEXT[action] : "";
  show($("sandbox-busy"), Boolean(action));
}

// Reset and delete destroy data: the first click arms the button, the second one acts.
function confirmed(button) {
  if (!button.dataset.confirm || button.classList.contains("confirming")) return true;
  button.dataset.label = button.textContent;
  button.textContent = button.dataset.confirm;
  button.classList.add("confirming");
  setTimeout(() => disarm(button), 6000);
  return false;
}

function disarm(button) {
  if (!button.classList.contains("confirming")) return;
  button.classList.remove("confirming");
  button.textContent = button.dataset.label;
}

async function act(action) {
  const button = buttons[action];
  if (!confirmed(button)) return;
  disarm(button);
  showError("");
  setBusy(action);
  try {
    const result = await api(`/api/sandbox/${action}`);
    if (result.redirect) {
      window.location.assign(result.redirect);
      return;
    }
    await refresh();
  } catch (err) {
    showError(err.message);
    await refresh();
  } finally {
    setBusy(null);
  }
}

$("sandbox-server-path").addEventListener("submit", async (event) => {
  event.preventDefault();
  showError("");
  const path = event.target.elements.server_path.value.trim();
  try {
    const data = await api("/api/sandbox/server-path", { body: { server_path: path } });
    await refresh();
    return data;
  } catch (err) {
    showError(err.message);
  }
});

for (const [action, button] of Object.entries(buttons)) {
  button.addEventListener("click", () => act(action));
}
refresh();
