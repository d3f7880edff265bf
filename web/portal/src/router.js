// The pages and their addresses (each page its own chunk, loaded when first shown).
// A signed-out visit goes to /signin?next=<the asked page>.
import { createRouter, createWebHistory } from "vue-router";
import { signedIn, session, loadSession } from "./session.js";
import Layout from "./views/Layout.vue";
import SignIn from "./views/SignIn.vue";
const Home = () => import("./views/Home.vue");
const HousingRooms = () => import("./views/HousingRooms.vue");
const HousingAllocations = () => import("./views/HousingAllocations.vue");
const HousingRectification = () => import("./views/HousingRectification.vue");
const HousingSpaceUses = () => import("./views/HousingSpaceUses.vue");
const MaintenanceAlarms = () => import("./views/MaintenanceAlarms.vue");
const MaintenanceWorkOrders = () => import("./views/MaintenanceWorkOrders.vue");
const MaintenanceSchedules = () => import("./views/MaintenanceSchedules.vue");
const MaintenanceRound = () => import("./views/MaintenanceRound.vue");
const AdminAudit = () => import("./views/AdminAudit.vue");
const AdminBuildings = () => import("./views/AdminBuildings.vue");
const AdminUsers = () => import("./views/AdminUsers.vue");
const AdminDevices = () => import("./views/AdminDevices.vue");
const AdminDeadLetters = () => import("./views/AdminDeadLetters.vue");
const AdminTokens = () => import("./views/AdminTokens.vue");
const Dashboard = () => import("./views/Dashboard.vue");
const AssetCatalogue = () => import("./views/AssetCatalogue.vue");
const AssetRequests = () => import("./views/AssetRequests.vue");
const AssetAudits = () => import("./views/AssetAudits.vue");
const AssetReports = () => import("./views/AssetReports.vue");
const MeetingFind = () => import("./views/MeetingFind.vue");
const MeetingMine = () => import("./views/MeetingMine.vue");
const MeetingPanel = () => import("./views/MeetingPanel.vue");
const MeetingUtilisation = () => import("./views/MeetingUtilisation.vue");
const SecurityConsole = () => import("./views/SecurityConsole.vue");
const VehicleWorkspace = () => import("./views/VehicleWorkspace.vue");
const EnergyOverview = () => import("./views/EnergyOverview.vue");
const NotFound = () => import("./views/NotFound.vue");

const routes = [
  { path: "/signin", name: "signin", component: SignIn, meta: { public: true } },
  {
    path: "/", component: Layout, children: [
      { path: "", name: "home", component: Home },
      { path: "dashboard", name: "dashboard", component: Dashboard },
      { path: "housing/rooms", name: "rooms", component: HousingRooms },
      { path: "housing/allocations", name: "allocations", component: HousingAllocations },
      { path: "housing/rectification", name: "rectification", component: HousingRectification },
      { path: "housing/space-uses", name: "spaceUses", component: HousingSpaceUses },
      { path: "maintenance/alarms", name: "alarms", component: MaintenanceAlarms },
      { path: "maintenance/work-orders", name: "workOrders", component: MaintenanceWorkOrders },
      { path: "maintenance/schedules", name: "schedules", component: MaintenanceSchedules },
      { path: "maintenance/round", name: "round", component: MaintenanceRound },
      { path: "admin/audit", name: "adminAudit", component: AdminAudit },
      { path: "admin/buildings", name: "adminBuildings", component: AdminBuildings },
      { path: "admin/users", name: "adminUsers", component: AdminUsers },
      { path: "admin/devices", name: "adminDevices", component: AdminDevices },
      { path: "admin/dead-letters", name: "adminDeadLetters", component: AdminDeadLetters },
      { path: "admin/device-tokens", name: "adminTokens", component: AdminTokens },
      { path: "pool/catalogue", name: "poolCatalogue", component: AssetCatalogue },
      { path: "pool/requests", name: "poolRequests", component: AssetRequests },
      { path: "pool/audits", name: "poolAudits", component: AssetAudits },
      { path: "pool/reports", name: "poolReports", component: AssetReports },
      { path: "meeting/find", name: "meetingFind", component: MeetingFind },
      { path: "meeting/mine", name: "meetingMine", component: MeetingMine },
      { path: "meeting/panel", name: "meetingPanel", component: MeetingPanel },
      { path: "meeting/utilisation", name: "meetingUse", component: MeetingUtilisation },
      { path: "security/console", name: "securityConsole", component: SecurityConsole },
      { path: "vehicles", name: "vehicles", component: VehicleWorkspace },
      { path: "energy", name: "energy", component: EnergyOverview },
      { path: ":rest(.*)*", name: "notFound", component: NotFound },
    ],
  },
];

export const router = createRouter({ history: createWebHistory(), routes });

router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  if (!signedIn()) return { name: "signin", query: { next: to.fullPath } };
  if (!session.ready) {
    try {
      await loadSession();
    } catch {
      return { name: "signin", query: { next: to.fullPath } };
    }
  }
  return true;
});
