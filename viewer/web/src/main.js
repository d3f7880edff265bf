// The web viewer: sign-in, the building's scene, controls and the test hook.
//
// Test hook (read-only state and a few actions; see viewer/web/README.md): window.twinViewer.
import * as THREE from "three";
import { OrbitControls } from "three/examples/jsm/controls/OrbitControls.js";
import { CSS2DRenderer } from "three/examples/jsm/renderers/CSS2DRenderer.js";
import {
  ApiError, findEndpoint, getBinary, getJson, getOptional, rememberRole, role, signIn, signOut, token,
} from "./api.js";
import { BuildingScene, ifcToThree, ownElement, parseGlb, SPACE, threeToIfc } from "./scene.js";
import { Colouring } from "./colour.js";
import { Panel } from "./panel.js";
import { EYE_HEIGHT, Walker } from "./walk.js";
import { buildSidebar } from "./ui.js";

const $ = (id) => document.getElementById(id);
const FRAME_SAMPLES = 1000;

let resolveReady;
const hook = {
  ready: new Promise((resolve) => { resolveReady = resolve; }),
  isReady: false,
  firstFrameMs: null,
  error: null,
  timings: {},
};
window.twinViewer = hook;

/** True when WebGL runs on a CPU rasteriser (SwiftShader, llvmpipe): no multisampling then. */
function softwareRenderer() {
  const gl = document.createElement("canvas").getContext("webgl2");
  if (!gl) return false;
  const info = gl.getExtension("WEBGL_debug_renderer_info");
  const name = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : "";
  gl.getExtension("WEBGL_lose_context")?.loseContext();
  hook.renderer = name;
  return /swiftshader|llvmpipe|softpipe|software/i.test(name);
}

function fail(message) {
  hook.error = message;
  $("message").textContent = message;
}

async function login() {
  const form = $("login");
  form.hidden = false;
  form.username?.focus();
  return new Promise((resolve) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      $("login-error").textContent = "";
      try {
        await signIn(form.username.value, form.password.value);
        form.hidden = true;
        resolve();
      } catch (error) {
        $("login-error").textContent = error.message;
      }
    });
  });
}

async function chooseBuilding() {
  const wanted = new URLSearchParams(location.search).get("building");
  if (wanted) return getJson(`/buildings/${encodeURIComponent(wanted)}`);
  const page = await getJson("/buildings?limit=1");
  if (!page.items?.length) throw new Error("no building in the portfolio yet");
  return page.items[0];
}

async function start() {
  for (;;) {
    if (!token()) await login();
    try {
      const [building, me] = await Promise.all([chooseBuilding(),
        role() ? null : getJson("/auth/me")]);
      if (me) rememberRole(me.role);
      await open(building);
      return;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        signOut();
        continue;
      }
      fail(error.message);
      return;
    }
  }
}

async function open(building) {
  const id = building.id;
  $("building-name").textContent = building.name;
  const [buffer, meta] = await Promise.all([
    getBinary(`/buildings/${id}/scene.glb`),
    getOptional(`/buildings/${id}/scene/meta`).catch(() => null),
  ]);
  hook.timings.fetched = performance.now();
  const gltf = await parseGlb(buffer);
  hook.timings.parsed = performance.now();
  const scene = new THREE.Scene();
  scene.background = new THREE.Color(0xeef1f5);
  const building3d = new BuildingScene(gltf.scene);
  scene.add(building3d.root);
  scene.add(new THREE.HemisphereLight(0xffffff, 0x8a8f99, 2.2));
  const sun = new THREE.DirectionalLight(0xffffff, 1.4);
  sun.position.set(0.4, 1, 0.6);
  scene.add(sun);

  const viewport = $("viewport");
  const software = softwareRenderer();
  const renderer = new THREE.WebGLRenderer({ antialias: !software });
  renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
  renderer.localClippingEnabled = true; // the section plane
  renderer.setSize(window.innerWidth, window.innerHeight);
  viewport.appendChild(renderer.domElement);
  const labels = new CSS2DRenderer();
  labels.setSize(window.innerWidth, window.innerHeight);
  // its own stacking context: the labels' depth-ordered z-indices stay under the panels
  Object.assign(labels.domElement.style, { position: "absolute", top: "0", left: "0",
    pointerEvents: "none", zIndex: "1" });
  viewport.appendChild(labels.domElement);

  const size = building3d.bbox.getSize(new THREE.Vector3());
  const camera = new THREE.PerspectiveCamera(50, window.innerWidth / window.innerHeight,
    0.05, Math.max(1000, size.length() * 20));
  const controls = new OrbitControls(camera, renderer.domElement);
  controls.enableDamping = false;
  const walker = new Walker(camera, building3d, renderer.domElement);
  const colouring = new Colouring(id, building3d, $("legend"), $("colour-status"));
  let selected = null;
  const panel = new Panel($("panel"), id, (gid) => building3d.elements.get(gid)?.userData,
    (gid) => select(gid), colouring);

  let flight = null; // {from, to, fromTarget, toTarget, t}
  function flyTo(box, duration = 0.6) {
    const centre = box.getCenter(new THREE.Vector3());
    const radius = Math.max(box.getSize(new THREE.Vector3()).length() / 2, 2);
    const dir = camera.position.clone().sub(controls.target).normalize();
    if (!Number.isFinite(dir.x) || dir.lengthSq() < 0.5) dir.set(0.6, 0.7, 0.8).normalize();
    const distance = radius / Math.sin(THREE.MathUtils.degToRad(camera.fov / 2)) * 1.1;
    const to = centre.clone().addScaledVector(dir, distance);
    walker.stop();
    controls.enabled = true;
    flight = { from: camera.position.clone(), to, fromTarget: controls.target.clone(),
      toTarget: centre, t: duration > 0 ? 0 : 1, duration: Math.max(duration, 1e-3) };
    if (duration <= 0) finishFlight();
  }
  function finishFlight() {
    camera.position.copy(flight.to);
    controls.target.copy(flight.toTarget);
    controls.update();
    flight = null;
  }
  function fitView(duration = 0) {
    const visible = new THREE.Box3();
    for (const node of building3d.elements.values()) {
      if (node.visible) visible.expandByObject(node);
    }
    if (!visible.isEmpty()) {
      camera.position.copy(visible.getCenter(new THREE.Vector3()))
        .add(new THREE.Vector3(0.6, 0.7, 0.8));
      controls.target.copy(visible.getCenter(new THREE.Vector3()));
      flyTo(visible, duration);
    }
  }
  function viewFromTop(box) {
    const centre = box.getCenter(new THREE.Vector3());
    const size = box.getSize(new THREE.Vector3());
    const half = Math.max(size.x / camera.aspect, size.z) / 2;
    const distance = half / Math.tan(THREE.MathUtils.degToRad(camera.fov / 2)) * 1.15;
    walker.stop();
    flight = null;
    controls.target.copy(centre);
    camera.position.set(centre.x, box.max.y + distance, centre.z + 1e-3);
    controls.update();
  }

  function select(gid) {
    selected = gid && building3d.elements.has(gid) ? gid : null;
    highlight.visible = false;
    invalidate();
    if (!selected) {
      panel.clear();
      return;
    }
    const node = building3d.elements.get(selected);
    highlight.box.setFromObject(node);
    highlight.visible = true;
    panel.show(node.userData);
  }
  const highlight = new THREE.Box3Helper(new THREE.Box3(), 0xff8c00);
  highlight.visible = false;
  scene.add(highlight);

  // ---- picking with the mouse: a click (not a drag) picks ------------------------------
  const raycaster = new THREE.Raycaster();
  let down = null;
  renderer.domElement.addEventListener("pointerdown", (e) => { down = [e.clientX, e.clientY]; });
  renderer.domElement.addEventListener("pointerup", (e) => {
    if (!down || walker.active) return;
    const moved = Math.hypot(e.clientX - down[0], e.clientY - down[1]);
    down = null;
    if (moved > 4) return;
    const rect = renderer.domElement.getBoundingClientRect();
    const ndc = new THREE.Vector2(((e.clientX - rect.left) / rect.width) * 2 - 1,
      -((e.clientY - rect.top) / rect.height) * 2 + 1);
    raycaster.setFromCamera(ndc, camera);
    const hit = building3d.pick(raycaster);
    select(hit ? ownElement(hit).userData.global_id : null);
  });

  window.addEventListener("resize", () => {
    camera.aspect = window.innerWidth / window.innerHeight;
    camera.updateProjectionMatrix();
    renderer.setSize(window.innerWidth, window.innerHeight);
    labels.setSize(window.innerWidth, window.innerHeight);
    invalidate();
  });
  window.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && walker.active) stopWalk();
  });

  function startWalk(options = {}) {
    let feet;
    let yaw = 0;
    if (options.stair) {
      const foot = walker.stairStart(options.stair);
      if (!foot) throw new Error(`no stair ${options.stair}`);
      feet = foot.position;
      yaw = foot.yaw;
    } else if (options.at) {
      feet = ifcToThree(options.at);
      yaw = options.yaw ?? 0;
    } else {
      const room = options.room ? building3d.spaceByNumber(options.room)
        : (selected && building3d.elements.get(selected)) || building3d.spaces[0];
      const box = room ? new THREE.Box3().setFromObject(room) : building3d.bbox;
      feet = box.getCenter(new THREE.Vector3());
      feet.y = box.min.y;
    }
    flight = null;
    controls.enabled = false;
    walker.start(feet, yaw);
    $("walk-status").textContent = "walking: WASD/arrows, drag to look, Esc to stop";
  }
  function stopWalk() {
    walker.stop();
    walker.stopAnimation();
    controls.enabled = true;
    const ahead = new THREE.Vector3(0, 0, -5).applyQuaternion(camera.quaternion);
    controls.target.copy(camera.position).add(ahead);
    controls.update();
    $("walk-status").textContent = "";
  }

  function roomFeet(gid) {
    const node = building3d.elements.get(gid);
    if (!node) return null;
    const box = new THREE.Box3().setFromObject(node);
    const centre = box.getCenter(new THREE.Vector3());
    centre.y = box.min.y;
    return centre;
  }
  function tour(numbers) {
    const rooms = numbers.map((n) => building3d.spaceByNumber(n));
    const missing = numbers.filter((_n, i) => !rooms[i]);
    if (missing.length) throw new Error(`no room ${missing.join(", ")}`);
    const points = rooms.map((r) => roomFeet(r.userData.global_id));
    controls.enabled = false;
    return new Promise((resolve) => walker.follow(points, () => {
      stopWalk();
      resolve(points.map(threeToIfc));
    }));
  }
  async function route(fromNumber, toNumber, followIt = true) {
    // Rooms by number; anything else (equipment name such as AHU-02, a GlobalId) is passed
    // to the server's /route, which resolves it. No "from": the building entrance.
    const from = fromNumber ? building3d.spaceByNumber(fromNumber) : null;
    const to = building3d.spaceByNumber(toNumber);
    if (fromNumber && !from) throw new Error(`no room ${fromNumber}`);
    const target = to ? to.userData.global_id : String(toNumber ?? "").trim();
    if (!target) throw new Error("say where to: a room number or an equipment name");
    const q = `${from ? `from=${from.userData.global_id}&` : ""}to=${encodeURIComponent(target)}`;
    let points = null;
    const routePath = await findEndpoint(/^\/route$/);
    const routed = routePath === null ? null
      : await getOptional(`/buildings/${id}/route?${q}`).catch(() => null);
    if (routed?.polyline?.length) points = routed.polyline.map(ifcToThree);
    else if (routed?.steps?.length) {
      points = routed.steps.filter((s) => s.position).map((s) => ifcToThree(s.position));
    }
    if (!points) {
      if (!from || !to) throw new Error(`no route to ${target}`);
      const path = await getJson(`/buildings/${id}/path?${q}`);
      points = path.steps.map((s) => roomFeet(s.global_id)).filter(Boolean);
    }
    walker.drawRoute(points);
    $("walk-status").textContent = `route: ${points.length} points`;
    if (followIt) {
      controls.enabled = false;
      await new Promise((resolve) => walker.follow(points, resolve));
      stopWalk();
    }
    return points.map(threeToIfc);
  }

  // ---- the render loop -------------------------------------------------------------------
  // Drawn on demand: when the view or the scene changed, or while something moves; frame
  // times are the rAF deltas between two consecutive drawn frames.
  const frameTimes = [];
  let last = null;
  let drewLast = false;
  let dirty = 2;
  const invalidate = () => { dirty = Math.max(dirty, 2); };
  building3d.changed = invalidate;
  controls.addEventListener("change", invalidate);
  hook.invalidate = invalidate;
  fitView(0);
  function frame(now) {
    requestAnimationFrame(frame);
    const moving = walker.moving || flight || controls.autoRotate;
    if (!moving && dirty <= 0) {
      drewLast = false;
      last = now;
      return;
    }
    dirty -= 1;
    if (last !== null) {
      const dt = now - last;
      if (drewLast) {
        frameTimes.push(dt);
        if (frameTimes.length > FRAME_SAMPLES) frameTimes.shift();
      }
      walker.update(dt / 1000);
      if (flight) {
        flight.t = Math.min(1, flight.t + dt / 1000 / flight.duration);
        const s = flight.t * flight.t * (3 - 2 * flight.t);
        camera.position.lerpVectors(flight.from, flight.to, s);
        controls.target.lerpVectors(flight.fromTarget, flight.toTarget, s);
        if (flight.t >= 1) finishFlight();
      }
    }
    last = now;
    if (controls.enabled && !walker.active && (controls.autoRotate || flight === null)) {
      controls.update();
    }
    renderer.render(scene, camera);
    labels.render(scene, camera);
    drewLast = true;
    if (hook.firstFrameMs === null) {
      hook.firstFrameMs = performance.now();
      hook.isReady = true;
      resolveReady(hook.firstFrameMs);
    }
  }
  hook.timings.built = performance.now();
  requestAnimationFrame(frame);

  // Labels and the sidebar after the first frame is queued: they are not needed to draw it.
  building3d.buildLabels((gid) => select(gid));
  const ui = buildSidebar({ building3d, colouring, fitView: () => fitView(0.6), flyTo,
    select, startWalk, stopWalk, tour, route, meta });
  colouring.probe().then(({ alarms }) => ui.showAlarmsMode(alarms));
  $("sidebar").hidden = false;

  const project = (point) => {
    const v = point.clone().project(camera);
    const rect = renderer.domElement.getBoundingClientRect();
    return { x: rect.left + (v.x + 1) / 2 * rect.width,
      y: rect.top + (1 - v.y) / 2 * rect.height, visible: v.z < 1 };
  };

  Object.assign(hook, {
    buildingId: id,
    meta,
    /** rAF deltas (ms) of the last frames. */
    frameTimes: () => frameTimes.slice(),
    /** Turn the camera round the building continuously (for frame-time measurements). */
    spin: (on = true) => {
      controls.autoRotate = on;
      controls.autoRotateSpeed = 6;
      frameTimes.length = 0;
      invalidate();
    },
    /** A snapshot of the viewer's state (camera position in IFC metres, z up). */
    state: () => ({
      building: id,
      elementCount: building3d.elements.size,
      nodeCount: (() => { let n = 0; building3d.model.traverse(() => { n += 1; }); return n; })(),
      roomCount: building3d.spaces.length,
      storeys: building3d.storeyList().map(({ global_id, name, elevation }) =>
        ({ global_id, name, elevation })),
      visibleStoreys: building3d.visibleStoreys(),
      isolated: building3d.isolated,
      camera: threeToIfc(camera.position),
      heading: THREE.MathUtils.radToDeg(walker.yaw),
      selected,
      panelRoom: $("panel").dataset.roomNumber ?? null,
      colourMode: colouring.mode,
      walking: walker.active,
      explode: building3d.explodeGap,
      section: building3d.sectionEnabled ? building3d.sectionPlane.constant : null,
      xray: building3d.xray,
      hiddenClasses: [...building3d.hiddenClasses],
      classes: Object.fromEntries([...building3d.classes].map(([c, n]) => [c, n.length])),
      liveMessages: colouring.liveMessages,
      routePoints: walker.routeLine ? walker.routeLine.geometry.attributes.position.count : 0,
    }),
    isolateStorey: (gid) => { building3d.isolateStorey(gid); ui.refresh(); },
    setClassVisible: (cls, on) => { building3d.setClassVisible(cls, on); ui.refresh(); },
    explode: (gap) => { building3d.explode(gap); ui.refresh(); },
    section: (height) => { building3d.setSection(height); ui.refresh(); },
    xray: (on) => { building3d.setXray(on); ui.refresh(); },
    fitView: () => fitView(0),
    pick: (gid) => { select(gid); return selected; },
    selectRoom: (number) => {
      const room = building3d.spaceByNumber(number);
      if (room?.userData.storey) {
        building3d.isolateStorey(room.userData.storey);
        ui.refresh();
      }
      select(room?.userData.global_id ?? null);
      if (room) flyTo(new THREE.Box3().setFromObject(room), 0);
      return selected;
    },
    colourBy: (mode, at = null) => colouring.setMode(mode, at).then(() => ui.refresh()),
    roomColours: () => building3d.roomColours(),
    /** Screen point (CSS px) of the middle of an element's box. */
    screenPoint: (gid) => {
      const box = building3d.boxOf(gid);
      return box ? project(box.getCenter(new THREE.Vector3())) : null;
    },
    /** Look straight down on the visible elements (or one storey's). */
    viewFromTop: () => {
      const box = new THREE.Box3();
      for (const node of building3d.elements.values()) if (node.visible) box.expandByObject(node);
      viewFromTop(box);
    },
    stairs: () => building3d.stairs.map((s) => ({ global_id: s.userData.global_id,
      storey: s.userData.storey, name: s.userData.name })),
    startWalk: (options) => startWalk(options),
    stopWalk: () => stopWalk(),
    tour: (numbers) => tour(numbers),
    route: (from, to, followIt = true) => route(from, to, followIt),
    eyeHeight: EYE_HEIGHT,
    spaceClass: SPACE,
  });
}

start().catch((error) => fail(error.message ?? String(error)));
