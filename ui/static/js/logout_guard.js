// Log out asks first when it would throw work away: the server reports editor tabs with an open
// transaction (rolled back at log out) or a running query (stopped). Without any, it logs out at once.

function describe(tabs) {
  const open = tabs.filter((t) => t.transaction).length;
  const running = tabs.filter((t) => t.running).length;
  const parts = [];
  if (open) parts.push(`${open} editor tab(s) with an open transaction (it will be rolled back)`);
  if (running) parts.push(`${running} running query(ies) (they will be stopped)`);
  return `Log out anyway? This connection has ${parts.join(" and ")}.`;
}

async function openWork() {
  try {
    const response = await fetch("/api/editor/open-work", { credentials: "same-origin" });
    if (!response.ok) return [];
    return (await response.json()).tabs || [];
  } catch {
    return []; // the server cannot tell: log out as asked
  }
}

for (const form of document.querySelectorAll("form.logout")) {
  form.addEventListener("submit", async (event) => {
    if (form.dataset.confirmed === "1") return;
    event.preventDefault();
    const tabs = await openWork();
    if (tabs.length && !window.confirm(describe(tabs))) return;
    form.dataset.confirmed = "1";
    form.requestSubmit();
  });
}
