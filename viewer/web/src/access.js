// What the signed-in user may see, and the words and colours to show it with: both from the
// server, fetched once after sign-in. `GET /auth/me` lists the user's capabilities
// (twin/core/permissions.py); `GET /vocabularies` gives every vocabulary's values with their
// Chinese and English labels and colours. The browser keeps no copy of either.
import { getJson } from "./api.js";

/** Capabilities the viewer gates on (names from the server's table). */
export const CAN = Object.freeze({
  readReadings: "readings.read",
  readHousing: "housing.read",
  readMaintenance: "maintenance.read",
  readMeetings: "meetings.read",
  readEnergy: "energy.read",
  readSecurity: "security.read",
  readAssets: "assets.read",
});

/** A vocabulary value's label, Chinese first then English, e.g. "超标 Over standard". */
export function bilingual(choice) {
  return choice ? `${choice.label_zh} ${choice.label_en}` : "";
}

/** The signed-in user's capabilities and the server's vocabularies. */
export class Access {
  constructor(me, vocabularies) {
    this.username = me.username;
    this.role = me.role;
    this.capabilities = new Set(me.capabilities ?? []);
    this.vocabularies = vocabularies;
  }

  /** True when the user has `capability` (e.g. "housing.read"). */
  can(capability) {
    return this.capabilities.has(capability);
  }

  /** The values of vocabulary `name` (e.g. "verdicts"), in the server's order. */
  choices(name) {
    return this.vocabularies[name] ?? [];
  }

  /** One value of vocabulary `name`, or null when the server does not list it. */
  choice(name, value) {
    return this.choices(name).find((c) => c.value === value) ?? null;
  }

  /** The bilingual label of `value` in vocabulary `name`, or the value itself. */
  label(name, value) {
    const found = this.choice(name, value);
    return found ? bilingual(found) : String(value ?? "");
  }
}

/** Fetch the user's capabilities and the vocabularies (once, after sign-in). */
export async function loadAccess() {
  const [me, vocabularies] = await Promise.all([getJson("/auth/me"), getJson("/vocabularies")]);
  return new Access(me, vocabularies);
}

/** Show the elements marked `data-needs="capability"` only to users who have it. */
export function applyCapabilities(root, access) {
  for (const element of root.querySelectorAll("[data-needs]")) {
    element.hidden = !access.can(element.dataset.needs);
  }
}
