// Walkable surfaces for storeys without floor slabs (models from other tools often have none,
// or only a roof). Per storey, in order: its slabs (the walker's own ray cast, not here); else
// the floors of its rooms (the bottom of each IfcSpace's box); else the storey's elevation.
// A storey's own floor level is the floor most of its rooms stand on (the median of their
// bottoms) or its elevation, never its lowest element: a lift pit or a sunken plant room does
// not pull it down, and the walker never starts in (or falls to) the bottom of a pit.
import * as THREE from "three";

const SLABS = new Set(["IfcSlab", "IfcCovering"]);
const SPACE = "IfcSpace";

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function boxOf(object) {
  const box = new THREE.Box3().setFromObject(object);
  return box.isEmpty() ? null : box;
}

/** Scene-frame height (three.js y) of an IFC elevation z, for a building whose root may be
 * turned upright: the y of the point (0, 0, z) through the root's world matrix. */
function sceneHeight(root, elevation) {
  const point = new THREE.Vector3(0, elevation, 0);
  return root ? point.applyMatrix4(root.matrixWorld).y : point.y;
}

/**
 * The floors of the storeys without slabs of `building` (a Building3D: `storeys` Map of
 * {global_id, elevation, nodes}, `root`).
 *
 * `heightAt(x, z, top)` is the highest of those floors under (x, z) at or below `top`, or null;
 * `levels` maps each such storey's GlobalId to its floor height (scene frame).
 */
export class WalkableFloors {
  constructor(building) {
    this.rooms = []; // {box, y}: a room's floor over its box
    this.storeyFloors = []; // {box, y}: a storey's floor level over its elements' extent
    this.levels = new Map();
    building.root?.updateMatrixWorld?.(true);
    for (const storey of building.storeys?.values?.() ?? []) {
      if (storey.nodes.some((n) => SLABS.has(n.userData.class))) continue;
      this._addStorey(building, storey);
    }
  }

  get empty() {
    return this.storeyFloors.length === 0;
  }

  _addStorey(building, storey) {
    const extent = new THREE.Box3();
    const floors = [];
    for (const node of storey.nodes) {
      const box = boxOf(node);
      if (!box) continue;
      extent.union(box);
      if (node.userData.class === SPACE) {
        floors.push(box.min.y);
        this.rooms.push({ box, y: box.min.y });
      }
    }
    if (extent.isEmpty()) return;
    const y = floors.length ? median(floors) : sceneHeight(building.root, storey.elevation);
    this.levels.set(storey.global_id, y);
    this.storeyFloors.push({ box: extent, y });
  }

  /** The highest floor under (x, z) at or below height `top`, or null. */
  heightAt(x, z, top) {
    let best = null;
    for (const list of [this.rooms, this.storeyFloors]) {
      for (const { box, y } of list) {
        if (y <= top + 1e-6 && x >= box.min.x && x <= box.max.x && z >= box.min.z
          && z <= box.max.z && (best === null || y > best)) best = y;
      }
    }
    return best;
  }
}
