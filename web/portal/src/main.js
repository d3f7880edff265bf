// The portal's entry: Vue, Element Plus (the components the pages use), vue-i18n, the router.
import { createApp } from "vue";
import "element-plus/dist/index.css";
import "./style.css";
import App from "./App.vue";
import { i18n } from "./i18n.js";
import { router } from "./router.js";
import { registerElements } from "./elements.js";
import { handleUnauthorized } from "./api.js";
import { signOut } from "./session.js";

handleUnauthorized(() => {
  signOut();
  const next = router.currentRoute.value.fullPath;
  router.push({ name: "signin", query: { next } });
});

const app = createApp(App);
registerElements(app);
app.use(i18n).use(router).mount("#app");
