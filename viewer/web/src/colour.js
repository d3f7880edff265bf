// Colour modes for the rooms, with a legend: compliance verdicts, alarm severity, and a
// reading per room (temperature, CO2, occupancy) on a colour scale, live from the push stream
// and replayable over a day with the time slider; meeting-room states (会议室状态), energy
// intensity per storey (能耗强度, kWh/m²) and security (安防: doors by state, car parks as
// markers). Every mode paints through scene.setSpaceColours and fills the legend; state
// colours and labels come from the server's vocabularies (access.js), never from a copy here.
import * as THREE from "three";
import { describeFailure, getJson, socketUrl } from "./api.js";
import { bilingual, CAN } from "./access.js";
import { escapeHtml } from "./html.js";

/** Reading kinds a room can be coloured by, with the ends of their colour scale. */
export const READING_SCALES = {
  temperature: { label: "Temperature", min: 16, max: 28, unit: "°C" },
  co2: { label: "CO₂", min: 400, max: 1600, unit: "ppm" },
  occupancy: { label: "Occupancy", min: 0, max: 10, unit: "persons" },
};

const SCALE_STOPS = ["#313695", "#4575b4", "#abd9e9", "#ffffbf", "#fdae61", "#d73027", "#a50026"];
/** A sequential scale (light to dark, ColorBrewer YlOrRd) for energy intensity. */
export const SEQUENTIAL_STOPS = ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c",
  "#f03b20", "#bd0026"];
const UNKNOWN_COLOUR = "#999999";

/** The scale colour of `value` between `min` and `max` (clamped). */
export function scaleColour(value, min, max, stops = SCALE_STOPS) {
  const t = Math.min(1, Math.max(0, (value - min) / (max - min || 1)));
  const x = t * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  return new THREE.Color(stops[i]).lerp(new THREE.Color(stops[i + 1]), x - i);
}

/** A round number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10ⁿ) at or above `value`. */
export function niceCeiling(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((m) => m * power >= value * 0.9999);
  return Number((step * power).toPrecision(6));
}

function gradientCss(stops = SCALE_STOPS) {
  return `linear-gradient(to right, ${stops.join(", ")})`;
}

function legendRow(colour, text) {
  return `<div class="legend-row"><span class="swatch" style="background:${escapeHtml(
    colour)}"></span>${escapeHtml(text)}</div>`;
}

/** Per room, the most severe of its alarms (severity order: the vocabulary's, worst last). */
export function worstSeverities(alarms, severities) {
  const rank = (value) => severities.findIndex((c) => c.value === value);
  const worst = new Map();
  for (const alarm of alarms) {
    const space = alarm.space_global_id;
    if (!space) continue;
    const previous = worst.get(space);
    if (previous === undefined || rank(alarm.severity) > rank(previous)) {
      worst.set(space, alarm.severity);
    }
  }
  return worst;
}

/** The colour modes of one building; paints the scene's rooms and fills the legend. */
export class Colouring {
  constructor(buildingId, scene, legendElement, statusElement, access) {
    this.building = buildingId;
    this.scene = scene;
    this.legend = legendElement;
    this.status = statusElement;
    this.access = access;
    this.mode = "none";
    this.values = new Map(); // space gid -> latest value, reading modes
    this.socket = null;
    this.kinds = new Set(); // reading kinds that have devices in this building
    this.probed = null;
    this.liveMessages = 0;
    this.at = null; // ISO time of the replayed state, or null for now
    this.unit = "";
  }

  /** The kinds of devices in the building (once), so that readings are asked only of them. */
  probe() {
    this.probed ??= this._probe();
    return this.probed;
  }

  async _probe() {
    if (!this.access.can(CAN.readReadings)) return;
    try {
      const devices = await getJson(`/buildings/${this.building}/devices`);
      this.kinds = new Set(devices.map((d) => d.kind));
    } catch (error) {
      this.message(`devices: ${describeFailure(error, CAN.readReadings)}`);
    }
  }

  async setMode(mode, at = null) {
    await this.probe();
    this.mode = mode;
    this.at = at;
    this._closeSocket();
    this.values.clear();
    this.message("");
    if (mode === "none") return this._clear();
    if (mode === "compliance") return this._compliance();
    if (mode === "alarms") return this._alarms();
    if (mode === "meetings") return this._meetings();
    if (mode === "energy") return this._energy();
    if (mode === "security") return this._security();
    if (READING_SCALES[mode]) return this._readings(mode, at);
    throw new Error(`unknown colour mode ${mode}`);
  }

  /** Whether rooms can have readings of `kind` (the user reads them; devices of the kind). */
  hasKind(kind) {
    return this.access.can(CAN.readReadings) && this.kinds.has(kind);
  }

  message(text) {
    if (this.status) this.status.textContent = text;
  }

  _clear(legend = "") {
    this.scene.setSpaceColours(new Map());
    this.scene.setMarkers([]);
    this.legend.innerHTML = legend;
  }

  /** A refused or failed call: no colours, and the reason in the status line. */
  _refused(what, error, capability) {
    this._clear();
    this.message(`${what}: ${describeFailure(error, capability)}`);
  }

  async _compliance() {
    let report;
    try {
      report = await getJson(`/buildings/${this.building}/compliance`);
    } catch (error) {
      this._refused("compliance", error, CAN.readHousing);
      return;
    }
    if (this.mode !== "compliance") return;
    const verdicts = this.access.choices("verdicts");
    const colours = new Map();
    for (const room of report.rooms) {
      const colour = this.access.choice("verdicts", room.verdict)?.colour;
      if (colour) colours.set(room.global_id, new THREE.Color(colour));
    }
    this.scene.setSpaceColours(colours);
    this.legend.innerHTML = `<div class="legend-title">合规检查 Compliance ${escapeHtml(
      report.day)}</div>` + verdicts.map((v) =>
      legendRow(v.colour, `${bilingual(v)} (${report.counts[v.value] ?? 0})`)).join("");
  }

  async _alarms() {
    let alarms;
    try {
      alarms = await getJson(`/buildings/${this.building}/alarms?state=open&roots_only=false`);
    } catch (error) {
      this._refused("alarms", error, CAN.readMaintenance);
      return;
    }
    if (this.mode !== "alarms") return;
    const severities = this.access.choices("alarm_severities");
    const worst = worstSeverities(alarms, severities);
    this.scene.setSpaceColours(new Map([...worst].map(([gid, severity]) => [gid,
      new THREE.Color(this.access.choice("alarm_severities", severity)?.colour
        ?? UNKNOWN_COLOUR)])));
    this.legend.innerHTML = `<div class="legend-title">告警 Alarms (${alarms.length})</div>`
      + severities.slice().reverse().map((s) => legendRow(s.colour, bilingual(s))).join("");
  }

  /** Colours of `items` by their state in vocabulary `name`: gid -> THREE.Color, counts. */
  _byState(items, name, gidOf, stateOf) {
    const colours = new Map();
    const counts = {};
    for (const item of items) {
      const state = stateOf(item);
      counts[state] = (counts[state] ?? 0) + 1;
      colours.set(gidOf(item), new THREE.Color(this.access.choice(name, state)?.colour
        ?? UNKNOWN_COLOUR));
    }
    return { colours, counts };
  }

  /** Legend rows of vocabulary `name`, each with its count. */
  _stateRows(name, counts) {
    return this.access.choices(name).map((c) =>
      legendRow(c.colour, `${bilingual(c)} (${counts[c.value] ?? 0})`)).join("");
  }

  async _meetings() {
    let states;
    try {
      states = await getJson(`/buildings/${this.building}/meeting-rooms/states`);
    } catch (error) {
      this._refused("meetings", error, CAN.readMeetings);
      return;
    }
    if (this.mode !== "meetings") return;
    const { colours, counts } = this._byState(states, "meeting_room_states",
      (s) => s.global_id, (s) => s.state);
    this.scene.setSpaceColours(colours);
    this.legend.innerHTML = `<div class="legend-title">会议室状态 Meeting rooms (${
      states.length})</div>${this._stateRows("meeting_room_states", counts)}`;
  }

  async _energy() {
    let summary;
    try {
      summary = await getJson(`/buildings/${this.building}/energy/summary`
        + "?group_by=storey&interval=month");
    } catch (error) {
      this._refused("energy", error, CAN.readEnergy);
      return;
    }
    if (this.mode !== "energy") return;
    const perStorey = new Map(summary.groups.filter((g) => Number.isFinite(g.per_m2)
      && this.scene.storeys.has(g.key)).map((g) => [g.key, g.per_m2]));
    const max = niceCeiling(Math.max(0, ...perStorey.values()));
    const colours = new Map();
    for (const space of this.scene.spaces) {
      const value = perStorey.get(space.userData.storey);
      if (value !== undefined) {
        colours.set(space.userData.global_id, scaleColour(value, 0, max, SEQUENTIAL_STOPS));
      }
    }
    this.scene.setSpaceColours(colours);
    const rows = this.scene.storeyList().filter((s) => perStorey.has(s.global_id)).reverse()
      .map((s) => legendRow(`#${scaleColour(perStorey.get(s.global_id), 0, max,
        SEQUENTIAL_STOPS).getHexString()}`, `${s.name}: ${perStorey.get(s.global_id).toFixed(1)}`));
    this.legend.innerHTML = `<div class="legend-title">能耗强度 Energy intensity (${escapeHtml(
      summary.unit)}/m²)</div><div class="legend-row sub">按楼层 per storey, ${escapeHtml(
      summary.start)} – ${
      escapeHtml(summary.end)}</div>`
      + `<div class="scale" style="background:${gradientCss(SEQUENTIAL_STOPS)}"></div>`
      + `<div class="scale-ends"><span>0</span><span>${max}</span></div>`
      + (rows.length ? rows.slice(0, 16).join("")
        : "<div class=\"legend-row\">no storey has its own meters</div>")
      + (rows.length > 16 ? `<div class="legend-row sub">… ${rows.length - 16} more</div>` : "");
  }

  async _security() {
    let doors;
    let carParks;
    try {
      [doors, carParks] = await Promise.all([
        getJson(`/buildings/${this.building}/security/doors`),
        getJson(`/buildings/${this.building}/car-parks`)]);
    } catch (error) {
      this._refused("security", error, CAN.readSecurity);
      return;
    }
    if (this.mode !== "security") return;
    const { colours, counts } = this._byState(doors, "security_door_states",
      (d) => d.door, (d) => d.state);
    this.scene.setSpaceColours(colours);
    this.scene.setMarkers([...doors.map((d) => ({ gid: d.door, title: d.devices.join(", "),
      html: legendRow(this.access.choice("security_door_states", d.state)?.colour
        ?? UNKNOWN_COLOUR, `${d.name ?? d.door} ${this.access.label("security_door_states",
        d.state)} · ${d.lock}`) })),
    ...carParks.filter((p) => p.space).map((p) => ({
      gid: p.space, title: p.name, html: this._carParkHtml(p) }))]);
    this.legend.innerHTML = `<div class="legend-title">安防 Security: 门 doors (${
      doors.length})</div>${this._stateRows("security_door_states", counts)}`
      + carParks.map((p) => `<div class="legend-title">${escapeHtml(p.name)}</div>`
        + this._carParkHtml(p)).join("");
  }

  /** A car park's bay counts as swatch rows (the legend and its marker in the scene). */
  _carParkHtml(carPark) {
    return this.access.choices("parking_bay_states")
      .filter((c) => carPark.counts[c.value])
      .map((c) => legendRow(c.colour, `${bilingual(c)} ${carPark.counts[c.value]}/${
        carPark.counts.total}`)).join("");
  }

  _readingLabel(kind) {
    const choice = this.access.choice("device_kinds", kind);
    return choice ? bilingual(choice) : READING_SCALES[kind].label;
  }

  async _readings(kind, at) {
    if (!this.hasKind(kind)) {
      this._clear(`<div class="legend-title">${escapeHtml(this._readingLabel(kind))}</div>`
        + "<div class=\"legend-row\">no live data</div>");
      this.message(this.access.can(CAN.readReadings) ? `no ${kind} devices in this building`
        : `无权限: 需要 ${CAN.readReadings} / not allowed`);
      return;
    }
    const query = at ? `&at=${encodeURIComponent(at)}` : "";
    let state;
    try {
      state = await getJson(`/buildings/${this.building}/state/spaces?kind=${kind}${query}`);
    } catch (error) {
      this._refused(kind, error, CAN.readReadings);
      return;
    }
    if (this.mode !== kind) return;
    this.unit = state.unit ?? READING_SCALES[kind].unit;
    for (const [gid, reading] of Object.entries(state.spaces ?? {})) {
      if (Number.isFinite(reading?.value)) this.values.set(gid, reading.value);
    }
    this._paintReadings(kind);
    this.message(at ? `replaying ${at}` : "live");
    if (!at) this._openSocket(kind);
  }

  _paintReadings(kind) {
    const scale = READING_SCALES[kind];
    const colours = new Map();
    for (const [gid, value] of this.values) {
      colours.set(gid, scaleColour(value, scale.min, scale.max));
    }
    this.scene.setSpaceColours(colours);
    this.legend.innerHTML = `<div class="legend-title">${escapeHtml(this._readingLabel(kind))}`
      + ` (${escapeHtml(this.unit)})${this.at ? " at " + this.at.slice(11, 16) : ""}</div>`
      + `<div class="scale" style="background:${gradientCss()}"></div>`
      + `<div class="scale-ends"><span>${scale.min}</span><span>${scale.max}</span></div>`
      + `<div class="legend-row">${this.values.size} rooms with readings</div>`;
  }

  _openSocket(kind) {
    let socket;
    try {
      socket = new WebSocket(socketUrl(`/buildings/${this.building}/stream?kind=${kind}`));
    } catch {
      return;
    }
    this.socket = socket;
    socket.addEventListener("message", (event) => this._onMessage(event, kind));
    socket.addEventListener("close", () => {
      if (this.socket === socket) this.socket = null;
    });
  }

  _onMessage(event, kind) {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    this.liveMessages += 1;
    if (message.type === "state" && message.kind === kind && message.space
      && Number.isFinite(message.value) && this.mode === kind && !this.at) {
      this.values.set(message.space, message.value);
      this._scheduleRepaint(kind);
    } else if (message.type === "alarm" && this.mode === "alarms") {
      this._alarms();
    }
  }

  _scheduleRepaint(kind) {
    if (this._repaint) return;
    this._repaint = setTimeout(() => {
      this._repaint = null;
      if (this.mode === kind) this._paintReadings(kind);
    }, 250);
  }

  _closeSocket() {
    if (this.socket) {
      const socket = this.socket;
      this.socket = null;
      socket.close();
    }
  }
}
