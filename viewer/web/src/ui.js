// The sidebar: search, view options, storeys, classes, colour modes, walkthrough controls.
// Controls marked `data-needs="capability"` in index.html show only to users who have it.
import * as THREE from "three";
import { applyCapabilities } from "./access.js";
import { READING_SCALES } from "./colour.js";
import { escapeHtml } from "./html.js";

const $ = (id) => document.getElementById(id);

/** The replay instant of slider position `step` (quarter-hours of today; 96 = now). */
export function replayInstant(step) {
  if (step >= 96) return null;
  const day = new Date();
  day.setHours(0, 0, 0, 0);
  return new Date(day.getTime() + step * 15 * 60 * 1000).toISOString();
}

/** Storeys: click isolates one, "All storeys" shows them all; returns the renderer. */
function wireStoreys(v, refresh) {
  const b = v.building3d;
  const storeys = $("storeys");
  storeys.addEventListener("click", (e) => {
    const row = e.target.closest(".storey-row");
    if (!row) return;
    b.isolateStorey(row.dataset.gid || null);
    refresh();
    v.fitView();
  });
  return () => {
    storeys.innerHTML = `<div class="storey-row${b.isolated ? "" : " active"}" data-gid="">`
      + "All storeys</div>"
      + b.storeyList().slice().reverse().map((s) => `<div class="storey-row${
        b.isolated === s.global_id ? " active" : ""}" data-gid="${escapeHtml(s.global_id)}">`
        + `<span>${escapeHtml(s.name)}</span><span class="sub">${s.elevation.toFixed(1)} m`
        + "</span></div>").join("");
  };
}

/** Classes: a check box per IFC class; returns the renderer. */
function wireClasses(v) {
  const b = v.building3d;
  const classes = $("classes");
  classes.addEventListener("change", (e) => {
    const cls = e.target.dataset.cls;
    if (cls) b.setClassVisible(cls, e.target.checked);
  });
  return () => {
    classes.innerHTML = [...b.classes].sort(([a], [c]) => a.localeCompare(c))
      .map(([cls, nodes]) => `<label><input type="checkbox" data-cls="${escapeHtml(cls)}"${
        b.hiddenClasses.has(cls) ? "" : " checked"}> ${escapeHtml(cls.replace(/^Ifc/, ""))} `
        + `<span class="sub">${nodes.length}</span></label>`).join("");
  };
}

/** Fit, x-ray, explode and the section plane. */
function wireView(v) {
  const b = v.building3d;
  $("fit").addEventListener("click", () => v.fitView());
  $("xray").addEventListener("change", (e) => b.setXray(e.target.checked));
  $("explode").addEventListener("input", (e) => b.explode(Number(e.target.value)));
  $("explode").addEventListener("change", () => v.fitView());
  const sectionHeight = () => {
    const t = Number($("section").value);
    const box = new THREE.Box3().setFromObject(b.root);
    return box.min.y + t * (box.max.y - box.min.y);
  };
  const applySection = () => b.setSection($("section-on").checked ? sectionHeight() : null);
  $("section-on").addEventListener("change", applySection);
  $("section").addEventListener("input", () => {
    $("section-on").checked = true;
    applySection();
  });
}

/** Colour modes and the replay slider. */
function wireColour(v) {
  const modeSelect = $("colour-mode");
  const timeSlider = $("time");
  const showTime = (at) => {
    $("time-label").textContent = at ? at.slice(11, 16) + " UTC" : "now";
  };
  const applyColour = async () => {
    const at = READING_SCALES[modeSelect.value] ? replayInstant(Number(timeSlider.value)) : null;
    showTime(at);
    try {
      await v.colouring.setMode(modeSelect.value, at);
    } catch (error) {
      $("colour-status").textContent = error.message;
    }
  };
  modeSelect.addEventListener("change", applyColour);
  timeSlider.addEventListener("change", applyColour);
  timeSlider.addEventListener("input", () => showTime(replayInstant(Number(timeSlider.value))));
}

/** Room search: shows the room's storey alone and flies to the room. */
function wireSearch(v, refresh, message) {
  const b = v.building3d;
  $("room-names").innerHTML = b.spaces.slice(0, 2000).map((s) =>
    `<option value="${escapeHtml(s.userData.number ?? "")}">${escapeHtml(
      s.userData.long_name ?? s.userData.name ?? "")}</option>`).join("");
  $("search").addEventListener("submit", (e) => {
    e.preventDefault();
    const room = b.spaceByNumber($("search-input").value);
    if (!room) {
      message(`no room ${$("search-input").value}`);
      return;
    }
    if (room.userData.storey && b.isolated !== room.userData.storey) {
      b.isolateStorey(room.userData.storey); // rooms are inside: show their storey alone
      refresh();
    }
    v.select(room.userData.global_id);
    v.flyTo(new THREE.Box3().setFromObject(room));
  });
}

/** Walk, tour and route buttons; failures are told in the walk status line. */
function wireWalk(v, message) {
  $("walk").addEventListener("click", () => v.startWalk());
  $("tour").addEventListener("click", () => {
    const numbers = $("tour-rooms").value.split(",").map((n) => n.trim()).filter(Boolean);
    try {
      v.tour(numbers).catch((error) => message(error.message));
    } catch (error) {
      message(error.message);
    }
  });
  $("route").addEventListener("click", () => {
    v.route($("route-from").value, $("route-to").value).catch((error) => message(error.message));
  });
}

/**
 * Wire the sidebar to the viewer (`v`: building3d, colouring, access and the actions
 * fitView, flyTo, select, startWalk, tour, route); returns {refresh}.
 */
export function buildSidebar(v) {
  const message = (text) => { $("walk-status").textContent = text; };
  const modeSelect = $("colour-mode");
  const refresh = () => {
    renderStoreys();
    renderClasses();
    $("xray").checked = v.building3d.xray;
    $("explode").value = String(v.building3d.explodeGap);
    $("section-on").checked = v.building3d.sectionEnabled;
    if (modeSelect.value !== v.colouring.mode) modeSelect.value = v.colouring.mode;
  };
  const renderStoreys = wireStoreys(v, refresh);
  const renderClasses = wireClasses(v);
  wireView(v);
  wireColour(v);
  wireSearch(v, refresh, message);
  wireWalk(v, message);
  applyCapabilities($("sidebar"), v.access);
  refresh();
  return { refresh };
}
