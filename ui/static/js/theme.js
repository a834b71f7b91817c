// Light / dark: follows the OS (prefers-color-scheme) unless the user chose one in View; the
// choice is remembered and every open page (tabs, other windows) follows at once.
const KEY = "eddy.theme"; // "light" | "dark" | absent: follow the system
const media = window.matchMedia("(prefers-color-scheme: dark)");

export function currentTheme() {
  return localStorage.getItem(KEY) || "system";
}

export function effectiveScheme() {
  const chosen = currentTheme();
  return chosen === "dark" || (chosen === "system" && media.matches) ? "dark" : "light";
}

export function applyTheme() {
  const scheme = effectiveScheme();
  document.documentElement.dataset.scheme = scheme;
  document.documentElement.dataset.theme = currentTheme();
  document.dispatchEvent(new CustomEvent("eddy:scheme", { detail: { scheme } }));
}

export function setTheme(theme) {
  if (theme === "system") localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, theme);
  applyTheme();
}

media.addEventListener("change", applyTheme);
// Another page of this app changed the theme (storage events fire in the other documents).
window.addEventListener("storage", (e) => {
  if (e.key === KEY) applyTheme();
  if (e.key === "eddy.zoom") document.documentElement.style.zoom = e.newValue && e.newValue !== "1" ? e.newValue : "";
});
