// One cell's real value, shown a page at a time as the server sends it ({kind, size, offset, value,
// complete}), for both grids (the table's side panel, the SQL editor's value dialog). The grids'
// cells hold previews cut for display ({text, length, truncated} / {binary, size, truncated}):
// those are only drawn, never edited, copied or saved; this module reads the real value instead.

export const COPY_LIMIT = 64 * 1024 * 1024; // characters Copy puts on the clipboard at most (hex: 2 per byte)
export const EDIT_LIMIT = 1_000_000; // characters the side panel edits (the server's first page)
const PAGE_BYTES = 256 * 1024; // bytes of binary per page (the server's default)

export function isCut(value) {
  return value !== null && typeof value === "object" && value.truncated === true;
}

// What Copy needs for a cut cell: its size as clipboard characters.
export function copySize(value) {
  return "binary" in value ? value.size * 2 + 2 : value.length;
}

export function sizeText(page) {
  if (page.kind === "null") return "NULL";
  const n = Number(page.size).toLocaleString("en-US");
  const unit = page.kind === "binary" ? "byte" : "character";
  return `${n} ${unit}${page.size === 1 ? "" : "s"}`;
}

function el(tag, props = {}) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  return node;
}

function hexToBytes(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
  return bytes;
}

function imageType(bytes) {
  const sig = [...bytes.slice(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join("");
  if (sig.startsWith("89504e47")) return "image/png";
  if (sig.startsWith("ffd8ff")) return "image/jpeg";
  if (sig.startsWith("47494638")) return "image/gif";
  return null;
}

function hexDump(hex) {
  return hex.replace(/(.{2})/g, "$1 ").replace(/((?:.. ){16})/g, "$1\n");
}

// Fill `view` with a page of a value.
// opts: {editable, readOnlyReason, json, onPage(offset), downloadHref, onSaveFile()}
// Returns the textarea when the value is shown as editable-looking text (null otherwise).
export function renderPage(view, page, opts = {}) {
  view.textContent = "";
  const size = el("p", { id: "cell-size", className: "cell-size muted", textContent: sizeText(page) });
  view.append(size);
  if (page.kind === "null") {
    const badge = el("span", { className: "null-badge", textContent: "NULL" });
    view.append(badge);
    return null;
  }
  const editable = Boolean(opts.editable) && page.complete;
  let reason = opts.readOnlyReason || "";
  if (opts.editable && !page.complete) {
    const limit =
      page.kind === "binary"
        ? `the panel shows ${PAGE_BYTES.toLocaleString("en-US")} bytes at a time`
        : `the panel edits values up to ${EDIT_LIMIT.toLocaleString("en-US")} characters`;
    reason = `Read-only: this value is too large to edit here (${sizeText(page)}; ${limit}). Save it to a file to get all of it.`;
  }
  if (reason && !editable) view.append(el("p", { id: "cell-readonly", className: "cell-readonly muted", textContent: reason }));
  if (opts.downloadHref || opts.onSaveFile) view.append(fileActions(opts));
  if (!page.complete) view.append(pager(page, opts.onPage));
  let area = null;
  if (page.kind === "binary") {
    const bytes = page.complete ? hexToBytes(page.value.binary) : null;
    const type = bytes && imageType(bytes);
    if (type) {
      const img = el("img", { className: "cell-image", alt: "image preview" });
      img.src = URL.createObjectURL(new Blob([bytes], { type }));
      view.append(img);
    }
    view.append(el("pre", { className: "cell-hex", textContent: hexDump(page.value.binary) }));
  } else {
    let shown = typeof page.value === "object" && page.value !== null ? "0x" + page.value.binary : String(page.value);
    if (page.complete && opts.json) {
      try {
        shown = JSON.stringify(JSON.parse(shown), null, 2);
      } catch {
        /* not JSON: show as is */
      }
    }
    area = el("textarea", { id: "cell-text", rows: 12, spellcheck: false });
    area.value = shown;
    area.readOnly = !editable;
    view.append(area);
  }
  return area;
}

function pager(page, onPage) {
  const box = el("div", { className: "cell-pager" });
  const shown = page.kind === "binary" ? page.value.size : page.value.length;
  const unit = page.kind === "binary" ? "bytes" : "characters";
  const first = page.offset + 1;
  const last = page.offset + shown;
  const range = el("span", {
    id: "cell-range",
    textContent: `${unit} ${first.toLocaleString("en-US")}–${last.toLocaleString("en-US")} of ${Number(page.size).toLocaleString("en-US")}`,
  });
  const prev = el("button", { id: "cell-prev", type: "button", textContent: "‹ Previous" });
  const next = el("button", { id: "cell-next", type: "button", textContent: "Next ›" });
  prev.disabled = page.offset === 0;
  next.disabled = last >= page.size;
  prev.addEventListener("click", () => onPage && onPage(Math.max(0, page.offset - shown)));
  next.addEventListener("click", () => onPage && onPage(last));
  box.append(prev, range, next);
  return box;
}

function fileActions(opts) {
  const box = el("div", { className: "cell-file" });
  if (opts.onSaveFile) {
    const save = el("button", { id: "cell-save-file", type: "button", textContent: "Save to file…" });
    save.addEventListener("click", () => opts.onSaveFile());
    box.append(save);
  }
  if (opts.downloadHref) {
    const link = el("a", { id: "cell-download", href: opts.downloadHref, textContent: "Download" });
    link.setAttribute("download", "");
    box.append(link);
  }
  return box;
}

let nativeDialogs = null;

// True in the pywebview window (downloads do nothing there: save through the native dialog).
export async function hasNativeDialogs() {
  if (nativeDialogs === null) {
    const caps = await fetch("/api/transfer/capabilities", { credentials: "same-origin" }).then((r) => r.json());
    nativeDialogs = Boolean(caps.native_dialogs);
  }
  return nativeDialogs;
}
