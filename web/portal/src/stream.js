// The push stream (WS /buildings/{id}/stream?token=…&types=…): calls `onMessage` with every
// message, keeps `status.connected` / `status.dropped` (a reactive object) up to date, and
// reconnects after a drop (2 s, doubling up to 30 s).
import { getToken } from "./api.js";

export function openStream(buildingId, types, onMessage, status) {
  let socket = null;
  let closed = false;
  let delay = 2000;
  let timer = null;

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const url = `${scheme}://${window.location.host}/buildings/${buildingId}/stream`
      + `?token=${encodeURIComponent(getToken() || "")}&types=${types}`;
    socket = new WebSocket(url);
    socket.onopen = () => {
      status.connected = true;
      status.dropped = false;
      delay = 2000;
    };
    socket.onmessage = (event) => {
      try {
        onMessage(JSON.parse(event.data));
      } catch {
        // not JSON: ignored
      }
    };
    socket.onclose = () => {
      status.connected = false;
      if (closed) return;
      status.dropped = true;
      timer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }

  function close() {
    closed = true;
    clearTimeout(timer);
    if (socket) socket.close();
  }

  connect();
  return { close };
}
