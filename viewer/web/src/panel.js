// The side panel: what was picked, its room, latest readings, allocations and open work
// orders (each section only when the server offers it to this user).
import { findEndpoint, getOptional, role } from "./api.js";

const HOUSING_READERS = ["admin", "housing_officer", "manager"];
const NOT_EQUIPMENT = new Set(["IfcSpace", "IfcWall", "IfcWallStandardCase", "IfcSlab",
  "IfcDoor", "IfcWindow", "IfcStair", "IfcStairFlight", "IfcColumn", "IfcBeam", "IfcRoof",
  "IfcCovering", "IfcRailing", "IfcRamp", "IfcCurtainWall", "IfcMember", "IfcPlate",
  "IfcFurniture", "IfcFurnishingElement", "IfcBuildingElementProxy"]);

const READING_KINDS = ["temperature", "co2", "humidity", "occupancy"];
const SHOWN_KEYS = ["global_id", "class", "name", "number", "long_name", "storey_name",
  "storey_elevation"];

function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

function table(rows) {
  return `<table>${rows.map(([k, v]) =>
    `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join("")}</table>`;
}

/** Fills `element` (the panel) for a picked element; `roomOf(gid)` gives a space's extras. */
export class Panel {
  constructor(element, buildingId, roomOf, onSelect, colouring) {
    this.colouring = colouring;
    this.element = element;
    this.building = buildingId;
    this.roomOf = roomOf;
    this.onSelect = onSelect;
    this.token = 0;
    this._allocations = undefined;
  }

  clear() {
    this.token += 1;
    this.element.hidden = true;
    this.element.innerHTML = "";
    delete this.element.dataset.roomNumber;
    delete this.element.dataset.globalId;
  }

  async show(data) {
    const token = ++this.token;
    const isSpace = data.class === "IfcSpace";
    const room = isSpace ? data : (data.space ? this.roomOf(data.space) : null);
    const title = isSpace ? `Room ${data.number ?? ""}` : `${data.class} ${data.name ?? ""}`;
    this.element.hidden = false;
    this.element.dataset.globalId = data.global_id;
    if (room?.number) this.element.dataset.roomNumber = room.number;
    else delete this.element.dataset.roomNumber;
    const rows = SHOWN_KEYS.filter((k) => data[k] !== undefined && data[k] !== null && k !== "")
      .map((k) => [k.replaceAll("_", " "), data[k]]);
    let html = `<button class="close" title="close">×</button>`
      + `<h2 id="panel-title">${escapeHtml(title)}</h2>`
      + (isSpace && data.long_name ? `<p class="sub">${escapeHtml(data.long_name)}</p>` : "")
      + table(rows);
    if (room && !isSpace) {
      html += `<h3>Room</h3><p><a href="#" class="room-link" data-gid="${escapeHtml(
        room.global_id)}">${escapeHtml(room.number ?? "")} ${escapeHtml(room.long_name ?? "")}`
        + "</a></p>";
    }
    html += `<div class="async">loading…</div>`;
    this.element.innerHTML = html;
    this._wire();
    const sections = await this._details(room, data);
    if (token !== this.token) return;
    const slot = this.element.querySelector(".async");
    if (slot) slot.outerHTML = sections.join("");
    this._wire();
  }

  _wire() {
    this.element.querySelector(".close")?.addEventListener("click", () => this.onSelect(null));
    for (const link of this.element.querySelectorAll(".room-link")) {
      link.addEventListener("click", (e) => {
        e.preventDefault();
        this.onSelect(link.dataset.gid);
      });
    }
  }

  async _details(room, data) {
    const b = `/buildings/${this.building}`;
    const gid = room?.global_id;
    const safe = (p) => getOptional(p).catch(() => null);
    await this.colouring.probe();
    const ordersPath = await findEndpoint(/^\/work[-_]?orders$/);
    const kinds = READING_KINDS.filter((k) => this.colouring.hasKind(k));
    const orders = ordersPath?.replace("{building_id}", this.building);
    const [detail, allocations, workOrders, equipment, ...readings] = await Promise.all([
      gid ? safe(`${b}/spaces/${gid}`) : null,
      gid && HOUSING_READERS.includes(role()) ? this._allocationsOf(gid) : null,
      gid && ordersPath ? safe(`${orders === "unknown" ? `${b}/work-orders` : orders}`
        + `?space=${gid}&open_only=true`) : null,
      NOT_EQUIPMENT.has(data.class) ? null : safe(`${b}/equipment/${data.global_id}`),
      ...kinds.map((k) => (gid ? safe(`${b}/state/spaces?kind=${k}`) : null)),
    ]);
    const out = [];
    if (equipment?.equipment) {
      out.push(`<h3>Equipment</h3>${table([
        ["upstream", equipment.upstream.length], ["downstream", equipment.downstream.length],
        ...Object.entries(equipment.equipment.data ?? {}).slice(0, 8)
          .map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : v])])}`);
    }
    const readingRows = [];
    readings.forEach((state, i) => {
      const reading = state?.spaces?.[gid];
      if (reading) {
        readingRows.push([kinds[i], `${Number(reading.value).toFixed(1)} ${
          state.unit ?? ""}  (${reading.last_updated ?? ""})`]);
      }
    });
    if (gid) {
      out.push(`<h3>Latest readings</h3>${readingRows.length ? table(readingRows)
        : "<p class=\"sub\">no live data</p>"}`);
    }
    if (detail) {
      out.push(`<h3>In this room</h3>${table([
        ["equipment", detail.equipment.length],
        ["doors", detail.doors.length],
        ["neighbours", detail.neighbours.map((n) => n.name).filter(Boolean).join(", ")],
      ])}`);
    }
    if (allocations) {
      out.push(`<h3>Allocations</h3>${allocations.length ? `<ul>${allocations.map((a) =>
        `<li>${escapeHtml(a.name)} <span class="sub">${escapeHtml(a.person_id)}${
          a.start ? ` since ${escapeHtml(a.start)}` : ""}</span></li>`).join("")}</ul>`
        : "<p class=\"sub\">nobody</p>"}`);
    }
    if (workOrders) {
      const items = Array.isArray(workOrders) ? workOrders : (workOrders.items ?? []);
      out.push(`<h3>Open work orders</h3>${items.length ? `<ul>${items.map((w) =>
        `<li>${escapeHtml(w.work_order_id ?? w.id ?? "")} ${escapeHtml(w.title ?? "")}`
        + ` <span class="sub">${escapeHtml(w.state ?? "")}, ${escapeHtml(w.priority ?? "")}`
        + "</span></li>").join("")}</ul>`
        : "<p class=\"sub\">none</p>"}`);
    }
    return out;
  }

  async _allocationsOf(gid) {
    if (this._allocations === undefined) {
      this._allocations = await getOptional(`/buildings/${this.building}/allocations`)
        .catch(() => null);
    }
    const all = this._allocations;
    if (!all) return null;
    const names = new Map((all.people ?? []).map((p) => [p.person_id, p.name]));
    return (all.assignments ?? []).filter((a) => a.space === gid)
      .map((a) => ({ ...a, name: names.get(a.person_id) ?? a.person_id }));
  }
}
