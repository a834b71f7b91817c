// The workspace shell's tabs: each tab hosts an app page in a same-origin iframe that stays alive
// while hidden, so switching keeps its scroll, pending edits, filters and query results. Preview
// tabs (single click in the tree) are reused until edited or double-clicked; tabs reorder by drag,
// close with ×, middle click or Ctrl+W; Alt+←/→ go back and forward inside the current tab.
import { keepsPendingEdits } from "./eddy.js";
import { offerJournaledTables } from "./edit_journal.js";

// The open tabs are remembered per connection (user@host:port): another server's tables are not
// reopened on this one.
const OPEN_KEY = "eddy.tabs.open:" + (document.querySelector("#tree-pane .server")?.title || "");
const isSql = (url) => /^\/(db\/[^/]+\/)?sql(\?|$)/.test(url);

class Tabs {
  constructor(bar, frames) {
    this.bar = bar;
    this.frames = frames;
    this.tabs = [];
    this.current = null;
    this.seq = 0;
    setInterval(() => this.checkDirty(), 1500);
  }

  find(url) {
    return this.tabs.find((t) => t.url === url);
  }

  open(url, { preview = false, title = "" } = {}) {
    const path = new URL(url, location.origin);
    const plain = path.pathname + path.search;
    const same = this.find(plain) || this.find(path.pathname + path.search + path.hash);
    if (same && !path.hash) {
      if (!preview) this.pin(same);
      return this.activate(same);
    }
    if (isSql(path.pathname)) {
      // One SQL editor (its query tabs live in the per-user store): new queries open inside it.
      const editor = this.tabs.find((t) => isSql(t.url));
      if (editor) {
        const text = path.searchParams.get("text");
        const db = decodeURIComponent((path.pathname.match(/^\/db\/([^/]+)\/sql/) || [])[1] || "");
        if (text !== null || db) {
          editor.frame.contentWindow.postMessage({ type: "eddy:new-query", text: text || "", database: db }, location.origin);
        }
        this.pin(editor);
        return this.activate(editor);
      }
    }
    if (preview) {
      const reuse = this.tabs.find((t) => t.preview);
      if (reuse) {
        this.navigate(reuse, url, title);
        return this.activate(reuse);
      }
    }
    const tab = { id: ++this.seq, url: plain, title: title || plain, preview, dirty: false };
    tab.frame = document.createElement("iframe");
    tab.frame.title = tab.title;
    tab.frame.addEventListener("load", () => this.loaded(tab));
    tab.frame.src = url;
    tab.el = this.tabElement(tab);
    this.tabs.push(tab);
    this.bar.append(tab.el);
    this.frames.append(tab.frame);
    this.activate(tab);
    this.save();
    return tab;
  }

  navigate(tab, url, title) {
    tab.url = url;
    tab.title = title || url;
    tab.frame.src = url;
    this.renderTab(tab);
  }

  tabElement(tab) {
    const el = document.createElement("div");
    el.className = "ws-tab";
    el.setAttribute("role", "tab");
    el.draggable = true;
    const title = document.createElement("span");
    title.className = "title";
    const close = document.createElement("button");
    close.type = "button";
    close.className = "close";
    close.title = "Close (Ctrl+W)";
    close.textContent = "×";
    el.append(title, close);
    el.addEventListener("click", (e) => (e.target === close ? this.close(tab) : this.activate(tab)));
    el.addEventListener("dblclick", () => this.pin(tab));
    el.addEventListener("auxclick", (e) => {
      if (e.button === 1) this.close(tab);
    });
    el.addEventListener("mousedown", (e) => {
      if (e.button === 1) e.preventDefault(); // no autoscroll
    });
    el.addEventListener("dragstart", (e) => {
      this.dragging = tab;
      el.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move";
    });
    el.addEventListener("dragend", () => el.classList.remove("dragging"));
    el.addEventListener("dragover", (e) => {
      if (this.dragging && this.dragging !== tab) e.preventDefault();
    });
    el.addEventListener("drop", (e) => {
      e.preventDefault();
      this.move(this.dragging, this.tabs.indexOf(tab));
    });
    return el;
  }

  renderTab(tab) {
    tab.el.querySelector(".title").textContent = (tab.dirty ? "● " : "") + tab.title;
    tab.el.title = tab.url;
    tab.el.classList.toggle("preview", tab.preview);
    tab.el.classList.toggle("current", tab === this.current);
    tab.el.dataset.url = tab.url;
  }

  loaded(tab) {
    let doc = null;
    try {
      doc = tab.frame.contentDocument;
    } catch {
      doc = null; // not ours (cannot happen with frame-ancestors 'self'): keep what we know
    }
    if (doc) {
      const loc = tab.frame.contentWindow.location;
      tab.url = loc.pathname + loc.search;
      tab.title = (doc.title || tab.url).replace(/\s*[—·-]\s*Eddy$/, "");
      // Editing inside a preview tab keeps it.
      const keep = (e) => {
        if (e.type === "input" || (e.type === "keydown" && e.key.length === 1 && !e.ctrlKey && !e.metaKey)) this.pin(tab);
      };
      doc.addEventListener("input", keep, true);
      doc.addEventListener("keydown", keep, true);
      // Mouse back/forward buttons inside the page.
      doc.addEventListener("mouseup", (e) => {
        if (e.button === 3) this.back();
        if (e.button === 4) this.forward();
      });
    }
    this.renderTab(tab);
    this.save();
    if (tab === this.current) this.frames.dataset.currentUrl = tab.url;
  }

  activate(tab) {
    if (!tab) return;
    this.current = tab;
    for (const t of this.tabs) {
      t.frame.hidden = t !== tab;
      this.renderTab(t);
    }
    this.frames.dataset.currentUrl = tab.url;
    this.bar.dataset.count = String(this.tabs.length);
    tab.el.scrollIntoView({ block: "nearest", inline: "nearest" });
    document.querySelector(".ws-empty")?.toggleAttribute("hidden", true);
    return tab;
  }

  pin(tab) {
    if (!tab.preview) return;
    tab.preview = false;
    this.renderTab(tab);
    this.save();
  }

  close(tab) {
    if (!tab) return;
    if (tab.dirty && keepsPendingEdits(tab.title, "Close it")) return;
    const i = this.tabs.indexOf(tab);
    this.tabs.splice(i, 1);
    tab.el.remove();
    tab.frame.remove();
    if (this.current === tab) {
      this.current = null;
      this.activate(this.tabs[Math.min(i, this.tabs.length - 1)]);
    }
    if (!this.tabs.length) document.querySelector(".ws-empty")?.removeAttribute("hidden");
    this.bar.dataset.count = String(this.tabs.length);
    this.save();
  }

  closeCurrent() {
    this.close(this.current);
  }

  cycle(step) {
    if (!this.tabs.length) return;
    const i = this.tabs.indexOf(this.current);
    this.activate(this.tabs[(i + step + this.tabs.length) % this.tabs.length]);
  }

  move(tab, to) {
    const from = this.tabs.indexOf(tab);
    if (from < 0 || to < 0 || from === to) return;
    this.tabs.splice(from, 1);
    this.tabs.splice(to, 0, tab);
    this.bar.replaceChildren(...this.tabs.map((t) => t.el));
    this.save();
  }

  back() {
    this.current?.frame.contentWindow.history.back();
  }

  forward() {
    this.current?.frame.contentWindow.history.forward();
  }

  // A tab is dirty while its page shows pending grid edits (the grid's pending counter).
  checkDirty() {
    for (const tab of this.tabs) {
      let dirty = false;
      try {
        const count = tab.frame.contentDocument?.querySelector(".pending-count");
        dirty = Boolean(count && count.textContent.trim() && !count.hidden);
      } catch {
        dirty = false;
      }
      if (dirty !== tab.dirty) {
        tab.dirty = dirty;
        if (dirty) this.pin(tab);
        this.renderTab(tab);
      }
    }
  }

  save() {
    const open = this.tabs.filter((t) => !t.preview).map((t) => ({ url: t.url, title: t.title }));
    localStorage.setItem(OPEN_KEY, JSON.stringify(open.slice(0, 30)));
  }

  restore() {
    let saved = [];
    try {
      saved = JSON.parse(localStorage.getItem(OPEN_KEY) || "[]");
    } catch {
      saved = [];
    }
    for (const t of saved) if (typeof t.url === "string" && t.url.startsWith("/")) this.open(t.url, { title: t.title });
    return saved.length;
  }
}

const bar = document.getElementById("ws-tabs");
const frames = document.getElementById("ws-frames");
if (bar && frames) {
  const tabs = new Tabs(bar, frames);
  window.eddyTabs = tabs;
  const wanted = new URLSearchParams(location.search).get("open");
  const restored = tabs.restore();
  if (wanted && wanted.startsWith("/") && !wanted.startsWith("//")) tabs.open(wanted, {});
  else if (!restored) tabs.open("/", { title: "Databases" });
  history.replaceState(null, "", "/workspace");
  document.body.dataset.tabsReady = "1";
  offerJournaledTables(frames, (url, options) => tabs.open(url, options));
}
