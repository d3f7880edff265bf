// Element Plus components, registered one by one by name so that the bundle holds only these
// (app.use would skip the sub-components, whose install is a no-op).
import {
  ElAlert, ElAside, ElBadge, ElButton, ElCalendar, ElCard, ElCheckbox, ElCheckboxGroup, ElCol,
  ElCollapse, ElCollapseItem, ElConfigProvider, ElContainer, ElDatePicker, ElDescriptions,
  ElDescriptionsItem, ElDialog, ElDivider, ElDrawer, ElDropdown, ElDropdownItem, ElDropdownMenu,
  ElEmpty, ElForm, ElFormItem, ElHeader, ElIcon, ElInput, ElInputNumber, ElLink, ElMain, ElMenu,
  ElMenuItem, ElMenuItemGroup, ElOption, ElPagination, ElPopconfirm, ElProgress, ElRadioButton,
  ElRadioGroup, ElResult, ElRow, ElSelect, ElSkeleton, ElStatistic, ElStep, ElSteps, ElSubMenu,
  ElSwitch, ElTabPane, ElTable, ElTableColumn, ElTabs, ElTag, ElTimePicker, ElTimeline,
  ElTimelineItem, ElTooltip, ElTree, ElUpload, ElLoading,
} from "element-plus";

const COMPONENTS = [
  ElAlert, ElAside, ElBadge, ElButton, ElCalendar, ElCard, ElCheckbox, ElCheckboxGroup, ElCol,
  ElCollapse, ElCollapseItem, ElConfigProvider, ElContainer, ElDatePicker, ElDescriptions,
  ElDescriptionsItem, ElDialog, ElDivider, ElDrawer, ElDropdown, ElDropdownItem, ElDropdownMenu,
  ElEmpty, ElForm, ElFormItem, ElHeader, ElIcon, ElInput, ElInputNumber, ElLink, ElMain, ElMenu,
  ElMenuItem, ElMenuItemGroup, ElOption, ElPagination, ElPopconfirm, ElProgress, ElRadioButton,
  ElRadioGroup, ElResult, ElRow, ElSelect, ElSkeleton, ElStatistic, ElStep, ElSteps, ElSubMenu,
  ElSwitch, ElTabPane, ElTable, ElTableColumn, ElTabs, ElTag, ElTimePicker, ElTimeline,
  ElTimelineItem, ElTooltip, ElTree, ElUpload,
];

export function registerElements(app) {
  for (const component of COMPONENTS) app.component(component.name, component);
  app.use(ElLoading);
}
