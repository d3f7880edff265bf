// Baseline of bench/web_viewer.py: what a user would otherwise write to look at the same glb —
// three.js, GLTFLoader and a render loop, nothing else (no sign-in, labels, UI or state).
// Same hook names as the viewer: window.twinViewer.{isReady, firstFrameMs, frameTimes(), spin()}.
import * as THREE from "three";
import { GLTFLoader } from "three/examples/jsm/loaders/GLTFLoader.js";

const hook = { isReady: false, firstFrameMs: null, error: null };
window.twinViewer = hook;
const times = [];
let spinning = false;
hook.frameTimes = () => times.slice();
hook.spin = (on = true) => { spinning = on; times.length = 0; };

const renderer = new THREE.WebGLRenderer({ antialias: true });
renderer.setSize(window.innerWidth, window.innerHeight);
document.body.appendChild(renderer.domElement);
const scene = new THREE.Scene();
scene.add(new THREE.HemisphereLight(0xffffff, 0x8a8f99, 2.2));
const camera = new THREE.PerspectiveCamera(50, window.innerWidth / window.innerHeight, 0.1, 5000);

new GLTFLoader().load("model.glb", (gltf) => {
  scene.add(gltf.scene);
  const box = new THREE.Box3().setFromObject(gltf.scene);
  const centre = box.getCenter(new THREE.Vector3());
  const radius = box.getSize(new THREE.Vector3()).length() / 2;
  let angle = 0;
  let last = null;
  function frame(now) {
    requestAnimationFrame(frame);
    if (last !== null && spinning) {
      times.push(now - last);
      angle += 0.01;
    }
    last = now;
    camera.position.set(centre.x + Math.cos(angle) * radius * 2, centre.y + radius,
      centre.z + Math.sin(angle) * radius * 2);
    camera.lookAt(centre);
    renderer.render(scene, camera);
    if (hook.firstFrameMs === null) {
      hook.firstFrameMs = performance.now();
      hook.isReady = true;
    }
  }
  requestAnimationFrame(frame);
}, undefined, (error) => { hook.error = String(error); });
