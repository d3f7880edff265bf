// Element Plus components, registered one by one by name so that the bundle holds only these
// (app.use would skip the sub-components, whose install is a no-op).
import {
  ElAlert, ElAside, ElButton, ElCard, ElCol, ElConfigProvider, ElContainer, ElDatePicker,
  ElDrawer, ElDropdown, ElDropdownItem, ElDropdownMenu, ElEmpty, ElForm, ElFormItem, ElHeader,
  ElIcon, ElInput, ElMain, ElMenu, ElMenuItem, ElMenuItemGroup, ElOption, ElPagination,
  ElRadioButton, ElRadioGroup, ElRow, ElSelect, ElStatistic, ElSubMenu, ElSwitch, ElTable,
  ElTableColumn, ElTag, ElUpload, ElLoading,
} from "element-plus";

const COMPONENTS = [
  ElAlert, ElAside, ElButton, ElCard, ElCol, ElConfigProvider, ElContainer, ElDatePicker,
  ElDrawer, ElDropdown, ElDropdownItem, ElDropdownMenu, ElEmpty, ElForm, ElFormItem, ElHeader,
  ElIcon, ElInput, ElMain, ElMenu, ElMenuItem, ElMenuItemGroup, ElOption, ElPagination,
  ElRadioButton, ElRadioGroup, ElRow, ElSelect, ElStatistic, ElSubMenu, ElSwitch, ElTable,
  ElTableColumn, ElTag, ElUpload,
];

export function registerElements(app) {
  for (const component of COMPONENTS) app.component(component.name, component);
  app.use(ElLoading);
}
