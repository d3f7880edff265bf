// The building scene: loading the glb, indexing its element nodes, and the display state
// (storey isolation and explode, section plane, x-ray, classes, room labels).
//
// Scene frame: three.js is Y-up. glTF files are Y-up by specification; a Z-up file (raw IFC
// coordinates) is detected from the spaces' storey elevations and turned upright, so that
// IFC (x, y, z) is always three (x, z, -y) here (see ifcToThree / threeToIfc).
import * as THREE from "three";
import { GLTFLoader } from "three/examples/jsm/loaders/GLTFLoader.js";
import { CSS2DObject } from "three/examples/jsm/renderers/CSS2DRenderer.js";
import { Batches } from "./batch.js";

export const SPACE = "IfcSpace";
/** Classes a colour mode paints one by one besides the rooms (doors by their state). */
const COLOURED_ONE_BY_ONE = new Set(["IfcDoor"]);

export function ifcToThree([x, y, z]) {
  return new THREE.Vector3(x, z, -y);
}

export function threeToIfc(v) {
  return [v.x, -v.z, v.y];
}

/** Parse a glb (ArrayBuffer) into a three.js scene. */
export function parseGlb(buffer) {
  return new Promise((resolve, reject) => {
    new GLTFLoader().parse(buffer, "", resolve, reject);
  });
}

const CONTAINERS = new Set(["IfcProject", "IfcSite", "IfcBuilding", "IfcBuildingStorey"]);

function isElement(o) {
  return Boolean(o.userData?.global_id) && !CONTAINERS.has(o.userData.class);
}

/** The element node an object belongs to (itself or its nearest element ancestor). */
export function ownElement(object) {
  let o = object;
  while (o && !isElement(o)) o = o.parent;
  return o ?? null;
}

/** Z-up if the spaces' lowest points match their storey elevations along z rather than y. */
function isZUp(spaces) {
  let y = 0;
  let z = 0;
  const box = new THREE.Box3();
  for (const node of spaces.slice(0, 200)) {
    const elevation = Number(node.userData.storey_elevation);
    if (!Number.isFinite(elevation)) continue;
    box.setFromObject(node);
    if (Math.abs(box.min.y - elevation) < 0.5) y += 1;
    if (Math.abs(box.min.z - elevation) < 0.5) z += 1;
  }
  return z > y;
}

/** The loaded building and everything the viewer does to its display. */
export class BuildingScene {
  constructor(gltfScene, { batch = true } = {}) {
    this.root = new THREE.Group();
    this.root.name = "building";
    this.model = gltfScene;
    this.root.add(gltfScene);
    this.elements = new Map(); // gid -> Object3D (the element's node)
    this.storeys = new Map(); // gid -> {global_id, name, elevation, index, nodes: []}
    this.classes = new Map(); // class -> [nodes]
    this.spaces = []; // space nodes
    this.stairs = []; // IfcStair nodes
    this.labels = new Map(); // space gid -> CSS2DObject
    this.hiddenClasses = new Set();
    this.isolated = null; // storey gid or null
    this.explodeGap = 0;
    this.xray = false;
    this.walking = false; // stairs (solid boxes in the sample) hidden while walking
    this.sectionPlane = new THREE.Plane(new THREE.Vector3(0, -1, 0), 1e9);
    this.sectionEnabled = false;
    this.spaceColours = new Map(); // room or door gid -> THREE.Color, by the colour mode
    this.markers = []; // CSS2DObjects a colour mode puts where there is no geometry to paint
    this.changed = () => {}; // set by the viewer: something to draw again
    this._index();
    this.zUp = isZUp(this.spaces);
    if (this.zUp) gltfScene.rotation.x = -Math.PI / 2;
    this.root.updateMatrixWorld(true);
    this._prepareMaterials();
    this.bbox = new THREE.Box3().setFromObject(this.root);
    this._nodeBoxes = new Map();
    // after the box: the batches draw what is already there
    this.batches = new Batches(this.root, ownElement, batch);
  }

  _index() {
    this.model.traverse((object) => {
      const data = object.userData;
      if (!isElement(object)) return;
      const inner = object.parent && ownElement(object.parent);
      if (inner) return; // nested element: moved with its parent
      this.elements.set(data.global_id, object);
      const cls = data.class ?? "Unknown";
      if (!this.classes.has(cls)) this.classes.set(cls, []);
      this.classes.get(cls).push(object);
      if (cls === SPACE) this.spaces.push(object);
      if (cls === "IfcStair") this.stairs.push(object);
      if (data.storey) {
        if (!this.storeys.has(data.storey)) {
          this.storeys.set(data.storey, {
            global_id: data.storey, name: data.storey_name ?? data.storey,
            elevation: Number(data.storey_elevation ?? 0), nodes: [],
          });
        }
        this.storeys.get(data.storey).nodes.push(object);
      }
      object.userData.baseY = object.position.y;
      object.userData.baseZ = object.position.z;
    });
    const ordered = [...this.storeys.values()].sort((a, b) => a.elevation - b.elevation);
    ordered.forEach((storey, index) => { storey.index = index; });
  }

  /** Storeys lowest first. */
  storeyList() {
    return [...this.storeys.values()].sort((a, b) => a.elevation - b.elevation);
  }

  _prepareMaterials() {
    // Own materials per node so that x-ray and colours never leak between elements.
    const shared = new Map();
    this.root.traverse((object) => {
      if (!object.isMesh) return;
      const element = ownElement(object);
      const isSpace = element?.userData.class === SPACE;
      const own = isSpace || COLOURED_ONE_BY_ONE.has(element?.userData.class);
      const key = `${object.material.uuid}:${own ? element.userData.global_id : ""}`;
      if (!shared.has(key)) {
        // Lambert instead of the glb's PBR materials (rough, non-metallic anyway): far less
        // work per pixel, which is what software WebGL and big buildings are limited by.
        const source = object.material;
        const material = new THREE.MeshLambertMaterial({
          name: source.name, color: source.color ?? new THREE.Color(0xcccccc),
          opacity: source.opacity, transparent: source.transparent,
          depthWrite: source.depthWrite, side: isSpace ? THREE.FrontSide : source.side,
          vertexColors: Boolean(source.vertexColors), flatShading: Boolean(source.flatShading),
        });
        material.userData.base = {
          opacity: material.opacity, transparent: material.transparent,
          depthWrite: material.depthWrite, color: material.color.clone(),
        };
        if (isSpace) {
          // drawn over the slab/wall faces they share, without z-fighting
          material.polygonOffset = true;
          material.polygonOffsetFactor = -1;
          material.polygonOffsetUnits = -4;
          material.transparent = true;
          material.opacity = Math.min(material.opacity, 0.25);
          material.depthWrite = false;
          material.userData.base.opacity = material.opacity;
          material.userData.base.transparent = true;
          material.userData.base.depthWrite = false;
        }
        material.clippingPlanes = [];
        shared.set(key, material);
      }
      object.material = shared.get(key);
      if (isSpace) object.renderOrder = 2;
    });
    this.materials = [...shared.values()];
  }

  /** World-space bounding box of an element's node (cached while the scene is unchanged). */
  boxOf(gid) {
    const node = this.elements.get(gid);
    if (!node) return null;
    return new THREE.Box3().setFromObject(node);
  }

  spaceByNumber(text) {
    const query = String(text).trim().toLowerCase();
    if (!query) return null;
    return this.spaces.find((s) => String(s.userData.number ?? "").toLowerCase() === query)
      ?? this.spaces.find((s) => String(s.userData.name ?? "").toLowerCase() === query)
      ?? this.spaces.find((s) => `${s.userData.number ?? ""} ${s.userData.long_name ?? ""}`
        .toLowerCase().includes(query))
      ?? null;
  }

  // ---- room labels --------------------------------------------------------------------
  buildLabels(onClick) {
    for (const space of this.spaces) {
      const data = space.userData;
      const div = document.createElement("div");
      div.className = "room-label";
      div.textContent = data.number ?? data.name ?? "";
      div.title = data.long_name ?? "";
      div.addEventListener("click", () => onClick(data.global_id));
      const label = new CSS2DObject(div);
      const box = new THREE.Box3().setFromObject(space);
      const centre = box.getCenter(new THREE.Vector3());
      label.position.copy(space.worldToLocal(new THREE.Vector3(centre.x, box.min.y + 1.2,
        centre.z)));
      label.userData.space = data.global_id;
      space.add(label);
      this.labels.set(data.global_id, label);
    }
    this.updateLabels();
  }

  /** Labels on visible rooms only; on big buildings only with a storey isolated. */
  updateLabels() {
    const visibleRooms = this.spaces.filter((s) => this.isVisible(s));
    const show = !this.hiddenClasses.has(SPACE) && (visibleRooms.length <= 60);
    for (const space of this.spaces) {
      const label = this.labels.get(space.userData.global_id);
      if (label) label.visible = show && space.visible;
    }
  }

  // ---- visibility ---------------------------------------------------------------------
  isVisible(node) {
    const data = node.userData;
    if (this.hiddenClasses.has(data.class)) return false;
    if (this.isolated && data.storey !== this.isolated) return false;
    return true;
  }

  applyVisibility() {
    this.changed();
    for (const node of this.elements.values()) node.visible = this.isVisible(node);
    if (this.walking) for (const stair of this.stairs) stair.visible = false;
    this.batches.sync();
    this.updateLabels();
  }

  isolateStorey(gid) {
    this.isolated = gid && this.storeys.has(gid) ? gid : null;
    this.applyVisibility();
  }

  setClassVisible(cls, visible) {
    if (visible) this.hiddenClasses.delete(cls); else this.hiddenClasses.add(cls);
    this.applyVisibility();
  }

  /** Gids of the storeys with at least one visible element. */
  visibleStoreys() {
    return this.storeyList().filter((s) => s.nodes.some((n) => n.visible))
      .map((s) => s.global_id);
  }

  // ---- explode ------------------------------------------------------------------------
  /** Offset each storey upwards by `gap` metres times its index (0 = assembled). */
  explode(gap) {
    this.explodeGap = gap;
    for (const storey of this.storeys.values()) {
      const lift = storey.index * gap;
      for (const node of storey.nodes) {
        // The node's own frame: Y-up files move along y; Z-up files (rotated) along z.
        if (this.zUp) node.position.z = node.userData.baseZ + lift;
        else node.position.y = node.userData.baseY + lift;
      }
    }
    this.root.updateMatrixWorld(true);
    this.batches.sync(true);
    this.changed();
  }

  // ---- section plane ------------------------------------------------------------------
  /** Cut everything above `height` metres (scene y); `null` removes the cut. */
  setSection(height) {
    this.sectionEnabled = height !== null && height !== undefined;
    this.sectionPlane.constant = this.sectionEnabled ? height : 1e9;
    for (const material of this.materials) {
      material.clippingPlanes = this.sectionEnabled ? [this.sectionPlane] : [];
      material.needsUpdate = true;
    }
    this.changed();
  }

  // ---- x-ray and colours --------------------------------------------------------------
  setXray(on) {
    this.xray = on;
    this.restyle();
  }

  setWalking(on) {
    this.walking = on;
    for (const stair of this.stairs) stair.visible = on ? false : this.isVisible(stair);
    this.changed();
  }

  setSpaceColours(colours) {
    this.spaceColours = colours;
    this.restyle();
  }

  restyle() {
    this.changed();
    const coloured = this.spaceColours.size > 0;
    for (const node of this.elements.values()) {
      const isSpace = node.userData.class === SPACE;
      const seeThrough = this.xray;
      const colour = this.spaceColours.get(node.userData.global_id) ?? null;
      node.traverse((object) => {
        if (!object.isMesh) return;
        const material = object.material;
        const base = material.userData.base;
        if (!isSpace) material.color.copy(colour ?? base.color);
        if (isSpace) {
          material.color.copy(colour ?? base.color);
          material.opacity = colour ? 0.75 : (coloured ? 0.08 : base.opacity);
          material.transparent = true;
          material.depthWrite = false;
        } else if (seeThrough) {
          material.transparent = true;
          material.opacity = 0.12;
          material.depthWrite = false;
        } else {
          material.transparent = base.transparent;
          material.opacity = base.opacity;
          material.depthWrite = base.depthWrite;
        }
        material.needsUpdate = true;
      });
    }
  }

  /**
   * Markers (labels in the scene) where a colour mode has nothing to paint: each
   * `{gid, html, title}` sits above element `gid`; an empty list removes them.
   */
  setMarkers(markers) {
    for (const marker of this.markers) marker.parent?.remove(marker);
    this.markers = [];
    for (const { gid, html, title } of markers) {
      const node = this.elements.get(gid);
      if (!node) continue;
      const div = document.createElement("div");
      div.className = "scene-marker";
      div.innerHTML = html;
      div.title = title ?? "";
      div.dataset.gid = gid;
      const label = new CSS2DObject(div);
      const box = new THREE.Box3().setFromObject(node);
      const top = box.getCenter(new THREE.Vector3()).setY(box.max.y + 0.5);
      label.position.copy(node.worldToLocal(top));
      node.add(label);
      this.markers.push(label);
    }
    this.changed();
  }

  /** The colour (hex) each coloured room (or door) is painted with. */
  roomColours() {
    const out = {};
    for (const [gid, colour] of this.spaceColours) out[gid] = `#${colour.getHexString()}`;
    return out;
  }

  // ---- picking ------------------------------------------------------------------------
  /** The element hit by `raycaster`: equipment inside the first room wins over the room. */
  pick(raycaster) {
    const hits = raycaster.intersectObject(this.root, true)
      .filter((hit) => hit.object.isMesh && hit.object.visible && isShown(hit.object)
        && (!this.sectionEnabled || this.sectionPlane.distanceToPoint(hit.point) >= 0));
    if (!hits.length) return null;
    const first = ownElement(hits[0].object);
    if (first?.userData.class === SPACE) {
      const gid = first.userData.global_id;
      const inside = hits.slice(1).map((h) => ownElement(h.object))
        .find((e) => e && e.userData.space === gid && e.userData.class !== SPACE);
      if (inside) return inside;
    }
    return first;
  }
}

function isShown(object) {
  for (let o = object; o; o = o.parent) if (!o.visible) return false;
  return true;
}
