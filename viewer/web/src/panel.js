// The side panel: what was picked, its room, latest readings, allocations, open work orders
// and the pool's asset items in the room (资产). Allocations, work orders and assets are
// asked for only when the user's capabilities
// (GET /auth/me) allow them; a call that fails says why in its section.
import { describeFailure, getJson } from "./api.js";
import { CAN } from "./access.js";
import { escapeHtml, table } from "./html.js";

const NOT_EQUIPMENT = new Set(["IfcSpace", "IfcWall", "IfcWallStandardCase", "IfcSlab",
  "IfcDoor", "IfcWindow", "IfcStair", "IfcStairFlight", "IfcColumn", "IfcBeam", "IfcRoof",
  "IfcCovering", "IfcRailing", "IfcRamp", "IfcCurtainWall", "IfcMember", "IfcPlate",
  "IfcFurniture", "IfcFurnishingElement", "IfcBuildingElementProxy"]);

const READING_KINDS = ["temperature", "co2", "humidity", "occupancy"];
const SHOWN_KEYS = ["global_id", "class", "name", "number", "long_name", "storey_name",
  "storey_elevation"];

/** A call's answer as {value} or {error: message to show}. */
async function attempt(path, capability) {
  try {
    return { value: await getJson(path) };
  } catch (error) {
    return { error: describeFailure(error, capability) };
  }
}

function failed(title, outcome) {
  return `<h3>${escapeHtml(title)}</h3><p class="error">${escapeHtml(outcome.error)}</p>`;
}

/** Fills `element` (the panel) for a picked element; `roomOf(gid)` gives a space's extras. */
export class Panel {
  constructor(element, buildingId, { roomOf, onSelect, colouring, access }) {
    this.element = element;
    this.building = buildingId;
    this.roomOf = roomOf;
    this.onSelect = onSelect;
    this.colouring = colouring;
    this.access = access;
    this.token = 0;
    this._allocations = null; // the building's allocations (a promise), asked for once
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
    this.element.hidden = false;
    this.element.dataset.globalId = data.global_id;
    if (room?.number) this.element.dataset.roomNumber = room.number;
    else delete this.element.dataset.roomNumber;
    this.element.innerHTML = this._header(data, room, isSpace)
      + "<div class=\"async\">loading…</div>";
    this._wire();
    const sections = await this._details(room, data);
    if (token !== this.token) return;
    const slot = this.element.querySelector(".async");
    if (slot) slot.outerHTML = sections.join("");
    this._wire();
  }

  _header(data, room, isSpace) {
    const title = isSpace ? `Room ${data.number ?? ""}` : `${data.class} ${data.name ?? ""}`;
    const rows = SHOWN_KEYS.filter((k) => data[k] !== undefined && data[k] !== null)
      .map((k) => [k.replaceAll("_", " "), data[k]]);
    let html = "<button class=\"close\" title=\"close\">×</button>"
      + `<h2 id="panel-title">${escapeHtml(title)}</h2>`
      + (isSpace && data.long_name ? `<p class="sub">${escapeHtml(data.long_name)}</p>` : "")
      + table(rows);
    if (room && !isSpace) {
      html += `<h3>Room</h3><p><a href="#" class="room-link" data-gid="${escapeHtml(
        room.global_id)}">${escapeHtml(room.number ?? "")} ${escapeHtml(room.long_name ?? "")}`
        + "</a></p>";
    }
    return html;
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
    await this.colouring.probe();
    const kinds = gid ? READING_KINDS.filter((k) => this.colouring.hasKind(k)) : [];
    const can = (capability) => gid && this.access.can(capability);
    const [equipment, detail, allocations, workOrders, assets, ...readings] = await Promise.all([
      NOT_EQUIPMENT.has(data.class) ? null : attempt(`${b}/equipment/${data.global_id}`),
      gid ? attempt(`${b}/spaces/${gid}`) : null,
      can(CAN.readHousing) ? this._allocationsOf(gid) : null,
      can(CAN.readMaintenance) ? attempt(`${b}/work-orders?space=${encodeURIComponent(gid)}`
        + "&open_only=true", CAN.readMaintenance) : null,
      can(CAN.readAssets) ? attempt(`/assets?space=${encodeURIComponent(gid)}&size=20`,
        CAN.readAssets) : null,
      ...kinds.map((k) => attempt(`${b}/state/spaces?kind=${k}`, CAN.readReadings)),
    ]);
    return [
      equipment && this._equipmentSection(equipment),
      gid && this._readingsSection(gid, kinds, readings),
      detail && this._roomSection(detail),
      allocations && this._allocationsSection(allocations),
      workOrders && this._workOrdersSection(workOrders),
      assets && this._assetsSection(assets),
    ].filter(Boolean);
  }

  _equipmentSection(outcome) {
    if (outcome.error) return failed("Equipment", outcome);
    const { equipment, upstream, downstream } = outcome.value;
    return `<h3>Equipment</h3>${table([
      ["upstream", upstream.length], ["downstream", downstream.length],
      ...Object.entries(equipment.data ?? {}).slice(0, 8)
        .map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : v])])}`;
  }

  _readingsSection(gid, kinds, outcomes) {
    const rows = [];
    const errors = [];
    outcomes.forEach((outcome, i) => {
      if (outcome.error) errors.push(`${kinds[i]}: ${outcome.error}`);
      const reading = outcome.value?.spaces?.[gid];
      if (reading) {
        rows.push([kinds[i], `${Number(reading.value).toFixed(1)} ${
          outcome.value.unit ?? ""}  (${reading.last_updated ?? ""})`]);
      }
    });
    return `<h3>Latest readings</h3>${rows.length ? table(rows)
      : "<p class=\"sub\">no live data</p>"}${errors.map((e) =>
      `<p class="error">${escapeHtml(e)}</p>`).join("")}`;
  }

  _roomSection(outcome) {
    if (outcome.error) return failed("In this room", outcome);
    const detail = outcome.value;
    return `<h3>In this room</h3>${table([
      ["equipment", detail.equipment.length],
      ["doors", detail.doors.length],
      ["neighbours", detail.neighbours.map((n) => n.name).filter(Boolean).join(", ")],
    ])}`;
  }

  _allocationsSection(outcome) {
    if (outcome.error) return failed("Allocations", outcome);
    const items = outcome.value;
    return `<h3>Allocations</h3>${items.length ? `<ul>${items.map((a) =>
      `<li>${escapeHtml(a.name)} <span class="sub">${escapeHtml(a.person_id)}${
        a.start ? ` since ${escapeHtml(a.start)}` : ""}</span></li>`).join("")}</ul>`
      : "<p class=\"sub\">nobody</p>"}`;
  }

  _workOrdersSection(outcome) {
    if (outcome.error) return failed("Open work orders", outcome);
    const items = outcome.value;
    const label = (name, value) => this.access.label(name, value);
    return `<h3>Open work orders</h3>${items.length ? `<ul>${items.map((w) =>
      `<li>${escapeHtml(w.work_order_id ?? "")} ${escapeHtml(w.title ?? "")}`
      + ` <span class="sub">${escapeHtml(label("work_order_states", w.state))}, ${
        escapeHtml(label("work_order_priorities", w.priority))}</span></li>`).join("")}</ul>`
      : "<p class=\"sub\">none</p>"}`;
  }

  _assetsSection(outcome) {
    if (outcome.error) return failed("资产 Assets", outcome);
    const { items, total } = outcome.value;
    const label = (name, value) => this.access.label(name, value);
    return `<h3>资产 Assets (${total})</h3>${items.length ? `<ul class="assets">${items.map((a) =>
      `<li data-code="${escapeHtml(a.code)}">${escapeHtml(a.code)} ${escapeHtml(a.name)}${
        a.quantity > 1 ? ` ×${a.quantity}` : ""} <span class="sub">${escapeHtml(
        label("asset_states", a.state))}</span></li>`).join("")}</ul>${total > items.length
      ? `<p class="sub">${items.length} of ${total} shown</p>` : ""}`
      : "<p class=\"sub\">none</p>"}`;
  }

  /** The people allocated to room `gid`, as {value} or {error}. */
  async _allocationsOf(gid) {
    this._allocations ??= attempt(`/buildings/${this.building}/allocations`, CAN.readHousing);
    const outcome = await this._allocations;
    if (outcome.error) return outcome;
    const all = outcome.value;
    const names = new Map((all.people ?? []).map((p) => [p.person_id, p.name]));
    return { value: (all.assignments ?? []).filter((a) => a.space === gid)
      .map((a) => ({ ...a, name: names.get(a.person_id) ?? a.person_id })) };
  }
}
