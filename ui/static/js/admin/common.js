// Shared helpers of the structure/admin pages: element builder, JSON GET, copy, and the
// preview-then-run dialog every change goes through.
import { api } from "../eddy.js";
import { copyText as toClipboard } from "../clipboard.js";

export { getJson } from "../eddy.js";

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "value") node.value = value;
    else if (key === "checked") node.checked = Boolean(value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const seg = (name) => encodeURIComponent(name);

export async function copyText(text, button) {
  await toClipboard(text);
  if (button) {
    const old = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => (button.textContent = old), 1200);
  }
}

export function copyButton(getText) {
  const button = el("button", { type: "button", class: "copy" }, "Copy");
  button.addEventListener("click", () => copyText(getText(), button));
  return button;
}

export function showError(node, error) {
  node.textContent = error ? error.message || String(error) : "";
  node.hidden = !error;
}

// Preview then run: POST body with dry_run, show the exact SQL and what it changes, and run it
// only when the user confirms (destructive changes: by typing the object's name).
// Resolves with the run's result, or null when cancelled.
export async function previewAndRun(url, body) {
  let preview;
  try {
    preview = await api(url, { body: { ...body, dry_run: true } });
  } catch (error) {
    return showPlanDialog({ error });
  }
  return showPlanDialog({ url, body, preview });
}

function showPlanDialog({ url, body, preview, error }) {
  return new Promise((resolve) => {
    const errorBox = el("p", { class: "error plan-error", role: "alert", hidden: true });
    const dialog = el("dialog", { id: "plan-dialog", class: "plan-dialog" });
    const close = (result) => {
      dialog.close();
      dialog.remove();
      resolve(result);
    };
    if (error) {
      showError(errorBox, error);
      dialog.append(
        el("h2", {}, "Cannot prepare this change"),
        errorBox,
        el("div", { class: "actions" }, el("button", { type: "button", class: "plan-cancel", onclick: () => close(null) }, "Close")),
      );
    } else {
      const sqlText = preview.sql.join(";\n\n") + ";";
      const runButton = el("button", { type: "button", class: preview.destructive ? "danger plan-run" : "primary plan-run" }, `Run on “${preview.confirm}”`);
      const parts = [
        el("h2", {}, preview.summary),
        el("p", { class: "muted" }, "This SQL will run exactly as shown:"),
        el("pre", { class: "sql plan-sql" }, sqlText),
      ];
      let typed = null;
      if (preview.destructive) {
        typed = el("input", { class: "plan-confirm", autocomplete: "off", spellcheck: "false" });
        runButton.disabled = true;
        typed.addEventListener("input", () => (runButton.disabled = typed.value !== preview.confirm));
        typed.addEventListener("keydown", (event) => {
          if (event.key === "Enter" && !runButton.disabled) runButton.click();
        });
        parts.push(el("label", {}, `This cannot be undone. Type “${preview.confirm}” to confirm:`, typed));
      }
      runButton.addEventListener("click", async () => {
        runButton.disabled = true;
        showError(errorBox, null);
        try {
          const result = await api(url, { body: { ...body, confirm: preview.confirm } });
          close(result);
        } catch (err) {
          showError(errorBox, err);
          runButton.disabled = false;
        }
      });
      parts.push(
        errorBox,
        el(
          "div",
          { class: "actions" },
          copyButton(() => sqlText),
          el("button", { type: "button", class: "plan-cancel", onclick: () => close(null) }, "Cancel"),
          runButton,
        ),
      );
      dialog.append(...parts);
      setTimeout(() => (typed || runButton).focus(), 0);
    }
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      close(null);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

// Ask for a short text (a new name) in a small dialog; resolves with the text or null.
export function askText(title, label, initial = "") {
  return new Promise((resolve) => {
    const input = el("input", { value: initial, class: "ask-input" });
    const dialog = el("dialog", { class: "plan-dialog ask-dialog" });
    const done = (value) => {
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    const form = el(
      "form",
      { method: "dialog" },
      el("h2", {}, title),
      el("label", {}, label, input),
      el(
        "div",
        { class: "actions" },
        el("button", { type: "button", onclick: () => done(null) }, "Cancel"),
        el("button", { type: "submit", class: "primary" }, "Next"),
      ),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      done(input.value.trim() || null);
    });
    dialog.append(form);
    document.body.append(dialog);
    dialog.showModal();
    input.select();
  });
}

export function flash(message) {
  const note = el("div", { class: "flash", role: "status" }, message);
  document.body.append(note);
  setTimeout(() => note.remove(), 3000);
}
