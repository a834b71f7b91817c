// The crash journal of a table's pending edits: 600 ms after each change the pending edits (as
// Apply would send them) go to the per-user store; Apply and Discard clear them. When the table
// opens with edits journaled by a page that never applied them (a crash, a forced quit), a bar
// offers them back: Restore makes them pending again (nothing is applied), Discard forgets them.
import { api } from "./eddy.js";

const DELAY_MS = 600;

export class EditJournal {
  // url: the table's /journal endpoint; where: the element the offer goes before; name: "db.table";
  // restore(changes): puts journaled changes back as pending edits.
  constructor({ url, where, name, restore }) {
    Object.assign(this, { url, where, name, restore });
    this.ready = false; // no write until the offer (if any) is answered: it would erase the journal
    this.latest = null;
    this.empty = false; // the store holds nothing for this table: no need to say "none" again
    this.timer = null;
  }

  async start() {
    let entry = null;
    try {
      entry = (await api(this.url, { method: "GET" })).journal;
    } catch {
      entry = null; // no journal is no reason to stop the page
    }
    if (entry && entry.count) this.offer(entry);
    else {
      this.empty = !entry;
      this.begin();
    }
  }

  begin() {
    this.ready = true;
    if (this.latest) this.changed(this.latest);
  }

  // Called wherever the page's pending edits change, with them as Apply would send them.
  changed(changes) {
    this.latest = changes;
    if (!this.ready) return;
    clearTimeout(this.timer);
    if (!changes.length && this.empty) return;
    this.timer = setTimeout(() => this.write(changes), DELAY_MS);
  }

  async write(changes) {
    try {
      await api(this.url, { method: "PUT", body: { changes } });
      this.empty = !changes.length;
      document.body.dataset.journaled = String(changes.length);
    } catch {
      document.body.dataset.journaled = "failed"; // the edits are still on the page; Apply still works
    }
  }

  offer(entry) {
    const bar = document.createElement("p");
    bar.className = "grid-notice journal-offer";
    bar.id = "journal-offer";
    bar.setAttribute("role", "alert");
    const when = new Date(entry.updated * 1000);
    const time = when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    const day = when.toDateString() === new Date().toDateString() ? "" : ` on ${when.toLocaleDateString()}`;
    const count = `${entry.count} unsaved edit${entry.count === 1 ? "" : "s"}`;
    bar.append(`${count} on ${this.name} from ${time}${day} (never applied). `);
    const restore = Object.assign(document.createElement("button"), { type: "button", textContent: "Restore" });
    const discard = Object.assign(document.createElement("button"), { type: "button", textContent: "Discard" });
    restore.className = "primary";
    bar.append(restore, " ", discard);
    restore.addEventListener("click", () => {
      bar.remove();
      this.ready = true;
      this.restore(entry.changes); // the page's change hook journals them again, merged with any new
    });
    discard.addEventListener("click", () => {
      bar.remove();
      this.ready = true;
      this.write(this.latest || []);
    });
    this.where.before(bar);
  }
}

// The workspace at start: the tables left with journaled edits, each a link that opens its tab
// (where the table's own offer restores or discards them).
export async function offerJournaledTables(where, open) {
  let journals = [];
  try {
    journals = (await api("/api/grid/journals", { method: "GET" })).journals;
  } catch {
    return;
  }
  if (!journals.length) return;
  const bar = document.createElement("p");
  bar.className = "grid-notice journal-offer";
  bar.id = "journals-offer";
  bar.setAttribute("role", "status");
  bar.append("Unsaved edits from before: ");
  for (const j of journals.slice(0, 5)) {
    const time = new Date(j.updated * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    const link = Object.assign(document.createElement("button"), { type: "button" });
    link.textContent = `${j.database}.${j.table} (${j.count} edit${j.count === 1 ? "" : "s"}, ${time})`;
    link.addEventListener("click", () => {
      open(`/db/${encodeURIComponent(j.database)}/table/${encodeURIComponent(j.table)}`, { title: j.table });
      link.remove();
      if (!bar.querySelector("button:not(.close)")) bar.remove();
    });
    bar.append(link, " ");
  }
  const close = Object.assign(document.createElement("button"), { type: "button", textContent: "×", title: "Hide" });
  close.className = "close";
  close.addEventListener("click", () => bar.remove());
  bar.append(close);
  where.before(bar);
}
