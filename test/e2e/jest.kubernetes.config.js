/** The Kubernetes suite (backend: kubernetes on the local cluster), alone. */
const base = require("./jest.base");

module.exports = { ...base, testMatch: ["<rootDir>/test/e2e/kubernetes.test.ts"], maxWorkers: 1 };
