// ESLint for the page's ES modules, the bench page and the node --test tests.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["dist/**", "dist-bench/**", "node_modules/**", ".cache/**", "artifacts/**"] },
  js.configs.recommended,
  {
    files: ["web/**/*.js", "web/**/*.mjs", "tools/**/*.js", "tools/**/*.mjs"],
    languageOptions: { ecmaVersion: 2023, sourceType: "module", globals: { ...globals.browser, ...globals.worker } },
    rules: { "no-unused-vars": ["error", { args: "none", caughtErrors: "none" }] },
  },
  {
    files: ["tests/js/**/*.js", "tests/js/**/*.mjs", "eslint.config.mjs"],
    languageOptions: { ecmaVersion: 2023, sourceType: "module", globals: { ...globals.node } },
  },
];
