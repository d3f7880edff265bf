// Walk mode on a model without floor slabs (issue 21, defect 5), in Node with the viewer's own
// three.js, GLTFLoader and walker: node tests/walk_without_slabs.mjs MODEL.glb
// Prints one JSON line: the storey floor levels, where the walk starts, and where the walker
// stands after walking forwards (and over the lift pit) with the "w" key.
import { readFileSync } from "node:fs";
import * as THREE from "../viewer/web/node_modules/three/build/three.module.js";
import { GLTFLoader } from "../viewer/web/node_modules/three/examples/jsm/loaders/GLTFLoader.js";
import { Walker } from "../viewer/web/src/walk.js";
import { Navigation } from "../viewer/web/src/navigation.js";

const listeners = { addEventListener() {}, removeEventListener() {} };
globalThis.window = listeners;
globalThis.document = { pointerLockElement: null, exitPointerLock() {} };

const bytes = readFileSync(process.argv[2]);
const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
const gltf = await new GLTFLoader().parseAsync(buffer, "");
const root = gltf.scene;
root.updateMatrixWorld(true);

// The parts of viewer/web/src/scene.js's Building3D the walker and navigation read.
const building = { root, elements: new Map(), storeys: new Map(), spaces: [], stairs: [],
  setWalking() {}, changed() {} };
root.traverse((object) => {
  const data = object.userData ?? {};
  if (!data.global_id) return;
  building.elements.set(data.global_id, object);
  if (data.class === "IfcSpace") building.spaces.push(object);
  if (data.class === "IfcStair") building.stairs.push(object);
  if (data.storey) {
    if (!building.storeys.has(data.storey)) {
      building.storeys.set(data.storey, { global_id: data.storey, name: data.storey_name,
        elevation: Number(data.storey_elevation ?? 0), nodes: [] });
    }
    building.storeys.get(data.storey).nodes.push(object);
  }
});
building.bbox = new THREE.Box3().setFromObject(root);
building.storeyList = () => [...building.storeys.values()]
  .sort((a, b) => a.elevation - b.elevation);

const camera = new THREE.PerspectiveCamera();
const walker = new Walker(camera, building, listeners);
const viewer = { building3d: building, walker, controls: {}, selected: null };
const navigation = new Navigation(viewer, 1, { can: () => true }, () => {});
navigation.startWalk();
const start = walker.feet.clone();
const levels = Object.fromEntries([...building.storeys.values()].map(
  (s) => [s.name, walker.storeyFloor?.(s) ?? null]));
walker.keys.add("w");
for (let i = 0; i < 40; i += 1) walker.update(0.1); // 4 s forwards
const walked = walker.feet.clone();
// over the lift pit: put the walker beside it and walk across it
const pit = building.spaces.find((s) => s.userData.name === "Lift pit");
const pitBox = new THREE.Box3().setFromObject(pit);
walker.keys.clear();
walker.start(new THREE.Vector3(pitBox.min.x - 0.5, 0, (pitBox.min.z + pitBox.max.z) / 2),
  -Math.PI / 2); // yaw -90°: looking along +x
walker.keys.add("w");
for (let i = 0; i < 10; i += 1) walker.update(0.1);
const overPit = walker.feet.clone();
console.log(JSON.stringify({ levels, start: start.toArray(), walked: walked.toArray(),
  overPit: overPit.toArray(), pit: [pitBox.min.x, pitBox.max.x], eye: camera.position.y }));
