// The side panel beside the grid (table page and SQL results): one cell's real value, read a page
// at a time (cell_values.js draws it), edited here only when the panel holds all of it.
import { api } from "./eddy.js";
import { hasNativeDialogs, renderPage } from "./cell_values.js";

export class CellPanel {
  // els: {panel, col, type, view, actions, save, setNull, close}
  // source: {
  //   column(ci) -> {name, type, json},
  //   page(row, ci, offset) -> Promise<page>        // {kind, size, offset, value, complete, local, isDefault}
  //   editable(row, ci) -> bool, readOnlyReason(ci) -> text,
  //   file(row, ci, page) -> {href, save: {url, body}} | null  // Download link / native Save for a value on the server
  //   setValue(row, ci, value), after(row, ci)        // after: e.g. foreign-key links
  // }
  constructor(els, source) {
    this.els = els;
    this.source = source;
    this.cell = null; // {row, ci, complete, kind, shown, value}
    els.close.addEventListener("click", () => this.close());
    els.setNull.addEventListener("click", () => {
      if (!this.cell || !this.cell.complete) return;
      this.source.setValue(this.cell.row, this.cell.ci, null);
      this.show(this.cell.row, this.cell.ci);
    });
    els.save.addEventListener("click", () => {
      // Only a value the panel holds whole can be edited: a page of it would overwrite the rest.
      const area = els.view.querySelector("#cell-text");
      if (!this.cell || !this.cell.complete || this.cell.kind === "binary" || !area) return;
      const text = area.value;
      // What the panel shows may be reformatted (JSON pretty-printed): unchanged, it stands for the value.
      this.source.setValue(this.cell.row, this.cell.ci, text === this.cell.shown ? this.cell.value : text);
      this.show(this.cell.row, this.cell.ci);
    });
  }

  get isOpen() {
    return !this.els.panel.hidden;
  }

  close() {
    this.els.panel.hidden = true;
    this.cell = null;
  }

  // In the app window a download link does nothing: the server asks where (native dialog) and
  // writes the file; in a browser, the link downloads it. The outcome is told beside the buttons.
  async saveToFile(file) {
    const status = this.els.view.querySelector(".cell-file");
    try {
      if (await hasNativeDialogs()) {
        const saved = await api(file.save.url, { body: file.save.body });
        if (saved.saved && status) status.append(` Saved ${saved.bytes.toLocaleString("en-US")} bytes to ${saved.path}`);
        return;
      }
      const link = document.createElement("a");
      link.href = file.href;
      link.setAttribute("download", "");
      link.click();
    } catch (error) {
      if (status) status.append(` Not saved: ${error.message}`);
    }
  }

  async show(row, ci, offset = 0) {
    if (!row) return;
    const { els, source } = this;
    this.cell = { row, ci, complete: false };
    const col = source.column(ci);
    els.panel.hidden = false;
    els.col.textContent = col.name;
    els.type.textContent = col.type;
    els.view.textContent = "Reading the value from the server…";
    els.actions.hidden = true;
    let page;
    try {
      page = await source.page(row, ci, offset);
    } catch (error) {
      els.view.textContent = error.message;
      return;
    }
    if (!this.cell || this.cell.row !== row || this.cell.ci !== ci) return; // another cell was opened meanwhile
    const editable = source.editable(row, ci);
    const file = page.kind !== "null" && !page.local ? source.file(row, ci, page) : null;
    const area = renderPage(els.view, page, {
      editable,
      readOnlyReason: editable ? "" : source.readOnlyReason(ci),
      json: col.json || /^\s*[[{]/.test(typeof page.value === "string" ? page.value.slice(0, 10) : ""),
      onPage: (next) => this.show(row, ci, next),
      downloadHref: file ? file.href : null,
      onSaveFile: file ? () => this.saveToFile(file) : null,
    });
    if (area && !editable) area.readOnly = true;
    if (page.isDefault) els.view.querySelector("#cell-size").textContent = "DEFAULT";
    Object.assign(this.cell, { complete: page.complete, kind: page.kind, shown: area ? area.value : null, value: page.value });
    els.actions.hidden = !editable || !page.complete;
    els.save.hidden = page.kind === "binary";
    if (source.after) source.after(row, ci);
  }
}
