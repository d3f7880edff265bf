// First-person walkthrough: WASD/arrow keys and mouse look, eye height 1.6 m, collision with
// walls, gravity, and stairs; a scripted tour of rooms; a route drawn on the floor and followed.
//
// Stairs: the sample building's IfcStair is one solid box per flight (storey to storey), so
// its mesh cannot be walked on. Each stair's bounding box is treated as a straight ramp along
// its longer horizontal side, rising from the end nearer the building's middle (the corridor)
// to the far end; the floor under the walker is the highest of the slabs below (ray cast down)
// and the ramps over that point which are at most STEP_UP above the feet.
import * as THREE from "three";
import { WalkableFloors } from "./walkable.js";

export const EYE_HEIGHT = 1.6;
export const STEP_UP = 0.35;
const SPEED = 2.0; // m/s
const TURN = 1.8; // rad/s, arrow keys
const GRAVITY = 9.81;
const RADIUS = 0.3;
const COLLIDE = new Set(["IfcWall", "IfcWallStandardCase", "IfcColumn", "IfcCurtainWall",
  "IfcRailing", "IfcWindow"]);
const FLOORS = new Set(["IfcSlab", "IfcCovering", "IfcRamp", "IfcRampFlight"]);
const DOORS = new Set(["IfcDoor", "IfcDoorStandardCase"]);
const FLIGHTS = new Set(["IfcStairFlight"]);

function meshesOf(nodes) {
  const out = [];
  for (const node of nodes) node.traverse((o) => { if (o.isMesh) out.push(o); });
  return out;
}

/** A stair's box as a ramp: `heightAt(x, z)` or null outside its footprint. */
class Ramp {
  constructor(box, centre) {
    this.box = box;
    const sx = box.max.x - box.min.x;
    const sz = box.max.z - box.min.z;
    this.axis = sx >= sz ? "x" : "z";
    const mid = (box.min[this.axis] + box.max[this.axis]) / 2;
    // rises away from the building's middle
    this.low = mid > centre[this.axis] ? box.min[this.axis] : box.max[this.axis];
    this.high = mid > centre[this.axis] ? box.max[this.axis] : box.min[this.axis];
  }

  contains(x, z) {
    const b = this.box;
    return x >= b.min.x && x <= b.max.x && z >= b.min.z && z <= b.max.z;
  }

  heightAt(x, z) {
    if (!this.contains(x, z)) return null;
    const p = this.axis === "x" ? x : z;
    const t = Math.min(1, Math.max(0, (p - this.low) / (this.high - this.low)));
    return this.box.min.y + t * (this.box.max.y - this.box.min.y);
  }

  /** A see-through sloped plane showing the ramp that is walked (the stair box is hidden). */
  mesh(material) {
    const b = this.box;
    const low = this.foot(0).position;
    const high = this.foot(1).position;
    high.y = b.max.y;
    const width = this.axis === "x" ? b.max.z - b.min.z : b.max.x - b.min.x;
    const side = this.axis === "x" ? new THREE.Vector3(0, 0, width / 2)
      : new THREE.Vector3(width / 2, 0, 0);
    const corners = [low.clone().sub(side), low.clone().add(side), high.clone().add(side),
      high.clone().sub(side)];
    const geometry = new THREE.BufferGeometry().setFromPoints(
      [0, 1, 2, 0, 2, 3].map((i) => corners[i]));
    geometry.computeVertexNormals();
    return new THREE.Mesh(geometry, material);
  }

  /** A point at fraction `t` up the ramp, on its middle line, and the yaw facing upwards. */
  foot(t) {
    const b = this.box;
    const along = this.low + t * (this.high - this.low);
    const x = this.axis === "x" ? along : (b.min.x + b.max.x) / 2;
    const z = this.axis === "z" ? along : (b.min.z + b.max.z) / 2;
    const dir = Math.sign(this.high - this.low);
    // yaw 0 looks along -z; yaw = atan2(-dx, -dz)
    const yaw = this.axis === "x" ? Math.atan2(-dir, 0) : Math.atan2(0, -dir);
    return { position: new THREE.Vector3(x, b.min.y, z), yaw };
  }
}

/** The first-person controller and the animated camera moves (tour, route). */
export class Walker {
  constructor(camera, building, dom) {
    this.camera = camera;
    this.building = building;
    this.dom = dom;
    this.active = false;
    this.feet = new THREE.Vector3();
    this.yaw = 0;
    this.pitch = 0;
    this.vy = 0;
    this.keys = new Set();
    this.raycaster = new THREE.Raycaster();
    this.raycaster.layers.enableAll(); // batched element meshes sit on their own layer
    this.animation = null; // {points, index, t, onDone}
    this.routeLine = null;
    this._keydown = (e) => this._onKey(e, true);
    this._keyup = (e) => this._onKey(e, false);
    this._mousemove = (e) => this._onMouse(e);
    this._mousedown = (e) => {
      if (!this.active || e.button !== 0) return;
      this.dragging = true; // drag to look; pointer lock (a user gesture) where allowed
      if (document.pointerLockElement !== dom) dom.requestPointerLock?.()?.catch?.(() => {});
    };
    this._mouseup = () => { this.dragging = false; };
    window.addEventListener("keydown", this._keydown);
    window.addEventListener("keyup", this._keyup);
    dom.addEventListener("mousemove", this._mousemove);
    dom.addEventListener("mousedown", this._mousedown);
    window.addEventListener("mouseup", this._mouseup);
    this._prepare();
  }

  _prepare() {
    const b = this.building;
    const pick = (set) => [...b.elements.values()].filter((n) => set.has(n.userData.class));
    this.walls = meshesOf(pick(COLLIDE)).map((mesh) => ({
      mesh, box: new THREE.Box3().setFromObject(mesh) }));
    this.floors = meshesOf(pick(FLOORS)).map((mesh) => ({
      mesh, box: new THREE.Box3().setFromObject(mesh) }));
    this.doors = pick(DOORS).map((n) => new THREE.Box3().setFromObject(n).expandByScalar(0.1));
    const centre = b.bbox.getCenter(new THREE.Vector3());
    this.ramps = b.stairs.map((s) => new Ramp(new THREE.Box3().setFromObject(s), centre));
    for (const flight of pick(FLIGHTS)) { // stairs decomposed into flights (Revit, ArchiCAD)
      const box = new THREE.Box3().setFromObject(flight);
      if (!box.isEmpty()) this.ramps.push(new Ramp(box, centre));
    }
    this.walkable = new WalkableFloors(b); // storeys without slabs: room floors, elevation
    const material = new THREE.MeshLambertMaterial({ color: 0xc8a165, transparent: true,
      opacity: 0.6, side: THREE.DoubleSide, depthWrite: false });
    this.rampMeshes = new THREE.Group();
    this.rampMeshes.name = "stair ramps";
    this.rampMeshes.visible = false;
    for (const ramp of this.ramps) this.rampMeshes.add(ramp.mesh(material));
  }

  _onKey(event, down) {
    if (!this.active) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (["w", "a", "s", "d", "ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"].includes(key)) {
      if (down) this.keys.add(key); else this.keys.delete(key);
      event.preventDefault();
    }
  }

  _onMouse(event) {
    if (!this.active) return;
    const locked = document.pointerLockElement === this.dom;
    if (!locked && !this.dragging) return;
    this._looked = true;
    this.yaw -= event.movementX * 0.003;
    this.pitch = Math.max(-1.4, Math.min(1.4, this.pitch - event.movementY * 0.003));
  }

  /** Whether the next frame moves the eye (keys held, falling, looking, animating). */
  get moving() {
    return Boolean(this.animation) || (this.active && (this.keys.size > 0 || this.vy !== 0
      || this.dragging || this._looked));
  }

  /** Enter first-person mode at `feet` (scene frame) looking along `yaw`. */
  start(feet, yaw = 0) {
    this.stopAnimation();
    this.active = true;
    this.feet.copy(feet);
    this.yaw = yaw;
    this.pitch = 0;
    this.vy = 0;
    this.keys.clear();
    this._looked = true;
    this.building.setWalking(true);
    if (!this.rampMeshes.parent) this.building.root.parent?.add(this.rampMeshes);
    this.rampMeshes.visible = true;
    this.savedFov ??= this.camera.fov;
    this.camera.fov = 70;
    this.camera.updateProjectionMatrix();
    this._placeCamera();
  }

  stop() {
    if (this.active) this.building.setWalking(false);
    this.rampMeshes.visible = false;
    if (this.savedFov) {
      this.camera.fov = this.savedFov;
      this.savedFov = null;
      this.camera.updateProjectionMatrix();
    }
    this.active = false;
    this.keys.clear();
    if (document.pointerLockElement === this.dom) document.exitPointerLock();
  }

  /** The foot of a stair (gid): a quarter of the way up its ramp, facing up. */
  stairStart(gid) {
    const index = this.building.stairs.findIndex((s) => s.userData.global_id === gid);
    if (index < 0) return null;
    const { position, yaw } = this.ramps[index].foot(0.08);
    position.y = this.ramps[index].heightAt(position.x, position.z);
    return { position, yaw };
  }

  _placeCamera() {
    this.camera.position.set(this.feet.x, this.feet.y + EYE_HEIGHT, this.feet.z);
    this.camera.rotation.set(this.pitch, this.yaw, 0, "YXZ");
  }

  _blocked(from, dir, distance) {
    const near = this.walls.filter(({ box }) => box.max.y > from.y + 0.2
      && box.min.y < from.y + EYE_HEIGHT && box.distanceToPoint(from) < distance + 1);
    if (!near.length) return false;
    for (const lift of [0.5, 1.2]) {
      const origin = from.clone();
      origin.y += lift;
      this.raycaster.set(origin, dir);
      this.raycaster.far = distance + RADIUS;
      const hits = this.raycaster.intersectObjects(near.map((w) => w.mesh), false);
      for (const hit of hits) {
        if (this.doors.some((d) => d.containsPoint(hit.point))) continue; // an open door
        return true;
      }
    }
    return false;
  }

  /** The floor height under (x, z) reachable from feet height `y`, or null. */
  floorAt(x, z, y) {
    let best = null;
    const top = y + STEP_UP;
    for (const ramp of this.ramps) {
      const h = ramp.heightAt(x, z);
      if (h !== null && h <= top + 1e-6 && (best === null || h > best)) best = h;
    }
    const origin = new THREE.Vector3(x, top + 0.01, z);
    const candidates = this.floors.filter(({ box }) => box.min.y <= top && x >= box.min.x
      && x <= box.max.x && z >= box.min.z && z <= box.max.z);
    if (candidates.length) {
      this.raycaster.set(origin, new THREE.Vector3(0, -1, 0));
      this.raycaster.far = 50;
      const hit = this.raycaster.intersectObjects(candidates.map((f) => f.mesh), false)[0];
      if (hit && (best === null || hit.point.y > best)) best = hit.point.y;
    }
    const surface = this.walkable.heightAt(x, z, top);
    if (surface !== null && (best === null || surface > best)) best = surface;
    return best;
  }

  /** Floor height (scene frame) of storey `storey` ({global_id, elevation}): its rooms' floor
   * where it has no slabs, else its elevation. */
  storeyFloor(storey) {
    return this.walkable.levels.get(storey.global_id) ?? storey.elevation;
  }

  /** Advance by `dt` seconds: keys, collision, gravity, stairs; or the running animation. */
  update(dt) {
    if (this.animation) {
      this._animate(dt);
      return;
    }
    if (!this.active) return;
    // Fixed sub-steps: the same speed and the same collisions at any frame rate.
    let left = Math.min(dt, 0.5);
    while (left > 1e-6) {
      const step = Math.min(left, 0.05);
      this._step(step);
      left -= step;
    }
    this._placeCamera();
    this._looked = false;
  }

  _step(dt) {
    const k = this.keys;
    if (k.has("ArrowLeft")) this.yaw += TURN * dt;
    if (k.has("ArrowRight")) this.yaw -= TURN * dt;
    const forward = (k.has("w") || k.has("ArrowUp") ? 1 : 0)
      - (k.has("s") || k.has("ArrowDown") ? 1 : 0);
    const strafe = (k.has("d") ? 1 : 0) - (k.has("a") ? 1 : 0);
    const move = new THREE.Vector3(-Math.sin(this.yaw) * forward + Math.cos(this.yaw) * strafe,
      0, -Math.cos(this.yaw) * forward - Math.sin(this.yaw) * strafe);
    if (move.lengthSq() > 0) {
      move.normalize().multiplyScalar(SPEED * dt);
      for (const axis of ["x", "z"]) { // slide along walls: each axis on its own
        if (Math.abs(move[axis]) < 1e-9) continue;
        const dir = new THREE.Vector3();
        dir[axis] = Math.sign(move[axis]);
        if (!this._blocked(this.feet, dir, Math.abs(move[axis]))) {
          const next = this.feet.clone();
          next[axis] += move[axis];
          const floor = this.floorAt(next.x, next.z, this.feet.y);
          if (floor !== null || this.vy !== 0) this.feet.copy(next);
        }
      }
    }
    const floor = this.floorAt(this.feet.x, this.feet.z, this.feet.y);
    if (floor !== null && floor >= this.feet.y - 1e-3) {
      this.feet.y = floor; // on the floor or stepping up
      this.vy = 0;
    } else {
      this.vy -= GRAVITY * dt;
      this.feet.y += this.vy * dt;
      const lowest = floor ?? this.building.bbox.min.y;
      if (this.feet.y <= lowest) {
        this.feet.y = lowest;
        this.vy = 0;
      }
    }
  }

  // ---- animated moves: tour and route ---------------------------------------------------
  /** Move the eye along `points` (feet positions, scene frame) at walking pace. */
  follow(points, onDone = null, speed = 3.0) {
    if (points.length < 1) return;
    this.stop();
    this.animation = { points, index: 0, travelled: 0, speed, onDone };
    this.feet.copy(points[0]);
    this._placeCamera();
  }

  stopAnimation() {
    this.animation = null;
  }

  _animate(dt) {
    const a = this.animation;
    let step = a.speed * Math.min(dt, 0.5);
    while (step > 0 && a.index < a.points.length - 1) {
      const to = a.points[a.index + 1];
      const left = this.feet.distanceTo(to);
      const flat = new THREE.Vector3(to.x - this.feet.x, 0, to.z - this.feet.z);
      if (flat.lengthSq() > 1e-6) this.yaw = Math.atan2(-flat.x, -flat.z);
      if (left <= step) {
        this.feet.copy(to);
        step -= left;
        a.index += 1;
      } else {
        this.feet.addScaledVector(to.clone().sub(this.feet).normalize(), step);
        step = 0;
      }
    }
    this.pitch = -0.1;
    this._placeCamera();
    if (a.index >= a.points.length - 1) {
      this.animation = null;
      a.onDone?.();
    }
  }

  /** Draw a route (feet points) as a line just above the floor; replaces the previous one. */
  drawRoute(points) {
    this.clearRoute();
    const lifted = points.map((p) => new THREE.Vector3(p.x, p.y + 0.05, p.z));
    const geometry = new THREE.BufferGeometry().setFromPoints(lifted);
    const material = new THREE.LineBasicMaterial({ color: 0xff2d95, depthTest: false });
    this.routeLine = new THREE.Line(geometry, material);
    this.routeLine.renderOrder = 10;
    this.routeLine.name = "route";
    this.building.root.parent?.add(this.routeLine);
    this.building.changed();
    return this.routeLine;
  }

  clearRoute() {
    if (this.routeLine) {
      this.routeLine.removeFromParent();
      this.routeLine.geometry.dispose();
      this.routeLine = null;
      this.building.changed();
    }
  }
}
