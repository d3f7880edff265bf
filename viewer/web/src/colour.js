// Colour modes for the rooms, with a legend: compliance verdicts, alarm severity, and a
// reading per room (temperature, CO2, occupancy) on a colour scale, live from the push stream
// and replayable over a day with the time slider. Verdict and severity colours and labels
// come from the server's vocabularies (access.js), never from a copy here.
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
const UNKNOWN_COLOUR = "#999999";

/** The scale colour of `value` between `min` and `max` (clamped). */
export function scaleColour(value, min, max) {
  const t = Math.min(1, Math.max(0, (value - min) / (max - min || 1)));
  const x = t * (SCALE_STOPS.length - 1);
  const i = Math.min(SCALE_STOPS.length - 2, Math.floor(x));
  return new THREE.Color(SCALE_STOPS[i]).lerp(new THREE.Color(SCALE_STOPS[i + 1]), x - i);
}

function gradientCss() {
  return `linear-gradient(to right, ${SCALE_STOPS.join(", ")})`;
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
