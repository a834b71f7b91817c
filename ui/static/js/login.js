import { api } from "./eddy.js";

// The connect form: "Save as a connection" asks for a name, prefilled user@host (and :port when it
// is not 3306) and kept in step with those fields until the user types a name of their own.
const form = document.getElementById("connect-form");
const save = document.getElementById("save-profile");
const details = document.getElementById("save-details");
const name = document.getElementById("profile-name");
const field = (n) => form.elements[n].value.trim();
let suggested = "";

function suggestion() {
  const port = field("port");
  return `${field("user") || "root"}@${field("host") || "127.0.0.1"}${port && port !== "3306" ? `:${port}` : ""}`;
}

function sync() {
  details.hidden = !save.checked;
  if (!name.value || name.value === suggested) name.value = suggestion();
  suggested = suggestion();
}

save.addEventListener("change", () => {
  sync();
  if (save.checked) name.select();
});
for (const n of ["user", "host", "port"]) form.elements[n].addEventListener("input", sync);
sync();

// The keyring's first answer takes 100-600 ms, so the first page is served without it: ask now.
const keyringNote = document.getElementById("keyring-note");
if (keyringNote && keyringNote.dataset.pending !== undefined) {
  api("/api/keyring-note", { method: "GET" })
    .then(({ note }) => {
      if (!note) return keyringNote.remove();
      keyringNote.textContent = note;
      document.getElementById("keyring-where")?.remove();
      delete keyringNote.dataset.pending;
      keyringNote.hidden = false;
    })
    .catch((err) => {
      keyringNote.textContent = `Whether passwords can be saved here is not known: ${err.message}`;
      keyringNote.hidden = false;
    });
}
