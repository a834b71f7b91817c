// The one way Eddy puts text on the clipboard: the async API, or where a webview or plain http
// refuses it, a selected off-screen textarea and execCommand("copy"). Resolves to whether it worked.
export async function copyText(text) {
  window.eddyLastCopy = text; // for tests and the console
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const focused = document.activeElement;
    const area = document.createElement("textarea");
    area.value = text;
    area.className = "copy-buffer";
    area.style.position = "fixed";
    area.style.left = "-9999px";
    document.body.append(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    area.remove();
    if (focused && focused.focus) focused.focus({ preventScroll: true });
    return ok;
  }
}
