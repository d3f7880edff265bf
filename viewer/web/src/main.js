// The web viewer's entry point: sign-in, the user's capabilities and the vocabularies, the
// building's scene, the sidebar and panel, and the test hook (hook.js).
//
// Modules: viewer.js (scene, camera, render loop, picking, fly-to), navigation.js (walk,
// tour, route), colour.js (colour modes), panel.js, ui.js (sidebar), access.js (what the
// server says this user may see, and its vocabularies), hook.js (window.twinViewer).
import { ApiError, getBinary, getJson, signIn, signOut, token } from "./api.js";
import { loadAccess } from "./access.js";
import { Colouring } from "./colour.js";
import { createHook, installHook } from "./hook.js";
import { Navigation } from "./navigation.js";
import { Panel } from "./panel.js";
import { BuildingScene, parseGlb } from "./scene.js";
import { buildSidebar } from "./ui.js";
import { rendererInfo, Viewer } from "./viewer.js";

const $ = (id) => document.getElementById(id);
const { hook, markReady } = createHook();

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

/** Sign in (again, when the token is refused), then open the building. */
async function start() {
  for (;;) {
    if (!token()) await login();
    try {
      const [building, access] = await Promise.all([chooseBuilding(), loadAccess()]);
      await open(building, access);
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

/** Fetch and parse the scene and its meta (storeys, spaces) of building `id`. */
async function loadScene(id) {
  const [buffer, meta] = await Promise.all([
    getBinary(`/buildings/${id}/scene.glb`),
    getJson(`/buildings/${id}/scene/meta`),
  ]);
  hook.timings.fetched = performance.now();
  const gltf = await parseGlb(buffer);
  hook.timings.parsed = performance.now();
  // ?batch=0 draws every mesh on its own (the benchmark's comparison)
  const batch = new URLSearchParams(location.search).get("batch") !== "0";
  return { building3d: new BuildingScene(gltf.scene, { batch }), meta };
}

/** Show `building`: the scene drawn first, then labels, sidebar and panel. */
async function open(building, access) {
  const id = building.id;
  $("building-name").textContent = building.name;
  const { building3d, meta } = await loadScene(id);
  const renderer = rendererInfo();
  hook.renderer = renderer.name;
  const viewer = new Viewer(building3d, $("viewport"), { software: renderer.software,
    onFirstFrame: markReady });
  const colouring = new Colouring(id, building3d, $("legend"), $("colour-status"), access);
  const panel = new Panel($("panel"), id, {
    roomOf: (gid) => building3d.elements.get(gid)?.userData,
    onSelect: (gid) => viewer.select(gid), colouring, access });
  viewer.onSelect = (data) => (data ? panel.show(data) : panel.clear());
  const navigation = new Navigation(viewer, id, access,
    (text) => { $("walk-status").textContent = text; });
  viewer.fitView(0);
  hook.timings.built = performance.now();
  viewer.start();

  // Labels and the sidebar after the first frame is queued: they are not needed to draw it.
  building3d.buildLabels((gid) => viewer.select(gid));
  const ui = buildSidebar({ building3d, colouring, access,
    fitView: () => viewer.fitView(0.6), flyTo: (box) => viewer.flyTo(box),
    select: (gid) => viewer.select(gid), startWalk: (o) => navigation.startWalk(o),
    tour: (n) => navigation.tour(n), route: (f, t) => navigation.route(f, t) });
  $("sign-out").addEventListener("click", () => {
    signOut();
    location.reload();
  });
  $("sidebar").hidden = false;
  installHook(hook, { id, meta, viewer, colouring, navigation, ui, panelElement: $("panel") });
  routeOnLoad(viewer, navigation, building3d, ui);
}

/**
 * `?route_to=` (a GlobalId, an equipment name such as AHU-02 or a room number): draw the route
 * from the entrance to it on load, without walking it, and select it (the portal's "locate").
 */
function routeOnLoad(viewer, navigation, building3d, ui) {
  const target = new URLSearchParams(location.search).get("route_to");
  if (!target) return;
  navigation.route(null, target, false)
    .then(() => {
      // x-ray: the route runs inside the building, through storeys, so show it through walls
      building3d.setXray(true);
      ui.refresh?.();
      viewer.select(target);
    })
    .catch((error) => { $("walk-status").textContent = error.message; });
}

start().catch((error) => fail(error.message ?? String(error)));
