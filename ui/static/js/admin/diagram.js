// Entity–relationship diagram: boxes laid out by the server (core/services/erd.py), drawn as
// plain SVG here; drag pans, the wheel zooms, and it exports as SVG or PNG.
import { getJson, seg } from "./common.js";

const NS = "http://www.w3.org/2000/svg";
const root = document.getElementById("diagram");
const db = root.dataset.db;
const info = document.getElementById("diagram-info");
let svg = null;
let view = { x: 0, y: 0, w: 100, h: 100 };
let full = { w: 100, h: 100 };

function s(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function setView() {
  svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`);
}

function fit() {
  const box = root.getBoundingClientRect();
  const aspect = box.width / Math.max(box.height, 1);
  let w = full.w;
  let h = full.h;
  if (w / h < aspect) w = h * aspect;
  else h = w / aspect;
  view = { x: (full.w - w) / 2, y: (full.h - h) / 2, w, h };
  setView();
}

function zoom(factor, cx = view.x + view.w / 2, cy = view.y + view.h / 2) {
  const w = Math.min(Math.max(view.w * factor, 50), full.w * 20);
  const h = (view.h * w) / view.w;
  view = { x: cx - ((cx - view.x) * w) / view.w, y: cy - ((cy - view.y) * h) / view.h, w, h };
  setView();
}

function columnY(table, name, d) {
  const i = table.columns.findIndex((c) => c.name === name);
  const row = i < 0 || i >= d.max_rows ? 0 : i;
  return table.y + d.header_height + row * d.row_height + d.row_height / 2 + 4;
}

function draw(d) {
  full = { w: d.width, h: d.height };
  svg = s("svg", { xmlns: NS, id: "erd", class: "erd", "font-family": "DejaVu Sans Mono, monospace", "font-size": "12" });
  const defs = s("defs");
  const marker = s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "10", refY: "5", markerWidth: "8", markerHeight: "8", orient: "auto-start-reverse" });
  marker.append(s("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#0b6bcb" }));
  defs.append(marker);
  svg.append(defs, s("rect", { x: -5000, y: -5000, width: d.width + 10000, height: d.height + 10000, fill: "#ffffff" }));
  const byName = Object.fromEntries(d.tables.map((t) => [t.name, t]));
  const edges = s("g", { class: "erd-edges" });
  for (const e of d.edges) {
    const from = byName[e.from];
    const to = byName[e.to];
    if (!from || !to) continue;
    const y1 = columnY(from, e.from_columns[0], d);
    const y2 = columnY(to, e.to_columns[0], d);
    let x1;
    let x2;
    let path;
    if (from === to) {
      x1 = from.x + from.width;
      path = `M ${x1} ${y1} C ${x1 + 40} ${y1}, ${x1 + 40} ${y2}, ${x1} ${y2}`;
    } else {
      const rightward = to.x > from.x + from.width / 2;
      x1 = rightward ? from.x + from.width : from.x;
      x2 = rightward ? to.x : to.x + to.width;
      if (Math.abs(to.x - from.x) < 1) {
        x1 = from.x + from.width;
        x2 = to.x + to.width;
        path = `M ${x1} ${y1} C ${x1 + 50} ${y1}, ${x2 + 50} ${y2}, ${x2} ${y2}`;
      } else {
        const bend = Math.max(40, Math.abs(x2 - x1) / 2);
        const c1 = rightward ? x1 + bend : x1 - bend;
        const c2 = rightward ? x2 - bend : x2 + bend;
        path = `M ${x1} ${y1} C ${c1} ${y1}, ${c2} ${y2}, ${x2} ${y2}`;
      }
    }
    const line = s("path", { d: path, fill: "none", stroke: "#0b6bcb", "stroke-width": "1.4", "marker-end": "url(#arrow)", class: "erd-edge" });
    line.append(s("title", {}, `${e.name}: ${e.from}(${e.from_columns.join(", ")}) → ${e.to}(${e.to_columns.join(", ")})`));
    edges.append(line);
  }
  const boxes = s("g", { class: "erd-tables" });
  for (const t of d.tables) {
    const g = s("g", { class: "erd-table", "data-name": t.name, transform: `translate(${t.x} ${t.y})` });
    g.append(
      s("rect", { width: t.width, height: t.height, rx: "6", fill: "#ffffff", stroke: "#94a3b8", "stroke-width": "1.2" }),
      s("rect", { width: t.width, height: d.header_height, rx: "6", fill: t.kind === "view" ? "#7c3aed" : "#1f2937" }),
      s("text", { x: 10, y: 17, fill: "#ffffff", "font-weight": "bold" }, t.name + (t.kind === "view" ? " (view)" : "")),
    );
    t.columns.slice(0, d.max_rows).forEach((c, i) => {
      const y = d.header_height + i * d.row_height + 14;
      const mark = c.pk ? "🔑" : c.fk ? "→" : "";
      g.append(s("text", { x: 10, y, fill: c.pk ? "#92400e" : "#1d2330", "font-weight": c.pk ? "bold" : "normal" }, `${c.name}${mark ? " " + mark : ""}`));
      g.append(s("text", { x: t.width - 10, y, fill: "#6b7280", "text-anchor": "end" }, c.type));
    });
    if (t.columns.length > d.max_rows) {
      g.append(s("text", { x: 10, y: d.header_height + d.max_rows * d.row_height + 14, fill: "#6b7280" }, `… ${t.columns.length - d.max_rows} more`));
    }
    g.addEventListener("dblclick", () => (window.location.href = `/db/${seg(db)}/table/${seg(t.name)}/structure`));
    boxes.append(g);
  }
  svg.append(edges, boxes);
  root.replaceChildren(svg);
  info.textContent = `${d.tables.length} tables · ${d.edges.length} foreign keys`;
  fit();
}

function svgPoint(event) {
  const box = svg.getBoundingClientRect();
  return { x: view.x + ((event.clientX - box.left) / box.width) * view.w, y: view.y + ((event.clientY - box.top) / box.height) * view.h };
}

let drag = null;
root.addEventListener("pointerdown", (event) => {
  if (!svg) return;
  drag = { x: event.clientX, y: event.clientY, view: { ...view } };
  root.setPointerCapture(event.pointerId);
  root.classList.add("dragging");
});
root.addEventListener("pointermove", (event) => {
  if (!drag) return;
  const box = svg.getBoundingClientRect();
  view.x = drag.view.x - ((event.clientX - drag.x) / box.width) * view.w;
  view.y = drag.view.y - ((event.clientY - drag.y) / box.height) * view.h;
  setView();
});
const endDrag = () => {
  drag = null;
  root.classList.remove("dragging");
};
root.addEventListener("pointerup", endDrag);
root.addEventListener("pointercancel", endDrag);
root.addEventListener(
  "wheel",
  (event) => {
    if (!svg) return;
    event.preventDefault();
    const p = svgPoint(event);
    zoom(event.deltaY > 0 ? 1.15 : 1 / 1.15, p.x, p.y);
  },
  { passive: false },
);
document.getElementById("zoom-in").addEventListener("click", () => zoom(1 / 1.25));
document.getElementById("zoom-out").addEventListener("click", () => zoom(1.25));
document.getElementById("zoom-fit").addEventListener("click", fit);

function exportSvgText() {
  const copy = svg.cloneNode(true);
  copy.setAttribute("viewBox", `0 0 ${full.w} ${full.h}`);
  copy.setAttribute("width", full.w);
  copy.setAttribute("height", full.h);
  copy.removeAttribute("class");
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(copy);
}

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

document.getElementById("export-svg").addEventListener("click", () => {
  download(new Blob([exportSvgText()], { type: "image/svg+xml" }), `${db}-diagram.svg`);
});

document.getElementById("export-png").addEventListener("click", () => {
  const image = new Image();
  const url = URL.createObjectURL(new Blob([exportSvgText()], { type: "image/svg+xml" }));
  image.onload = () => {
    const scale = 2;
    const canvas = document.createElement("canvas");
    canvas.width = full.w * scale;
    canvas.height = full.h * scale;
    const ctx = canvas.getContext("2d");
    ctx.scale(scale, scale);
    ctx.drawImage(image, 0, 0);
    URL.revokeObjectURL(url);
    canvas.toBlob((blob) => download(blob, `${db}-diagram.png`), "image/png");
  };
  image.src = url;
});

window.addEventListener("resize", () => svg && fit());

getJson(`/api/db/${seg(db)}/diagram`)
  .then(draw)
  .catch((error) => {
    root.textContent = error.message;
    root.classList.add("error");
  });
