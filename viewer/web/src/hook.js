// The test hook `window.twinViewer`: read-only state and a few actions, for the browser tests
// (tests/test_web_viewer.py) and the benchmark (bench/web_viewer.py). Its members are listed
// in viewer/web/README.md; keep them stable.
import * as THREE from "three";
import { SPACE, threeToIfc } from "./scene.js";
import { EYE_HEIGHT } from "./walk.js";

/**
 * The hook as it is before the building loads, and `markReady(ms)` to call at the first
 * frame (which resolves `ready`).
 */
export function createHook() {
  let resolveReady;
  const hook = {
    ready: new Promise((resolve) => { resolveReady = resolve; }),
    isReady: false,
    firstFrameMs: null,
    error: null,
    timings: {},
  };
  const markReady = (ms) => {
    hook.firstFrameMs = ms;
    hook.isReady = true;
    resolveReady(ms);
  };
  window.twinViewer = hook;
  return { hook, markReady };
}

function countNodes(root) {
  let n = 0;
  root.traverse(() => { n += 1; });
  return n;
}

/** A snapshot of the viewer's state (camera position in IFC metres, z up). */
function stateOf({ id, viewer, colouring, panelElement }) {
  const b = viewer.building3d;
  const walker = viewer.walker;
  return {
    building: id,
    elementCount: b.elements.size,
    nodeCount: countNodes(b.model),
    batched: b.batches.summary(),
    roomCount: b.spaces.length,
    storeys: b.storeyList().map(({ global_id, name, elevation }) =>
      ({ global_id, name, elevation })),
    visibleStoreys: b.visibleStoreys(),
    isolated: b.isolated,
    camera: threeToIfc(viewer.camera.position),
    heading: THREE.MathUtils.radToDeg(walker.yaw),
    selected: viewer.selected,
    panelRoom: panelElement.dataset.roomNumber ?? null,
    colourMode: colouring.mode,
    walking: walker.active,
    explode: b.explodeGap,
    section: b.sectionEnabled ? b.sectionPlane.constant : null,
    xray: b.xray,
    hiddenClasses: [...b.hiddenClasses],
    classes: Object.fromEntries([...b.classes].map(([c, n]) => [c, n.length])),
    liveMessages: colouring.liveMessages,
    routePoints: walker.routeLine ? walker.routeLine.geometry.attributes.position.count : 0,
  };
}

/** Display actions; each refreshes the sidebar so that it shows what the scene shows. */
function displayActions({ viewer, ui }) {
  const b = viewer.building3d;
  const then = (action) => (...args) => { action(...args); ui.refresh(); };
  return {
    isolateStorey: then((gid) => b.isolateStorey(gid)),
    setClassVisible: then((cls, on) => b.setClassVisible(cls, on)),
    explode: then((gap) => b.explode(gap)),
    section: then((height) => b.setSection(height)),
    xray: then((on) => b.setXray(on)),
    fitView: () => viewer.fitView(0),
    /** Look straight down on the visible elements (or one storey's). */
    viewFromTop: () => viewer.viewFromTop(viewer.visibleBox()),
  };
}

/** Selection, colours and screen positions. */
function selectionActions({ viewer, colouring, ui }) {
  const b = viewer.building3d;
  return {
    pick: (gid) => { viewer.select(gid); return viewer.selected; },
    selectRoom: (number) => {
      const room = b.spaceByNumber(number);
      if (room?.userData.storey) {
        b.isolateStorey(room.userData.storey);
        ui.refresh();
      }
      viewer.select(room?.userData.global_id ?? null);
      if (room) viewer.flyTo(new THREE.Box3().setFromObject(room), 0);
      return viewer.selected;
    },
    colourBy: (mode, at = null) => colouring.setMode(mode, at).then(() => ui.refresh()),
    roomColours: () => b.roomColours(),
    /** Screen point (CSS px) of the middle of an element's box. */
    screenPoint: (gid) => {
      const box = b.boxOf(gid);
      return box ? viewer.project(box.getCenter(new THREE.Vector3())) : null;
    },
  };
}

/** Walkthrough: stairs, walk, tour and route. */
function navigationActions({ viewer, navigation }) {
  return {
    stairs: () => viewer.building3d.stairs.map((s) => ({ global_id: s.userData.global_id,
      storey: s.userData.storey, name: s.userData.name })),
    startWalk: (options) => navigation.startWalk(options),
    stopWalk: () => navigation.stopWalk(),
    tour: (numbers) => navigation.tour(numbers),
    route: (from, to, followIt = true) => navigation.route(from, to, followIt),
    eyeHeight: EYE_HEIGHT,
    spaceClass: SPACE,
  };
}

/**
 * Give the hook its state and actions once the building is open. `parts`: {id, meta, viewer,
 * colouring, navigation, ui, panelElement}.
 */
export function installHook(hook, parts) {
  const { viewer } = parts;
  Object.assign(hook, {
    buildingId: parts.id,
    meta: parts.meta,
    invalidate: viewer.invalidate,
    /** rAF deltas (ms) of the last frames. */
    frameTimes: () => viewer.frameTimes.slice(),
    /** Turn the camera round the building continuously (for frame-time measurements). */
    spin: (on = true) => viewer.spin(on),
    state: () => stateOf(parts),
    ...displayActions(parts),
    ...selectionActions(parts),
    ...navigationActions(parts),
  });
}
