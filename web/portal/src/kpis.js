// The KPIs of one building, as far as the user may read them: rooms, compliance counts
// (housing.read), open alarms by severity and open / overdue work orders (maintenance.read),
// devices online (everyone).
import { api, bpath } from "./api.js";
import { can } from "./session.js";

async function housing(id, kpis) {
  const report = await api(bpath(id, "/compliance"));
  kpis.verdicts = report.counts;
  kpis.over = (report.counts.over || 0) + (report.counts.shared_over || 0);
  kpis.vacant = report.counts.vacant || 0;
}

async function maintenance(id, kpis) {
  const [alarms, orders, overdue] = await Promise.all([
    api(bpath(id, "/alarms")), api(bpath(id, "/work-orders?open_only=true")),
    api(bpath(id, "/work-orders/overdue")),
  ]);
  const bySeverity = {};
  for (const a of alarms) bySeverity[a.severity] = (bySeverity[a.severity] || 0) + 1;
  kpis.alarms = bySeverity;
  kpis.alarmTotal = alarms.length;
  kpis.workOrders = orders.length;
  kpis.overdue = overdue.length;
}

async function online(id, kpis) {
  const states = await api(bpath(id, "/state"));
  kpis.online = states.length
    ? Math.round((100 * states.filter((s) => s.online).length) / states.length) : null;
}

/** Fill `kpis` (a reactive object) for `building`; `kpis.error` holds the first refusal. */
export async function loadKpis(building, kpis) {
  kpis.rooms = building.revision?.counts?.spaces ?? 0;
  const jobs = [online(building.id, kpis)];
  if (can("housing.read")) jobs.push(housing(building.id, kpis));
  if (can("maintenance.read")) jobs.push(maintenance(building.id, kpis));
  const results = await Promise.allSettled(jobs);
  const failed = results.find((r) => r.status === "rejected");
  kpis.error = failed ? failed.reason : null;
  kpis.loaded = true;
}
