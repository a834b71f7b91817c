// The connect screen's sandbox panel: offer a server found on this machine, start/stop/reset/
// delete the local sandbox, load the sample shop. State comes from /api/sandbox.
import { api } from "./eddy.js";

const panel = document.getElementById("sandbox-panel");
const $ = (id) => document.getElementById(id);
const buttons = Object.fromEntries([...panel.querySelectorAll("[data-action]")].map((b) => [b.dataset.action, b]));

const BUSY_TEXT = {
  sample: "Creating the sample shop database (125,000 rows)…",
  stop: "Stopping the sandbox server…",
  reset: "Erasing the sandbox and starting a fresh one…",
  delete: "Deleting the sandbox…",
};
const START_LABEL = {
  absent: "Start a local sandbox",
  stopped: "Start the sandbox",
  running: "Open the sandbox",
  crashed: "Restart the sandbox",
};
let current = null; // the last /api/sandbox answer

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
  current = data;
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
  // Offered (checked) until the shop exists; then starting opens it.
  show($("sandbox-with-sample"), usable && !sandbox.sample_loaded);
  buttons.sample.textContent = sandbox.sample_loaded ? "Re-create the sample shop" : "Load the sample shop";
  show($("sandbox-more"), exists);
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
  $("sandbox-busy").textContent = (action && BUSY_TEXT[action]) || "";
  show($("sandbox-busy"), Boolean(action && BUSY_TEXT[action]));
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

// The progress list: each step pending, then active, then done (or failed).
function steps(names) {
  const list = $("sandbox-steps");
  for (const li of list.children) {
    li.hidden = !names.includes(li.dataset.step);
    li.className = "";
  }
  show(list, names.length > 0);
  return (name, state) => {
    const li = list.querySelector(`[data-step="${name}"]`);
    if (li) li.className = state;
  };
}

// One click from nothing to the sample shop's orders: start, load (when asked and not yet there), open.
async function startSandbox() {
  const withSample = current?.sandbox.sample_loaded || $("sandbox-sample-option").checked;
  const needsSample = withSample && !current?.sandbox.sample_loaded;
  const mark = steps(withSample ? ["start", ...(needsSample ? ["sample"] : []), "open"] : ["start"]);
  showError("");
  setBusy("start");
  let step = "start";
  try {
    mark("start", "active");
    let result = await api("/api/sandbox/start");
    mark("start", "done");
    if (needsSample) {
      step = "sample";
      mark("sample", "active");
      result = await api("/api/sandbox/sample");
      mark("sample", "done");
    }
    if (withSample) mark("open", "active");
    window.location.assign(result.redirect);
  } catch (err) {
    mark(step, "failed");
    showError(err.message);
    setBusy(null);
    await refresh();
  }
}

async function act(action) {
  if (action === "start") return startSandbox();
  const button = buttons[action];
  if (!confirmed(button)) return;
  disarm(button);
  showError("");
  steps([]);
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
