// The signed-in session: the account (/auth/me), the vocabularies (/vocabularies), the
// buildings in scope (/buildings) and the building the user works on.
import { reactive } from "vue";
import { api, setToken, getToken } from "./api.js";

const BUILDING_KEY = "twin.building";

export const session = reactive({
  me: null,
  vocab: {},
  buildings: [],
  building: null,
  ready: false,
});

/** True when the signed-in user has `capability`. */
export function can(capability) {
  return Boolean(session.me && session.me.capabilities.includes(capability));
}

/** Load the account, the vocabularies and the buildings (after sign-in or a reload). */
export async function loadSession() {
  const [me, vocab, buildings] = await Promise.all([
    api("/auth/me"), api("/vocabularies"), api("/buildings?limit=500"),
  ]);
  session.me = me;
  session.vocab = vocab;
  session.buildings = buildings.items;
  const remembered = Number(sessionStorage.getItem(BUILDING_KEY));
  const ids = buildings.items.map((b) => b.id);
  session.building = ids.includes(remembered) ? remembered : (ids[0] ?? null);
  session.ready = true;
}

export function chooseBuilding(id) {
  session.building = id;
  sessionStorage.setItem(BUILDING_KEY, String(id));
}

export async function signIn(username, password) {
  const answer = await api("/auth/token", { json: { username, password } });
  setToken(answer.access_token);
  await loadSession();
}

export function signOut() {
  setToken(null);
  session.me = null;
  session.ready = false;
}

export function signedIn() {
  return Boolean(getToken());
}

/** One entry of a vocabulary ({value, label_zh, label_en, colour}) or a stand-in. */
export function choice(vocabulary, value) {
  const found = (session.vocab[vocabulary] || []).find((c) => c.value === value);
  return found || { value, label_zh: value, label_en: value, colour: "#999999" };
}
