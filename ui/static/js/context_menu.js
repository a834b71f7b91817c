// A small context menu: showMenu(x, y, [{label, run, danger, separator, hint}]); Esc or a click elsewhere closes.
let current = null;

export function closeMenu() {
  if (current) current.remove();
  current = null;
}

export function showMenu(x, y, actions) {
  closeMenu();
  if (!actions.length) return;
  const menu = document.createElement("div");
  menu.className = "context-menu";
  menu.setAttribute("role", "menu");
  for (const action of actions) {
    if (action.separator) {
      menu.append(Object.assign(document.createElement("hr"), { className: "menu-sep" }));
      continue;
    }
    const item = document.createElement("button");
    item.type = "button";
    item.setAttribute("role", "menuitem");
    item.className = "menu-item" + (action.danger ? " danger" : "");
    item.textContent = action.label;
    if (action.hint) {
      const hint = document.createElement("kbd");
      hint.textContent = action.hint;
      item.append(hint);
    }
    item.addEventListener("click", () => {
      closeMenu();
      action.run();
    });
    menu.append(item);
  }
  document.body.append(menu);
  const { innerWidth: w, innerHeight: h } = window;
  const box = menu.getBoundingClientRect();
  menu.style.left = Math.min(x, w - box.width - 4) + "px";
  menu.style.top = Math.min(y, h - box.height - 4) + "px";
  current = menu;
  menu.querySelector("button")?.focus();
  menu.addEventListener("keydown", (e) => {
    const items = [...menu.querySelectorAll("button")];
    const i = items.indexOf(document.activeElement);
    if (e.key === "ArrowDown") items[(i + 1) % items.length].focus();
    else if (e.key === "ArrowUp") items[(i - 1 + items.length) % items.length].focus();
    else if (e.key === "Escape") closeMenu();
    else return;
    e.preventDefault();
  });
}

document.addEventListener("mousedown", (e) => {
  if (current && !current.contains(e.target)) closeMenu();
});
window.addEventListener("blur", closeMenu);
