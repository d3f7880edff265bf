// ESLint (flat config): the recommended rules and browser globals for the viewer's modules,
// functions of at most 80 lines and lines of at most 100 characters. scripts/build-viewer.sh
// runs it before bundling and fails on any error.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["dist/", "dist.tmp/", "node_modules/"] },
  js.configs.recommended,
  {
    files: ["**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "max-lines-per-function": ["error", { max: 80, skipBlankLines: true, skipComments: true }],
      "max-len": ["error", { code: 100, ignoreUrls: true }],
    },
  },
];
