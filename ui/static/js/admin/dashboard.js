// Server dashboard: polls /api/server/dashboard and draws small SVG sparklines.
import { flash, getJson, previewAndRun, showError } from "./common.js";

const NS = "http://www.w3.org/2000/svg";
const POINTS = 60;
const INTERVAL = 2000;
const series = { connections: [], qps: [], buffer: [] };
const errorBox = document.getElementById("dashboard-error");
let last = null;

function setValue(id, text) {
  document.querySelector(`#${id} .value`).textContent = text;
}

function spark(id, values, max) {
  const svg = document.querySelector(`#${id} svg.spark`);
  const top = Math.max(max ?? Math.max(...values, 1), 1e-9);
  const step = 120 / (POINTS - 1);
  const offset = POINTS - values.length;
  const points = values.map((v, i) => `${((offset + i) * step).toFixed(1)},${(29 - (v / top) * 27).toFixed(1)}`);
  const line = document.createElementNS(NS, "polyline");
  line.setAttribute("points", points.join(" "));
  line.setAttribute("fill", "none");
  line.setAttribute("stroke", "#0b6bcb");
  line.setAttribute("stroke-width", "1.5");
  svg.replaceChildren(line);
}

function push(list, value) {
  list.push(value);
  if (list.length > POINTS) list.shift();
}

function duration(seconds) {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return d ? `${d} d ${h} h` : h ? `${h} h ${m} min` : `${m} min ${seconds % 60} s`;
}

function size(bytes) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i += 1;
  }
  return i ? `${n.toFixed(1)} ${units[i]}` : `${n} B`;
}

async function poll() {
  try {
    const d = await getJson("/api/server/dashboard");
    showError(errorBox, null);
    setValue("stat-version", `${d.version}`);
    setValue("stat-uptime", duration(d.uptime));
    setValue("stat-connections", `${d.connections} / ${d.max_connections} (${d.running} running)`);
    push(series.connections, d.connections);
    spark("stat-connections", series.connections);
    if (last) {
      const qps = Math.max(0, (d.questions - last.questions) / Math.max(d.time - last.time, 0.001));
      push(series.qps, qps);
      setValue("stat-qps", qps.toFixed(1));
      spark("stat-qps", series.qps);
    } else {
      setValue("stat-qps", "…");
    }
    const used = d.buffer_pool_used_ratio * 100;
    push(series.buffer, used);
    setValue("stat-buffer", `${used.toFixed(1)} % of ${size(d.buffer_pool_size)} · hit ${(d.buffer_pool_hit_ratio * 100).toFixed(2)} %`);
    spark("stat-buffer", series.buffer, 100);
    setValue("stat-traffic", `${size(d.bytes_received)} / ${size(d.bytes_sent)}`);
    document.getElementById("dashboard").dataset.polls = String(Number(document.getElementById("dashboard").dataset.polls || 0) + 1);
    last = d;
  } catch (error) {
    showError(errorBox, error);
  }
}

document.getElementById("create-db").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const name = form.elements.name.value.trim();
  const result = await previewAndRun("/api/databases", { name, collation: form.elements.collation.value.trim() });
  if (result) {
    flash(`Created database ${name}.`);
    window.location.href = `/db/${encodeURIComponent(name)}`;
  }
});

poll();
setInterval(() => {
  if (!document.hidden) poll();
}, INTERVAL);
