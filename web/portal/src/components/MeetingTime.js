// Times of the 会议 pages: the server answers in the building's zone (+08:00); shown as is.
/** "12-07 14:00" from an ISO 8601 string with offset. */
export function shortTime(iso) {
  return iso ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : "";
}

/** A datetime-local value ("2026-12-07T14:00") `hours` from now, on the half hour. */
export function localInput(hours) {
  const d = new Date(Date.now() + hours * 3600 * 1000);
  d.setMinutes(d.getMinutes() < 30 ? 30 : 60, 0, 0);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
