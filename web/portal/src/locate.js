// "Locate" (定位): open the 3D viewer on the building with the route from the entrance drawn to
// an alarm's equipment or a work order's equipment (or room): /viewer?building=ID&route_to=X.
import { api, bpath } from "./api.js";
import { session } from "./session.js";

/** The viewer's URL with the route to `target` (a GlobalId, an equipment name, a room). */
export function viewerRoute(buildingId, target) {
  return `/viewer?building=${encodeURIComponent(buildingId)}&route_to=${
    encodeURIComponent(target)}`;
}

/** Open the viewer on the route to the equipment of an alarm (its location, else its source). */
export async function locateAlarm(alarm) {
  const detail = await api(bpath(session.building, `/alarms/${alarm.alarm_id}`));
  const target = detail.location?.global_id || alarm.source;
  window.location.assign(viewerRoute(session.building, target));
}

/** Open the viewer on the route to a work order's equipment, else its room. */
export function locateWorkOrder(order) {
  const target = order.equipment_global_id || order.space_global_id;
  if (target) window.location.assign(viewerRoute(session.building, target));
}
