// Process list: refreshes every 2 s (pausable); Kill query / Kill connection with confirmation.
import { el, flash, getJson, previewAndRun, showError } from "./common.js";

const body = document.querySelector("#processes tbody");
const auto = document.getElementById("auto-refresh");
const hideSleep = document.getElementById("hide-sleep");
const info = document.getElementById("process-info");
const errorBox = document.getElementById("process-error");
let busy = false; // no refresh while a kill dialog is open

async function kill(id, what) {
  busy = true;
  try {
    const result = await previewAndRun(`/api/server/processes/${id}/kill`, { what });
    if (result) flash(`Killed ${what} of process ${id}.`);
  } finally {
    busy = false;
    refresh();
  }
}

async function refresh() {
  try {
    const { processes } = await getJson("/api/server/processes");
    showError(errorBox, null);
    const shown = processes.filter((p) => !(hideSleep.checked && p.command === "Sleep"));
    body.replaceChildren(
      ...shown.map((p) =>
        el(
          "tr",
          { "data-id": p.id, class: p.own ? "own" : "" },
          el("td", { class: "num" }, String(p.id)),
          el("td", {}, p.user || ""),
          el("td", {}, p.host || ""),
          el("td", {}, p.db || ""),
          el("td", {}, p.command || ""),
          el("td", { class: "num" }, String(p.time ?? "")),
          el("td", {}, p.state || ""),
          el("td", { class: "query" }, el("code", {}, p.info || "")),
          el(
            "td",
            { class: "actions" },
            p.own
              ? el("span", { class: "muted" }, "this page")
              : [
                  el("button", { type: "button", class: "kill-query", onclick: () => kill(p.id, "query") }, "Kill query"),
                  el("button", { type: "button", class: "danger kill-connection", onclick: () => kill(p.id, "connection") }, "Kill connection"),
                ],
          ),
        ),
      ),
    );
    info.textContent = `${processes.length} processes · updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    showError(errorBox, error);
  }
}

document.getElementById("refresh").addEventListener("click", refresh);
hideSleep.addEventListener("change", refresh);
setInterval(() => {
  if (auto.checked && !busy && !document.hidden) refresh();
}, 2000);
refresh();
