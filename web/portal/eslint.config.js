// ESLint (flat config): the recommended rules, Vue's essential rules and browser globals;
// functions of at most 80 lines and lines of at most 100 characters. scripts/build-portal.sh
// runs it before building and fails on any error.
import js from "@eslint/js";
import pluginVue from "eslint-plugin-vue";
import globals from "globals";

export default [
  { ignores: ["dist/", "dist.tmp/", "node_modules/"] },
  js.configs.recommended,
  ...pluginVue.configs["flat/essential"],
  {
    files: ["**/*.js", "**/*.vue"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "max-lines-per-function": ["error", { max: 80, skipBlankLines: true, skipComments: true }],
      "max-len": ["error", { code: 100, ignoreUrls: true }],
      "vue/multi-word-component-names": "off",
    },
  },
];
