// The first-run tour: a card beside the real element each step is about (highlighted, with an
// arrow), on whatever page the user is. The step and the dismissed flag live in the per-user store
// (/api/tour), so the tour follows the user across pages and runs; "Leave tour" hides it and
// Help > Take the tour again resumes at the same step. Not shown to automated browsers
// (navigator.webdriver) so that other UI tests never click around it.
import { api } from "./eddy.js";

// Each step names the elements it is about, best first; the first one visible on this page is
// pointed at. None visible: the card says where the step happens and sits in the corner.
const STEPS = [
  {
    title: "Connect",
    text: "Connect to your MySQL or MariaDB server — or, with no server at hand, start the local sandbox: one click to the sample shop.",
    targets: ['#sandbox-panel [data-action="start"]', "#connect-form", ".topbar .connection"],
    elsewhere: "This happens on the connect screen (File › Connect…).",
  },
  {
    title: "Browse",
    text: "The databases, then a database's tables and views, then a table's rows: NULLs, binary data and long text each show distinctly.",
    targets: ["#grid", "#tables", "#databases"],
    elsewhere: "Connect first: then the databases are listed here.",
  },
  {
    title: "Query",
    text: "Write SQL and run it against the current database; results appear in a grid you can scroll through.",
    targets: ["#open-sql", ".nav-sql"],
    elsewhere: "Connect first: the SQL editor opens from the top bar.",
  },
  {
    title: "Import",
    text: "Bring a CSV or SQL file into a table: columns are matched, rows are inserted in fast batches, errors are reported by line.",
    targets: ["#import-open"],
    elsewhere: "Open a database or a table: Import… is at its top.",
  },
  {
    title: "Export",
    text: "Save a table or a query's result as CSV, SQL or XLSX — NULL, empty text and the word “NULL” stay distinct.",
    targets: ["#export-open"],
    elsewhere: "Open a database or a table: Export… is at its top.",
  },
];
const GAP = 14; // between the element and the card (the arrow sits in it)

// Resolves once tour.css applies: the card's size must be known before it is placed.
function link() {
  const css = document.createElement("link");
  css.rel = "stylesheet";
  const eddyCss = document.querySelector('link[href*="css/eddy.css"]');
  css.href = eddyCss ? eddyCss.href.replace(/css\/eddy\.css.*$/, "css/tour.css") : "/static/css/tour.css";
  const loaded = new Promise((resolve) => {
    css.addEventListener("load", resolve);
    css.addEventListener("error", resolve);
  });
  document.head.append(css);
  return loaded;
}

function build() {
  const card = document.createElement("aside");
  card.className = "tour";
  card.id = "tour";
  card.setAttribute("role", "dialog");
  card.setAttribute("aria-label", "Eddy tour");
  card.innerHTML = `
    <span class="tour-arrow" aria-hidden="true"></span>
    <p class="tour-step"></p>
    <h2 class="tour-title"></h2>
    <p class="tour-text"></p>
    <p class="tour-elsewhere"></p>
    <div class="tour-actions">
      <button type="button" class="tour-skip" title="Resume any time: Help › Take the tour again">Leave tour</button>
      <button type="button" class="tour-back">Back</button>
      <button type="button" class="tour-next primary">Next</button>
    </div>`;
  return card;
}

function visibleTarget(step) {
  for (const selector of step.targets) {
    for (const el of document.querySelectorAll(selector)) {
      const box = el.getBoundingClientRect();
      if (box.width > 0 && box.height > 0 && !el.closest("[hidden], dialog:not([open])")) return el;
    }
  }
  return null;
}

// Beside the element: right of it when there is room, else below, else above; the arrow points back.
function place(card, target) {
  card.classList.remove("beside", "right", "below", "above");
  card.style.removeProperty("left");
  card.style.removeProperty("top");
  if (!target) return;
  target.scrollIntoView({ block: "nearest", inline: "nearest" });
  const box = target.getBoundingClientRect();
  const w = card.offsetWidth;
  const h = card.offsetHeight;
  const vw = document.documentElement.clientWidth;
  const vh = document.documentElement.clientHeight;
  const clamp = (v, lo, hi) => Math.max(lo, Math.min(v, hi));
  let side;
  let left;
  let top;
  if (box.right + GAP + w <= vw - 8) {
    side = "right";
    left = box.right + GAP;
    top = clamp(box.top + box.height / 2 - h / 2, 8, vh - h - 8);
  } else if (box.bottom + GAP + h <= vh - 8) {
    side = "below";
    left = clamp(box.left + box.width / 2 - w / 2, 8, vw - w - 8);
    top = box.bottom + GAP;
  } else {
    side = "above";
    left = clamp(box.left + box.width / 2 - w / 2, 8, vw - w - 8);
    top = Math.max(8, box.top - GAP - h);
  }
  card.classList.add("beside", side);
  // Positions are computed, so they are set through the CSSOM (allowed by the CSP, unlike style="").
  card.style.left = `${Math.round(left)}px`;
  card.style.top = `${Math.round(top)}px`;
  const arrow = card.querySelector(".tour-arrow");
  if (side === "right") arrow.style.top = `${clamp(box.top + box.height / 2 - top, 12, h - 12)}px`;
  else arrow.style.left = `${clamp(box.left + box.width / 2 - left, 12, w - 12)}px`;
}

async function save(body) {
  try {
    await api("/api/tour", { body });
  } catch {
    // Not remembered (e.g. the app is stopping): the tour shows this step again, nothing worse.
  }
}

// The decision is left on <html data-tour="..."> for tests to await.
function decided(value) {
  document.documentElement.dataset.tour = value;
}

async function start() {
  // A page inside a workspace tab: the shell around it runs the one tour (it was shown twice).
  if (window.parent !== window) return decided("in-tab");
  if (navigator.webdriver) return decided("automation");
  let state;
  try {
    state = await api("/api/tour", { method: "GET" });
  } catch {
    return decided("unavailable");
  }
  if (state.dismissed) return decided("dismissed");
  await link();
  const card = build();
  let index = Math.min(Math.max(0, state.step || 0), STEPS.length - 1);
  let target = null;

  const show = () => {
    const step = STEPS[index];
    if (target) target.classList.remove("tour-target");
    target = visibleTarget(step);
    if (target) target.classList.add("tour-target");
    card.dataset.step = String(index);
    card.querySelector(".tour-step").textContent = `Step ${index + 1} of ${STEPS.length}`;
    card.querySelector(".tour-title").textContent = step.title;
    card.querySelector(".tour-text").textContent = step.text;
    const elsewhere = card.querySelector(".tour-elsewhere");
    elsewhere.textContent = target ? "" : step.elsewhere;
    elsewhere.hidden = Boolean(target);
    card.querySelector(".tour-back").hidden = index === 0;
    card.querySelector(".tour-next").textContent = index === STEPS.length - 1 ? "Done" : "Next";
    place(card, target);
  };
  const go = (next) => {
    index = next;
    show();
    save({ step: index });
  };
  const close = (body) => {
    if (target) target.classList.remove("tour-target");
    card.remove();
    window.removeEventListener("resize", show);
    decided("dismissed");
    save(body);
  };

  card.querySelector(".tour-skip").addEventListener("click", () => close({ dismissed: true, step: index }));
  card.querySelector(".tour-back").addEventListener("click", () => go(Math.max(0, index - 1)));
  card.querySelector(".tour-next").addEventListener("click", () => {
    if (index === STEPS.length - 1) return close({ dismissed: true, step: 0 }); // done: a new tour starts over
    go(index + 1);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && card.isConnected) close({ dismissed: true, step: index });
  });
  window.addEventListener("resize", show);
  // Pages fill in after load (the sandbox panel waits for /api/sandbox, dialogs open): point again
  // when a better element appears or the target moves. place() only touches class and style,
  // which are not observed, so our own edits never loop.
  let pending = false;
  new MutationObserver(() => {
    if (pending || !card.isConnected) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      if (!card.isConnected) return;
      if (visibleTarget(STEPS[index]) !== target) show();
      else place(card, target); // same element, perhaps moved by what appeared around it
    });
  }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["hidden", "open"] });
  document.body.append(card);
  show();
  decided("shown");
}

start();
