/**
 * End-to-end suite: the real program through the real Pulumi engine, on a real Docker engine and a
 * local Kubernetes. Every suite, one after another (npm run test:e2e runs them in phases instead:
 * test/e2e/run.sh).
 */
const base = require("./jest.base");

module.exports = {
  ...base,
  // test/engine: the rebuilt plugins against the locked SDKs (also alone: npm run test:engine).
  testMatch: ["<rootDir>/test/e2e/**/*.test.ts", "<rootDir>/test/engine/**/*.test.ts"],
  maxWorkers: 1,
};
