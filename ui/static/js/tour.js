// A short first-run tour in a corner card: connect, browse, query, import, export. Dismissed
// once ("Skip" or "Done"), remembered in the per-user store (/api/tour). Not shown to automated
// browsers (navigator.webdriver) so that other UI tests never click around it.
import { api } from "./eddy.js";

const STEPS = [
  {
    title: "Connect",
    text: "Connect to your MySQL or MariaDB server — or, with no server at hand, start the local sandbox and load the sample shop database.",
  },
  {
    title: "Browse",
    text: "Home lists the server's databases. Open one to see its tables and views, then a table to see its rows: NULLs, binary data and long text each show distinctly.",
  },
  {
    title: "Query",
    text: "Write SQL and run it against the current database; results appear in a grid you can scroll through.",
  },
  {
    title: "Import",
    text: "Bring a CSV file into a table: columns are matched, rows are inserted in fast batches, errors are reported by line.",
  },
  {
    title: "Export",
    text: "Save a table or a query's result as CSV or SQL — NULL, empty text and the word “NULL” stay distinct.",
  },
];

function link() {
  const css = document.createElement("link");
  css.rel = "stylesheet";
  const eddyCss = document.querySelector('link[href*="css/eddy.css"]');
  css.href = eddyCss ? eddyCss.href.replace(/css\/eddy\.css.*$/, "css/tour.css") : "/static/css/tour.css";
  document.head.append(css);
}

function build() {
  const card = document.createElement("aside");
  card.className = "tour";
  card.id = "tour";
  card.setAttribute("role", "dialog");
  card.setAttribute("aria-label", "Eddy tour");
  card.innerHTML = `
    <p class="tour-step"></p>
    <h2 class="tour-title"></h2>
    <p class="tour-text"></p>
    <div class="tour-actions">
      <button type="button" class="tour-skip">Skip tour</button>
      <button type="button" class="tour-back">Back</button>
      <button type="button" class="tour-next primary">Next</button>
    </div>`;
  return card;
}

async function dismiss(card) {
  card.remove();
  try {
    await api("/api/tour", { body: { dismissed: true } });
  } catch {
    // Not remembered (e.g. the app is stopping): it will show again next time, nothing worse.
  }
}

// The decision is left on <html data-tour="..."> for tests to await.
function decided(value) {
  document.documentElement.dataset.tour = value;
}

async function start() {
  if (navigator.webdriver) return decided("automation");
  let state;
  try {
    state = await api("/api/tour", { method: "GET" });
  } catch {
    return decided("unavailable");
  }
  if (state.dismissed) return decided("dismissed");
  link();
  const card = build();
  let index = 0;
  const show = () => {
    const step = STEPS[index];
    card.querySelector(".tour-step").textContent = `Step ${index + 1} of ${STEPS.length}`;
    card.querySelector(".tour-title").textContent = step.title;
    card.querySelector(".tour-text").textContent = step.text;
    card.querySelector(".tour-back").hidden = index === 0;
    card.querySelector(".tour-next").textContent = index === STEPS.length - 1 ? "Done" : "Next";
  };
  card.querySelector(".tour-skip").addEventListener("click", () => dismiss(card));
  card.querySelector(".tour-back").addEventListener("click", () => {
    index = Math.max(0, index - 1);
    show();
  });
  card.querySelector(".tour-next").addEventListener("click", () => {
    if (index === STEPS.length - 1) return dismiss(card);
    index += 1;
    show();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && card.isConnected) dismiss(card);
  });
  show();
  document.body.append(card);
  decided("shown");
}

start();
