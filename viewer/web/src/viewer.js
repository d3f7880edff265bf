// The viewer: scene, lights, renderer and labels, camera and orbit controls, the render loop
// (draws on demand), picking with the mouse, selection and fly-to. The first-person walker
// lives here too because the render loop moves it; navigation.js drives it.
import * as THREE from "three";
import { OrbitControls } from "three/examples/jsm/controls/OrbitControls.js";
import { CSS2DRenderer } from "three/examples/jsm/renderers/CSS2DRenderer.js";
import { ownElement } from "./scene.js";
import { Walker } from "./walk.js";

const FRAME_SAMPLES = 1000;
const CLICK_SLOP_PX = 4;

/** The WebGL renderer's name, and whether it is a CPU rasteriser (no multisampling then). */
export function rendererInfo() {
  const gl = document.createElement("canvas").getContext("webgl2");
  if (!gl) return { name: "", software: false };
  const info = gl.getExtension("WEBGL_debug_renderer_info");
  const name = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : "";
  gl.getExtension("WEBGL_lose_context")?.loseContext();
  return { name, software: /swiftshader|llvmpipe|softpipe|software/i.test(name) };
}

function createScene(building3d) {
  const scene = new THREE.Scene();
  scene.background = new THREE.Color(0xeef1f5);
  scene.add(building3d.root);
  scene.add(new THREE.HemisphereLight(0xffffff, 0x8a8f99, 2.2));
  const sun = new THREE.DirectionalLight(0xffffff, 1.4);
  sun.position.set(0.4, 1, 0.6);
  scene.add(sun);
  return scene;
}

function createRenderers(viewport, software) {
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
  return { renderer, labels };
}

/** The 3D view of one building. `onSelect(data | null)` hears of every (de)selection. */
export class Viewer {
  constructor(building3d, viewport, { software = false, onFirstFrame = () => {} } = {}) {
    this.building3d = building3d;
    this.scene = createScene(building3d);
    Object.assign(this, createRenderers(viewport, software));
    const size = building3d.bbox.getSize(new THREE.Vector3());
    this.camera = new THREE.PerspectiveCamera(50, window.innerWidth / window.innerHeight,
      0.05, Math.max(1000, size.length() * 20));
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.enableDamping = false;
    this.walker = new Walker(this.camera, building3d, this.renderer.domElement);
    this.highlight = new THREE.Box3Helper(new THREE.Box3(), 0xff8c00);
    this.highlight.visible = false;
    this.scene.add(this.highlight);
    this.selected = null;
    this.onSelect = () => {};
    this.onFirstFrame = onFirstFrame;
    this.flight = null; // {from, to, fromTarget, toTarget, t, duration}
    this.frameTimes = [];
    this.firstFrameMs = null;
    this._dirty = 2;
    this.invalidate = () => { this._dirty = Math.max(this._dirty, 2); };
    building3d.changed = this.invalidate;
    this.controls.addEventListener("change", this.invalidate);
    this._wirePicking();
    window.addEventListener("resize", () => this._resize());
  }

  // ---- camera moves ----------------------------------------------------------------------

  /** Move the camera to frame `box` over `duration` seconds (0: at once). */
  flyTo(box, duration = 0.6) {
    const { camera, controls } = this;
    const centre = box.getCenter(new THREE.Vector3());
    const radius = Math.max(box.getSize(new THREE.Vector3()).length() / 2, 2);
    const dir = camera.position.clone().sub(controls.target).normalize();
    if (!Number.isFinite(dir.x) || dir.lengthSq() < 0.5) dir.set(0.6, 0.7, 0.8).normalize();
    const distance = radius / Math.sin(THREE.MathUtils.degToRad(camera.fov / 2)) * 1.1;
    const to = centre.clone().addScaledVector(dir, distance);
    this.walker.stop();
    controls.enabled = true;
    this.flight = { from: camera.position.clone(), to, fromTarget: controls.target.clone(),
      toTarget: centre, t: duration > 0 ? 0 : 1, duration: Math.max(duration, 1e-3) };
    if (duration <= 0) this._finishFlight();
  }

  _finishFlight() {
    this.camera.position.copy(this.flight.to);
    this.controls.target.copy(this.flight.toTarget);
    this.controls.update();
    this.flight = null;
  }

  /** The box of the visible elements (empty when none is). */
  visibleBox() {
    const box = new THREE.Box3();
    for (const node of this.building3d.elements.values()) {
      if (node.visible) box.expandByObject(node);
    }
    return box;
  }

  /** Frame the visible elements. */
  fitView(duration = 0) {
    const visible = this.visibleBox();
    if (visible.isEmpty()) return;
    const centre = visible.getCenter(new THREE.Vector3());
    this.camera.position.copy(centre).add(new THREE.Vector3(0.6, 0.7, 0.8));
    this.controls.target.copy(centre);
    this.flyTo(visible, duration);
  }

  /** The canvas columns (CSS px, from its left edge) not covered by the sidebar or panel. */
  freeColumns() {
    const rect = this.renderer.domElement.getBoundingClientRect();
    let left = 0;
    let right = rect.width;
    for (const id of ["sidebar", "panel"]) {
      const el = document.getElementById(id);
      if (!el || el.hidden || el.offsetParent === null) continue;
      const box = el.getBoundingClientRect();
      if (box.width <= 0 || box.width > rect.width / 2) continue;  // a narrow screen: overlay
      if (box.left - rect.left < rect.width / 2) left = Math.max(left, box.right - rect.left + 8);
      else right = Math.min(right, box.left - rect.left - 8);
    }
    return right - left > rect.width / 4 ? { left, right, width: rect.width }
      : { left: 0, right: rect.width, width: rect.width };
  }

  /** Look straight down on `box`, framed in the part of the canvas that the sidebar and the
   * panel leave free (rooms under the sidebar could be neither seen nor clicked). */
  viewFromTop(box) {
    const { camera, controls } = this;
    const centre = box.getCenter(new THREE.Vector3());
    const size = box.getSize(new THREE.Vector3());
    const free = this.freeColumns();
    const height = this.renderer.domElement.getBoundingClientRect().height || 1;
    const tan = Math.tan(THREE.MathUtils.degToRad(camera.fov / 2));
    const half = Math.max(size.x * height / Math.max(free.right - free.left, 1), size.z) / 2;
    const distance = half / tan * 1.15;
    // world metres per CSS pixel at the box's top, then shift so the box's centre sits in the
    // middle of the free columns (screen x follows world x in this view)
    const perPixel = 2 * distance * tan / height;
    const shift = ((free.left + free.right) / 2 - free.width / 2) * perPixel;
    const aim = centre.clone().setX(centre.x - shift);
    this.walker.stop();
    this.flight = null;
    controls.target.copy(aim).setY(box.max.y);
    camera.position.set(aim.x, box.max.y + distance, aim.z + 1e-3);
    controls.update();
  }

  /** Screen point (CSS px) of a scene point, and whether it is in front of the camera. */
  project(point) {
    const v = point.clone().project(this.camera);
    const rect = this.renderer.domElement.getBoundingClientRect();
    return { x: rect.left + (v.x + 1) / 2 * rect.width,
      y: rect.top + (1 - v.y) / 2 * rect.height, visible: v.z < 1 };
  }

  // ---- selection and picking ---------------------------------------------------------------

  /** Select element `gid` (null: none); outlines it and tells `onSelect`. */
  select(gid) {
    const elements = this.building3d.elements;
    this.selected = gid && elements.has(gid) ? gid : null;
    this.highlight.visible = false;
    this.invalidate();
    if (!this.selected) {
      this.onSelect(null);
      return;
    }
    const node = elements.get(this.selected);
    this.highlight.box.setFromObject(node);
    this.highlight.visible = true;
    this.onSelect(node.userData);
  }

  /** A click (not a drag) picks the element under the pointer. */
  _wirePicking() {
    const dom = this.renderer.domElement;
    const raycaster = new THREE.Raycaster();
    raycaster.layers.enableAll(); // batched element meshes sit on their own layer (batch.js)
    let down = null;
    dom.addEventListener("pointerdown", (e) => { down = [e.clientX, e.clientY]; });
    dom.addEventListener("pointerup", (e) => {
      if (!down || this.walker.active) return;
      const moved = Math.hypot(e.clientX - down[0], e.clientY - down[1]);
      down = null;
      if (moved > CLICK_SLOP_PX) return;
      const rect = dom.getBoundingClientRect();
      const ndc = new THREE.Vector2(((e.clientX - rect.left) / rect.width) * 2 - 1,
        -((e.clientY - rect.top) / rect.height) * 2 + 1);
      raycaster.setFromCamera(ndc, this.camera);
      const hit = this.building3d.pick(raycaster);
      this.select(hit ? ownElement(hit).userData.global_id : null);
    });
  }

  _resize() {
    this.camera.aspect = window.innerWidth / window.innerHeight;
    this.camera.updateProjectionMatrix();
    this.renderer.setSize(window.innerWidth, window.innerHeight);
    this.labels.setSize(window.innerWidth, window.innerHeight);
    this.invalidate();
  }

  // ---- the render loop -----------------------------------------------------------------
  // Drawn on demand: when the view or the scene changed, or while something moves; frame
  // times are the rAF deltas between two consecutive drawn frames.

  /** Turn the camera round the building continuously (for frame-time measurements). */
  spin(on = true) {
    this.controls.autoRotate = on;
    this.controls.autoRotateSpeed = 6;
    this.frameTimes.length = 0;
    this.invalidate();
  }

  /** Start drawing; `onFirstFrame(ms)` is called once the first frame is drawn. */
  start() {
    let last = null;
    let drewLast = false;
    const frame = (now) => {
      requestAnimationFrame(frame);
      const moving = this.walker.moving || this.flight || this.controls.autoRotate;
      if (!moving && this._dirty <= 0) {
        drewLast = false;
        last = now;
        return;
      }
      this._dirty -= 1;
      if (last !== null) this._advance(now - last, drewLast);
      last = now;
      this._draw();
      drewLast = true;
    };
    requestAnimationFrame(frame);
  }

  /** Move what moves by `dt` ms; `sample`: the previous frame was drawn (a frame time). */
  _advance(dt, sample) {
    if (sample) {
      this.frameTimes.push(dt);
      if (this.frameTimes.length > FRAME_SAMPLES) this.frameTimes.shift();
    }
    this.walker.update(dt / 1000);
    const flight = this.flight;
    if (flight) {
      flight.t = Math.min(1, flight.t + dt / 1000 / flight.duration);
      const s = flight.t * flight.t * (3 - 2 * flight.t);
      this.camera.position.lerpVectors(flight.from, flight.to, s);
      this.controls.target.lerpVectors(flight.fromTarget, flight.toTarget, s);
      if (flight.t >= 1) this._finishFlight();
    }
  }

  _draw() {
    const { controls } = this;
    if (controls.enabled && !this.walker.active && (controls.autoRotate || this.flight === null)) {
      controls.update();
    }
    this.renderer.render(this.scene, this.camera);
    this.labels.render(this.scene, this.camera);
    if (this.firstFrameMs === null) {
      this.firstFrameMs = performance.now();
      this.onFirstFrame(this.firstFrameMs);
    }
  }
}
