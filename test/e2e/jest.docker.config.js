/**
 * The Docker suites, two at a time (test/e2e/run.sh's first phase): each has its own stack, ports
 * and volumes, and the harness keeps them apart (cleanup by stack, dangling volumes by owner).
 * Not here: dockerdRestart.test.ts (it restarts the Docker engine: alone, after these) and
 * kubernetes.test.ts (the local cluster).
 */
const base = require("./jest.base");

module.exports = {
  ...base,
  testMatch: ["<rootDir>/test/e2e/**/*.test.ts", "<rootDir>/test/engine/**/*.test.ts"],
  testPathIgnorePatterns: [
    "/node_modules/",
    "<rootDir>/test/e2e/dockerdRestart\\.test\\.ts$",
    "<rootDir>/test/e2e/kubernetes\\.test\\.ts$",
  ],
  maxWorkers: 2,
};
