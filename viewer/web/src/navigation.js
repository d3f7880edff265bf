// Navigation inside the building: the first-person walk, a tour of rooms, and a route drawn
// on the floor and followed. Routes to equipment or from the entrance come from the server's
// /route (maintenance.read); without it, a route between two rooms uses /path (any reader).
import * as THREE from "three";
import { describeFailure, getJson } from "./api.js";
import { CAN } from "./access.js";
import { ifcToThree, threeToIfc } from "./scene.js";

/** Walk, tour and route over a Viewer; `status(text)` shows a line to the user. */
export class Navigation {
  constructor(viewer, buildingId, access, status) {
    this.viewer = viewer;
    this.building3d = viewer.building3d;
    this.walker = viewer.walker;
    this.building = buildingId;
    this.access = access;
    this.status = status;
    window.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.walker.active) this.stopWalk();
    });
  }

  /** The feet to start a walk at: `{stair}`, `{at, yaw}` (IFC), `{room}`, or the selection. */
  _start(options) {
    if (options.stair) {
      const foot = this.walker.stairStart(options.stair);
      if (!foot) throw new Error(`no stair ${options.stair}`);
      return { feet: foot.position, yaw: foot.yaw };
    }
    if (options.at) return { feet: ifcToThree(options.at), yaw: options.yaw ?? 0 };
    const b = this.building3d;
    const selected = this.viewer.selected;
    const room = options.room ? b.spaceByNumber(options.room)
      : (selected && b.elements.get(selected)) || this._groundRoom();
    const box = room ? new THREE.Box3().setFromObject(room) : b.bbox;
    const feet = box.getCenter(new THREE.Vector3());
    feet.y = room ? box.min.y : this._groundFloor(box);
    return { feet, yaw: 0 };
  }

  /** The ground storey (the lowest at or above -0.5 m), or null. */
  _groundStorey() {
    const storeys = this.building3d.storeyList?.() ?? [];
    return storeys.find((s) => s.elevation >= -0.5) ?? storeys[0] ?? null;
  }

  /** The ground storey's floor: never the bottom of the building's box, which a lift pit or
   * a foundation pulls down. */
  _groundFloor(box) {
    const ground = this._groundStorey();
    return ground ? this.walker.storeyFloor(ground) : box.min.y;
  }

  /** A room of the ground storey standing on its floor (not a pit), else the first room. */
  _groundRoom() {
    const b = this.building3d;
    const ground = this._groundStorey();
    if (!ground) return b.spaces[0];
    const level = this.walker.storeyFloor(ground);
    return b.spaces.find((s) => s.userData.storey === ground.global_id
      && Math.abs(new THREE.Box3().setFromObject(s).min.y - level) < 0.3) ?? b.spaces[0];
  }

  startWalk(options = {}) {
    const { feet, yaw } = this._start(options);
    this.viewer.flight = null;
    this.viewer.controls.enabled = false;
    this.walker.start(feet, yaw);
    this.status("walking: WASD/arrows, drag to look, Esc to stop");
  }

  stopWalk() {
    const { camera, controls } = this.viewer;
    this.walker.stop();
    this.walker.stopAnimation();
    controls.enabled = true;
    const ahead = new THREE.Vector3(0, 0, -5).applyQuaternion(camera.quaternion);
    controls.target.copy(camera.position).add(ahead);
    controls.update();
    this.status("");
  }

  /** The middle of element `gid`'s floor (its box's bottom), or null. */
  roomFeet(gid) {
    const node = this.building3d.elements.get(gid);
    if (!node) return null;
    const box = new THREE.Box3().setFromObject(node);
    const centre = box.getCenter(new THREE.Vector3());
    centre.y = box.min.y;
    return centre;
  }

  /** Walk through rooms by number; resolves with the points walked (IFC). */
  tour(numbers) {
    const rooms = numbers.map((n) => this.building3d.spaceByNumber(n));
    const missing = numbers.filter((_n, i) => !rooms[i]);
    if (missing.length) throw new Error(`no room ${missing.join(", ")}`);
    const points = rooms.map((r) => this.roomFeet(r.userData.global_id));
    this.viewer.controls.enabled = false;
    return new Promise((resolve) => this.walker.follow(points, () => {
      this.stopWalk();
      resolve(points.map(threeToIfc));
    }));
  }

  /**
   * Draw (and, with `followIt`, walk) the route from room `fromNumber` (none: the entrance)
   * to a room number, an equipment name such as AHU-02 or a GlobalId; the points (IFC).
   */
  async route(fromNumber, toNumber, followIt = true) {
    const b = this.building3d;
    const from = fromNumber ? b.spaceByNumber(fromNumber) : null;
    const to = b.spaceByNumber(toNumber);
    if (fromNumber && !from) throw new Error(`no room ${fromNumber}`);
    const target = to ? to.userData.global_id : String(toNumber ?? "").trim();
    if (!target) throw new Error("say where to: a room number or an equipment name");
    const query = `${from ? `from=${from.userData.global_id}&` : ""}to=${
      encodeURIComponent(target)}`;
    const points = await this._routePoints(query, from, to, target);
    this.walker.drawRoute(points);
    this.status(`route: ${points.length} points`);
    if (followIt) {
      this.viewer.controls.enabled = false;
      await new Promise((resolve) => this.walker.follow(points, resolve));
      this.stopWalk();
    }
    return points.map(threeToIfc);
  }

  async _routePoints(query, from, to, target) {
    const b = `/buildings/${this.building}`;
    if (this.access.can(CAN.readMaintenance)) {
      const routed = await this._get(`${b}/route?${query}`, CAN.readMaintenance);
      if (routed.polyline?.length) return routed.polyline.map(ifcToThree);
      const placed = (routed.steps ?? []).filter((s) => s.position);
      if (placed.length) return placed.map((s) => ifcToThree(s.position));
    }
    if (!from || !to) {
      if (!this.access.can(CAN.readMaintenance)) {
        throw new Error(`route to ${target}: 无权限: 需要 ${CAN.readMaintenance} / not allowed`
          + " (from one room to another needs no more)");
      }
      throw new Error(`no route to ${target}`);
    }
    const path = await this._get(`${b}/path?${query}`, "portfolio.read");
    return path.steps.map((s) => (s.kind === "passage" && s.data?.position?.length
      ? ifcToThree(s.data.position) : this.roomFeet(s.global_id))).filter(Boolean);
  }

  async _get(path, capability) {
    try {
      return await getJson(path);
    } catch (error) {
      throw new Error(`route: ${describeFailure(error, capability)}`, { cause: error });
    }
  }
}
