// Runs before the first paint (a classic script in <head>): the colour scheme, so a dark page
// never flashes light. theme.js keeps it current afterwards.
(function () {
  var chosen = null;
  try {
    chosen = localStorage.getItem("eddy.theme");
  } catch (e) {
    chosen = null;
  }
  var dark = chosen === "dark" || (chosen !== "light" && window.matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.dataset.scheme = dark ? "dark" : "light";
  // A page inside a workspace tab: the shell around it has the top bar and the tree.
  if (window.parent !== window) {
    document.documentElement.classList.add("in-tab");
    // Log-in, the connections and the workspace itself are whole-window screens: a tab that reaches
    // one (its session ended, a connect form inside it) hands it to the window.
    if (/^\/(login|connections|workspace)(\/|$)/.test(location.pathname)) window.top.location.replace(location.href);
  }
  var zoom = null;
  try {
    zoom = Number(localStorage.getItem("eddy.zoom") || 1);
  } catch (e) {
    zoom = 1;
  }
  if (zoom && zoom !== 1) document.documentElement.style.zoom = String(zoom);
})();
