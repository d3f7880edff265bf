// Draw the building's static elements in a few draw calls: their meshes are copied, per
// material, into three.js BatchedMeshes (one instance per mesh), which is what keeps big
// buildings interactive on software WebGL (tens of thousands of draw calls become tens).
//
// The element nodes stay the model: picking, boxes, isolation, explode and walking use them
// as before. Their batched meshes move to layer HIDDEN (the camera draws layer 0 only; the
// viewer's and walker's raycasters see every layer), and `sync()` copies each mesh's
// visibility and world matrix into its batch instance. The batches share the meshes'
// materials, so x-ray and the section plane apply to them unchanged. Rooms, doors and stairs
// are not batched: colour modes paint them one by one, and stairs hide while walking.
import * as THREE from "three";

export const HIDDEN_LAYER = 1;
const NOT_BATCHED = new Set(["IfcSpace", "IfcDoor", "IfcStair"]);
const MIN_MESHES = 2; // a material with fewer meshes keeps them as they are

function shown(object) {
  for (let o = object; o; o = o.parent) if (!o.visible) return false;
  return true;
}

/** Meshes that share a material and the same vertex attributes (batchable together). */
function groupMeshes(root, elementOf) {
  const groups = new Map();
  root.traverse((object) => {
    if (!object.isMesh || object.isBatchedMesh || Array.isArray(object.material)) return;
    const element = elementOf(object);
    if (!element || NOT_BATCHED.has(element.userData.class)) return;
    const geometry = object.geometry;
    if (Object.keys(geometry.morphAttributes).length) return;
    const key = `${object.material.uuid}|${Object.keys(geometry.attributes).sort().join(",")}`
      + `|${geometry.index ? "i" : "n"}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(object);
  });
  return [...groups.values()].filter((meshes) => meshes.length >= MIN_MESHES);
}

/** One BatchedMesh holding `meshes` (same material); returns [batch, entries]. */
function batchOf(meshes, rootInverse) {
  const geometries = [...new Set(meshes.map((m) => m.geometry))];
  const vertices = geometries.reduce((n, g) => n + g.attributes.position.count, 0);
  const indices = geometries.reduce((n, g) => n + (g.index ? g.index.count : 0), 0);
  const batch = new THREE.BatchedMesh(meshes.length, vertices, Math.max(indices, 1),
    meshes[0].material);
  batch.name = `batch:${meshes[0].material.name}`;
  batch.raycast = () => {}; // picking goes to the element meshes themselves
  const ids = new Map(geometries.map((g) => [g, batch.addGeometry(g)]));
  const matrix = new THREE.Matrix4();
  const entries = meshes.map((mesh) => {
    const id = batch.addInstance(ids.get(mesh.geometry));
    batch.setMatrixAt(id, matrix.multiplyMatrices(rootInverse, mesh.matrixWorld));
    mesh.layers.set(HIDDEN_LAYER);
    return { mesh, batch, id };
  });
  batch.renderOrder = meshes[0].renderOrder;
  // Drawn whole: culling and sorting tens of thousands of instances in JS each frame costs
  // more than SwiftShader saves on them (opaque ones need no sorting: the depth test does it).
  batch.frustumCulled = false;
  batch.perObjectFrustumCulled = false;
  batch.sortObjects = meshes[0].material.transparent;
  return [batch, entries];
}

/** The batches of one building scene. */
export class Batches {
  /**
   * Batch the meshes under `root` (world matrices up to date); `elementOf(mesh)`; with
   * `enabled` false nothing is batched (`?batch=0`, for comparisons).
   */
  constructor(root, elementOf, enabled = true) {
    this.root = root;
    this.entries = [];
    this.batches = [];
    const rootInverse = root.matrixWorld.clone().invert();
    for (const meshes of enabled ? groupMeshes(root, elementOf) : []) {
      const [batch, entries] = batchOf(meshes, rootInverse);
      root.add(batch);
      this.batches.push(batch);
      this.entries.push(...entries);
    }
  }

  /** Meshes drawn through batches, batches, and instances drawn now (the test hook). */
  summary() {
    return { meshes: this.entries.length, batches: this.batches.length,
      visible: this.entries.filter(({ batch, id }) => batch.getVisibleAt(id)).length,
      seeThrough: this.batches.filter((b) => b.material.transparent
        && b.material.opacity < 0.2).length };
  }

  /** Copy the element meshes' visibility (and, with `matrices`, their placement). */
  sync(matrices = false) {
    const rootInverse = this.root.matrixWorld.clone().invert();
    const matrix = new THREE.Matrix4();
    for (const { mesh, batch, id } of this.entries) {
      batch.setVisibleAt(id, shown(mesh));
      if (matrices) batch.setMatrixAt(id, matrix.multiplyMatrices(rootInverse, mesh.matrixWorld));
    }
    if (matrices) {
      for (const batch of this.batches) {
        batch.boundingBox = null; // computed again from the moved instances
        batch.boundingSphere = null;
      }
    }
  }
}
