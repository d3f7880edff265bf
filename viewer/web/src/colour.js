// Colour modes for the rooms, with a legend: compliance verdicts, alarm severity, and a
// reading per room (temperature, CO2, occupancy) on a colour scale, live from the push stream
// and replayable over a day with the time slider.
import * as THREE from "three";
import { findEndpoint, getJson, getOptional, role, socketUrl } from "./api.js";

export const VERDICT_COLOURS = {
  compliant: "#1a9850",
  over: "#d73027",
  shared_over: "#f46d43",
  vacant: "#91bfdb",
  not_office_space: "#984ea3",
};

export const SEVERITY_COLOURS = {
  critical: "#b2182b", high: "#d73027", major: "#f46d43", medium: "#fdae61",
  minor: "#fee090", low: "#fee090", warning: "#fee090", info: "#abd9e9",
};

/** Reading kinds a room can be coloured by, with the ends of their colour scale. */
export const READING_SCALES = {
  temperature: { label: "Temperature", min: 16, max: 28, unit: "°C" },
  co2: { label: "CO₂", min: 400, max: 1600, unit: "ppm" },
  occupancy: { label: "Occupancy", min: 0, max: 10, unit: "persons" },
};

const SCALE_STOPS = ["#313695", "#4575b4", "#abd9e9", "#ffffbf", "#fdae61", "#d73027", "#a50026"];

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

/** The colour modes of one building; `apply(colours)` paints the scene. */
export class Colouring {
  constructor(buildingId, scene, legendElement, statusElement) {
    this.building = buildingId;
    this.scene = scene;
    this.legend = legendElement;
    this.status = statusElement;
    this.mode = "none";
    this.values = new Map(); // space gid -> latest value, reading modes
    this.socket = null;
    this.alarmsAvailable = false;
    this.probed = null;
    this.alarmsPath = null;
    this.statePath = null;
    this.streamPath = null;
    this.liveMessages = 0;
    this.at = null; // ISO time of the replayed state, or null for now
    this.unit = "";
  }

  /** Probe optional endpoints (alarms) so that unavailable modes can be hidden. */
  probe() {
    this.probed ??= this._probe();
    return this.probed;
  }

  async _probe() {
    this.alarmsPath = await findEndpoint(/^\/alarms$/);
    this.statePath = await findEndpoint(/^\/state\/spaces$/);
    // WebSockets are not in the OpenAPI document: the stream comes with the state endpoint.
    this.streamPath = this.statePath;
    const devicesPath = await findEndpoint(/^\/devices$/);
    const devices = devicesPath === null || this.statePath === null ? null
      : await getOptional(`/buildings/${this.building}/devices`).catch(() => null);
    // Kinds with devices (others would answer 404); null: unknown, try them all.
    this.kinds = Array.isArray(devices) ? new Set(devices.map((d) => d.kind)) : null;
    this.alarmsAvailable = this.alarmsPath !== null;
    return { alarms: this.alarmsAvailable };
  }

  async setMode(mode, at = null) {
    await this.probe();
    this.mode = mode;
    this.at = at;
    this._closeSocket();
    this.values.clear();
    this.message("");
    if (mode === "none") {
      this.scene.setSpaceColours(new Map());
      this.legend.innerHTML = "";
      return;
    }
    if (mode === "compliance") return this._compliance();
    if (mode === "alarms") return this._alarms();
    if (READING_SCALES[mode]) return this._readings(mode, at);
    throw new Error(`unknown colour mode ${mode}`);
  }

  /** Whether rooms can have readings of `kind` (a state endpoint and devices of that kind). */
  hasKind(kind) {
    return this.statePath !== null && (!this.kinds || this.kinds.has(kind));
  }

  message(text) {
    if (this.status) this.status.textContent = text;
  }

  async _compliance() {
    let report;
    if (!["admin", "housing_officer", "manager"].includes(role())) {
      this.scene.setSpaceColours(new Map());
      this.legend.innerHTML = "";
      this.message("compliance: for housing officers and managers");
      return;
    }
    try {
      report = await getJson(`/buildings/${this.building}/compliance`);
    } catch (error) {
      this.scene.setSpaceColours(new Map());
      this.legend.innerHTML = "";
      this.message(error.status === 403 ? "compliance: not allowed for this role"
        : `compliance: ${error.message}`);
      return;
    }
    const colours = new Map();
    for (const room of report.rooms) {
      const colour = VERDICT_COLOURS[room.verdict];
      if (colour) colours.set(room.global_id, new THREE.Color(colour));
    }
    this.scene.setSpaceColours(colours);
    this.legend.innerHTML = `<div class="legend-title">Compliance ${report.day}</div>`
      + Object.entries(VERDICT_COLOURS).map(([verdict, colour]) =>
        `<div class="legend-row"><span class="swatch" style="background:${colour}"></span>`
        + `${verdict.replaceAll("_", " ")} (${report.counts[verdict] ?? 0})</div>`).join("");
  }

  async _alarms() {
    const body = this.alarmsPath === null ? null
      : await getOptional(`/buildings/${this.building}/alarms?state=open&roots_only=false`);
    if (!body) {
      this.message("alarms: not available on this server");
      return;
    }
    const items = Array.isArray(body) ? body : (body.items ?? body.alarms ?? []);
    const rank = Object.keys(SEVERITY_COLOURS);
    const worst = new Map();
    for (const alarm of items) {
      const space = alarm.space_global_id ?? alarm.space;
      if (!space) continue;
      const sev = String(alarm.severity ?? "warning").toLowerCase();
      const previous = worst.get(space);
      if (!previous || rank.indexOf(sev) < rank.indexOf(previous)) worst.set(space, sev);
    }
    this.scene.setSpaceColours(new Map([...worst].map(([gid, sev]) =>
      [gid, new THREE.Color(SEVERITY_COLOURS[sev] ?? "#fee090")])));
    this.legend.innerHTML = `<div class="legend-title">Alarms (${items.length})</div>`
      + Object.entries(SEVERITY_COLOURS).map(([sev, colour]) =>
        `<div class="legend-row"><span class="swatch" style="background:${colour}"></span>`
        + `${sev}</div>`).join("");
  }

  async _readings(kind, at) {
    const scale = READING_SCALES[kind];
    const query = at ? `&at=${encodeURIComponent(at)}` : "";
    const state = this.statePath === null || !this.hasKind(kind) ? null : await getOptional(
      `/buildings/${this.building}/state/spaces?kind=${kind}${query}`).catch(() => null);
    if (!state) {
      this.scene.setSpaceColours(new Map());
      this.legend.innerHTML = `<div class="legend-title">${scale.label}</div>`
        + "<div class=\"legend-row\">no live data</div>";
      this.message("no live data");
      return;
    }
    this.unit = state.unit ?? scale.unit;
    for (const [gid, reading] of Object.entries(state.spaces ?? {})) {
      if (Number.isFinite(reading?.value)) this.values.set(gid, reading.value);
    }
    this._paintReadings(kind);
    this.message(at ? `replaying ${at}` : "live");
    if (!at && this.streamPath !== null) this._openSocket(kind);
  }

  _paintReadings(kind) {
    const scale = READING_SCALES[kind];
    const colours = new Map();
    for (const [gid, value] of this.values) {
      colours.set(gid, scaleColour(value, scale.min, scale.max));
    }
    this.scene.setSpaceColours(colours);
    this.legend.innerHTML = `<div class="legend-title">${scale.label} (${this.unit})`
      + `${this.at ? " at " + this.at.slice(11, 16) : ""}</div>`
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
    socket.addEventListener("message", (event) => {
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
    });
    socket.addEventListener("close", () => {
      if (this.socket === socket) this.socket = null;
    });
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
