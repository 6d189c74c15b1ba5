/** dockerdRestart.test.ts alone: it restarts the Docker engine that every other Docker suite uses. */
const base = require("./jest.base");

module.exports = { ...base, testMatch: ["<rootDir>/test/e2e/dockerdRestart.test.ts"], maxWorkers: 1 };
