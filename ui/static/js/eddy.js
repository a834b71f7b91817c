// Shared front-end helpers: JSON API calls carrying the xsrf token.

export function xsrfToken() {
  const meta = document.querySelector('meta[name="xsrf-token"]');
  return meta ? meta.content : "";
}

// POST/PUT/DELETE JSON to the app; resolves to the parsed body, rejects with Error(message).
export async function api(path, { method = "POST", body } = {}) {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-XSRFToken": xsrfToken() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const message = (data && data.error) || `${response.status} ${response.statusText}`;
    throw new Error(message);
  }
  return data;
}

// GET JSON from the app: the parsed body, or Error(message) (the server's `error` when it sent one).
export function getJson(path) {
  return api(path, { method: "GET" });
}

// Pending grid edits are never dropped without asking, in one wording wherever that could happen
// (a workspace tab closing, a query result run again or closed): true when the user keeps them.
export function keepsPendingEdits(title, action) {
  return !window.confirm(`"${title}" has pending edits. ${action} and lose them?`);
}

// A duration in seconds as the pages show it: "12.3 ms" or "1.25 s".
export function fmtTime(seconds) {
  if (seconds == null) return "";
  return seconds < 1 ? `${(seconds * 1000).toFixed(1)} ms` : `${seconds.toFixed(2)} s`;
}
