// Chinese first (zh-CN), English on request; the choice is remembered in localStorage.
// Vocabulary labels (verdicts, severities, states …) come from the server, not from here.
import { createI18n } from "vue-i18n";
import { choice } from "./session.js";
import { assetMessages } from "./components/AssetMessages.js";
import { securityMessages } from "./components/SecurityMessages.js";
import { meetingMessages } from "./components/MeetingMessages.js";
import { energyMessages } from "./components/EnergyMessages.js";

const LANG_KEY = "twin.lang";

const messages = {
  "zh-CN": {
    app: { title: "楼宇数字孪生管理平台", short: "数字孪生" },
    signin: { title: "用户登录", username: "用户名", password: "密码", submit: "登 录",
      required: "请输入用户名和密码" },
    top: { building: "楼宇", signOut: "退出登录", role: "角色", noBuilding: "无可用楼宇" },
    nav: { home: "首页", housing: "数字房管", compliance: "合规总览", rooms: "房间台账",
      allocations: "分配管理", rectification: "整改方案", maintenance: "运维管理",
      alarms: "告警监控", workOrders: "工单管理", viewer: "三维 3D" },
    common: { total: "共 {n} 条", search: "搜索", all: "全部", refresh: "刷新",
      actions: "操作", loading: "加载中…", none: "暂无数据", error: "错误",
      confirm: "确定", cancel: "取消", done: "操作成功", locate: "定位" },
    dash: { title: "管理驾驶舱", nav: "管理驾驶舱", verdicts: "各楼宇房间核定结论",
      operations: "各楼宇运维情况", alarms: "各楼宇告警级别" },
    home: { title: "楼宇总览", rooms: "房间", over: "超标房间", vacant: "空置办公室",
      alarms: "未关闭告警", workOrders: "未完成工单", overdue: "逾期工单",
      online: "设备在线率", open: "进入" },
    rooms: { title: "房间台账", verdict: "核定结论", department: "部门", storey: "楼层",
      room: "房间号", occupants: "使用人", area: "使用面积 m²", limit: "核定面积 m²",
      excess: "超出 m²", reason: "说明", perVerdict: "按结论统计", perDepartment: "各部门超标房间",
      perStorey: "各楼层结论", count: "共 {n} 间", areas: "面积来源", source: "来源",
      used: "采用", flags: "提示", sources: { geometry: "几何计算", qto: "IFC 工程量",
        register: "台账登记" } },
    alloc: { title: "分配管理", upload: "导入分配表 (CSV/XLSX)", person: "人员编号", name: "姓名",
      department: "部门", grade: "职级", room: "房间号", start: "起始日期", end: "结束日期",
      endNow: "结束分配", endConfirm: "确定于今日结束 {name} 在 {room} 的分配？",
      imported: "已导入 {people} 人、{assignments} 条分配", refused: "被拒绝的行",
      currentOnly: "仅当前分配", row: "行", column: "列", value: "值", reason: "原因",
      verdict: "房间结论", endedVerdict: "已结束；{room} 现为：{verdict}" },
    rect: { title: "整改方案", issued: "下发日期", deadline: "整改期限", offices: "办公室",
      overStandard: "超标房间", excess: "超出面积 m²", findings: "人员问题",
      subject: "对象", finding: "问题", basis: "依据", action: "整改措施",
      today: "日期（默认今天）", inForce: "现行标准", downloadXlsx: "下载 Excel",
      downloadPdf: "下载 PDF" },
    alarms: { title: "告警监控", severity: "级别", state: "状态", message: "告警内容",
      source: "设备", firstSeen: "首次发生", ack: "确认", close: "关闭", live: "实时推送已连接",
      dropped: "实时推送已断开，正在重连…", filter: "状态筛选", open: "未关闭" },
    wo: { title: "工单管理", id: "工单号", titleCol: "标题", priority: "优先级",
      state: "状态", assignee: "处理人", due: "期限", transition: "流转", assign: "派单",
      comment: "备注", assignPrompt: "处理人用户名", commentPrompt: "备注内容",
      openOnly: "仅未完成" },
    sched: { title: "预防性维护计划", nav: "维护计划", id: "计划", titleCol: "名称",
      trigger: "触发方式", every: "周期", unit: "单位", ifcClass: "设备类别", due: "到期项目",
      equipment: "设备", name: "名称", dueAt: "到期日", reason: "依据", overdue: "已逾期",
      horizon: "提前天数", now: "立即", issue: "生成到期工单", issued: "已生成 {n} 张工单" },
    round: { title: "今日巡检路线", nav: "巡检路线", stop: "站点", target: "位置", place: "工作内容",
      workOrders: "工单", length: "总长度 {m} 米", none: "今日无巡检任务" },
    audit: { title: "审计日志", nav: "审计日志", at: "时间", actor: "操作人", action: "操作",
      target: "对象", detail: "详情", filter: "操作类型" },
    spaceUse: { title: "房间用途核定", nav: "用途核定", use: "用途", source: "依据",
      confidence: "置信度", evidence: "识别依据", longName: "模型名称", note: "备注",
      set: "核定", clear: "恢复模型", setTitle: "核定房间 {room} 的用途",
      unclassifiedHint: "{n} 个房间的用途未能从模型识别：被分配使用时按办公室核定并提示，"
        + "请在此核定。",
      sources: { override: "人工核定", classification: "分类编码", pset: "属性集",
        object_type: "对象类型", long_name: "长名称", name: "名称", none: "无" } },
    admin: { group: "系统管理", buildings: "楼宇管理", users: "用户管理", buildingName: "楼宇名称",
      uploadIfc: "上传 IFC 模型", uploading: "上传中 {p}%", revision: "版本", revisions: "版本记录",
      newRevision: "上传新版本", file: "文件", chooseFile: "选择文件", noFile: "未选择文件",
      at: "时间", by: "操作人", quality: "模型质量", qualityOf: "版本 {n} 模型质量（IDS）",
      qualityPassed: "通过", qualityFailed: "未通过", requirement: "要求", requirementTitle: "说明",
      status: "结果", warning: "警告", failing: "不合格 / 适用", examples: "示例构件",
      passwordHint: "密码（至少 8 位）", buildingsInScope: "可访问楼宇", add: "新增用户",
      remove: "删除", removeConfirm: "确定删除用户 {name}？", scope: "楼宇范围",
      allBuildings: "全部楼宇", someBuildings: "指定楼宇",
      editScope: "调整范围", scopeOf: "{name} 可访问的楼宇", noBuildings: "无" },
    devices: { title: "设备管理", nav: "设备管理", key: "设备编号", kind: "类型", name: "所属设备",
      value: "最新读数", status: "状态", source: "登记方式", online: "在线", offline: "离线",
      importCsv: "导入设备表 (CSV)", importModel: "从模型导入传感器", imported: "已导入 {n} 台设备" },
    deadLetters: { title: "死信记录", nav: "死信记录", at: "接收时间", source: "来源",
      reason: "原因", detail: "说明", payload: "原始数据" },
    tokens: { title: "设备令牌", nav: "设备令牌", kind: "类型", gateway: "网关", device: "单个设备",
      gatewayId: "网关编号", issue: "生成令牌", once: "令牌只显示这一次，请立即妥善保存" },
    errors: { forbidden: "无权限", notFound: "页面不存在" },
  },
  en: {
    app: { title: "Facility Twin Management Platform", short: "Facility twin" },
    signin: { title: "Sign in", username: "Username", password: "Password", submit: "Sign in",
      required: "Enter your username and password" },
    top: { building: "Building", signOut: "Sign out", role: "Role", noBuilding: "No building" },
    nav: { home: "Home", housing: "Office space", compliance: "Compliance", rooms: "Rooms",
      allocations: "Allocations", rectification: "Rectification", maintenance: "Maintenance",
      alarms: "Alarms", workOrders: "Work orders", viewer: "3D viewer" },
    common: { total: "{n} in all", search: "Search", all: "All", refresh: "Refresh",
      actions: "Actions", loading: "Loading…", none: "No data", error: "Error",
      confirm: "OK", cancel: "Cancel", done: "Done", locate: "Locate" },
    dash: { title: "Manager dashboard", nav: "Dashboard", verdicts: "Room verdicts per building",
      operations: "Operations per building", alarms: "Open alarms per building by severity" },
    home: { title: "Portfolio", rooms: "Rooms", over: "Over-standard rooms",
      vacant: "Vacant offices", alarms: "Open alarms", workOrders: "Open work orders",
      overdue: "Overdue", online: "Devices online", open: "Open" },
    rooms: { title: "Rooms", verdict: "Verdict", department: "Department", storey: "Storey",
      room: "Room", occupants: "Occupants", area: "Area used m²", limit: "Limit m²",
      excess: "Excess m²", reason: "Reason", perVerdict: "Rooms per verdict",
      perDepartment: "Over-standard rooms per department", perStorey: "Verdicts per storey",
      count: "{n} rooms", areas: "Area by source",
      source: "Source", used: "used", flags: "Flags", sources: { geometry: "Geometry",
        qto: "IFC quantities", register: "Register" } },
    alloc: { title: "Allocations", upload: "Import allocations (CSV/XLSX)", person: "Person id",
      name: "Name", department: "Department", grade: "Grade", room: "Room", start: "From",
      end: "To", endNow: "End", endConfirm: "End the assignment of {name} in {room} today?",
      imported: "Imported {people} people and {assignments} assignments",
      refused: "Refused rows", currentOnly: "Current only", row: "Row", column: "Column",
      value: "Value", reason: "Reason", verdict: "Room verdict",
      endedVerdict: "Ended; {room} is now: {verdict}" },
    rect: { title: "Rectification plan", issued: "Issued", deadline: "Deadline",
      offices: "Offices", overStandard: "Over standard", excess: "Excess m²",
      findings: "Person findings", subject: "Subject", finding: "Finding", basis: "Basis",
      action: "Action", today: "Date (default today)", inForce: "Standard in force",
      downloadXlsx: "Download Excel", downloadPdf: "Download PDF" },
    alarms: { title: "Alarm console", severity: "Severity", state: "State", message: "Message",
      source: "Device", firstSeen: "First seen", ack: "Acknowledge", close: "Close",
      live: "Live stream connected", dropped: "Live stream dropped, reconnecting…",
      filter: "State", open: "Open" },
    wo: { title: "Work orders", id: "Id", titleCol: "Title", priority: "Priority",
      state: "State", assignee: "Assignee", due: "Due", transition: "Move to",
      assign: "Assign", comment: "Comment", assignPrompt: "Assignee's username",
      commentPrompt: "Comment", openOnly: "Open only" },
    sched: { title: "Preventive maintenance", nav: "Schedules", id: "Schedule",
      titleCol: "Title", trigger: "Trigger", every: "Every", unit: "Unit",
      ifcClass: "Equipment class", due: "Falling due", equipment: "Equipment", name: "Name",
      dueAt: "Due", now: "Now", reason: "Reason", overdue: "Overdue", horizon: "Horizon (days)",
      issue: "Issue due work", issued: "{n} work orders opened" },
    round: { title: "Today's round", nav: "Round", stop: "Stop", target: "Place", place: "Work",
      workOrders: "Work orders", length: "{m} m in all", none: "No round today" },
    audit: { title: "Audit log", nav: "Audit log", at: "At", actor: "Actor", action: "Action",
      target: "Target", detail: "Detail", filter: "Action" },
    spaceUse: { title: "Space uses", nav: "Space uses", use: "Use", source: "From",
      confidence: "Confidence", evidence: "Evidence", longName: "Model name", note: "Note",
      set: "Set", clear: "Back to model", setTitle: "Use of room {room}",
      unclassifiedHint: "{n} rooms have a use the model does not say: held ones are judged "
        + "as offices and flagged; set their use here.",
      sources: { override: "Officer", classification: "Classification", pset: "Property set",
        object_type: "Object type", long_name: "Long name", name: "Name", none: "Nothing" } },
    admin: { group: "Administration", buildings: "Buildings", users: "Users",
      buildingName: "Building name", uploadIfc: "Upload IFC", uploading: "Uploading {p}%",
      revision: "Revision", revisions: "Revisions", newRevision: "New revision", file: "File",
      chooseFile: "Choose file", noFile: "No file chosen",
      at: "At", by: "By", quality: "Quality", qualityOf: "Model quality of revision {n} (IDS)",
      qualityPassed: "passed", qualityFailed: "failed", requirement: "Requirement",
      requirementTitle: "What", status: "Result", warning: "warning",
      failing: "Failing / applicable", examples: "Examples",
      passwordHint: "Password (8+ characters)",
      buildingsInScope: "Buildings in scope", add: "Add user", remove: "Remove",
      removeConfirm: "Remove the user {name}?", scope: "Scope", allBuildings: "All buildings",
      someBuildings: "Some buildings", editScope: "Change", scopeOf: "Buildings {name} may see",
      noBuildings: "none" },
    devices: { title: "Device registry", nav: "Devices", key: "Device key", kind: "Kind",
      name: "Equipment", value: "Latest reading", status: "Status", source: "Registered by",
      online: "Online", offline: "Offline", importCsv: "Import devices (CSV)",
      importModel: "Import sensors from the model", imported: "Imported {n} devices" },
    deadLetters: { title: "Dead letters", nav: "Dead letters", at: "Received", source: "Source",
      reason: "Reason", detail: "Detail", payload: "Payload" },
    tokens: { title: "Device tokens", nav: "Device tokens", kind: "Kind", gateway: "Gateway",
      device: "One device", gatewayId: "Gateway id", issue: "Issue token",
      once: "The token is shown this once: keep it now" },
    errors: { forbidden: "Not allowed", notFound: "No such page" },
  },
};

function initialLocale() {
  const saved = localStorage.getItem(LANG_KEY);
  return saved === "en" ? "en" : "zh-CN";
}

for (const lang of Object.keys(assetMessages)) messages[lang].pool = assetMessages[lang];
for (const lang of Object.keys(securityMessages)) messages[lang].sec = securityMessages[lang];
for (const lang of Object.keys(meetingMessages)) messages[lang].meet = meetingMessages[lang];
for (const lang of Object.keys(energyMessages)) messages[lang].energy = energyMessages[lang];

export const i18n = createI18n({ legacy: false, locale: initialLocale(),
  fallbackLocale: "zh-CN", messages });

export function setLocale(locale) {
  i18n.global.locale.value = locale;
  localStorage.setItem(LANG_KEY, locale);
  document.documentElement.lang = locale;
}

/** The label of a vocabulary value in the current language. */
export function label(vocabulary, value) {
  const c = choice(vocabulary, value);
  return i18n.global.locale.value === "en" ? c.label_en : c.label_zh;
}
