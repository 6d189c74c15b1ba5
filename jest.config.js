/** Unit tests: no Docker, Pulumi's mock runtime only. The e2e suite has its own config (test/e2e). */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/e2e/", "<rootDir>/test/engine/"],
  testTimeout: 30000,
};
