// Small HTML helpers shared by the panel, the sidebar and the legend.

/** `text` with the characters that mean something in HTML escaped. */
export function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

/** A two-column table of [key, value] rows, both escaped. */
export function table(rows) {
  return `<table>${rows.map(([k, v]) =>
    `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join("")}</table>`;
}
