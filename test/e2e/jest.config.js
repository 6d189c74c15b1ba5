/** End-to-end suite: the real program under Pulumi mocks, applied to a real Docker engine. */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  rootDir: "../..",
  testMatch: ["<rootDir>/test/e2e/**/*.test.ts"],
  // Transpile only (tsc -p . type-checks); isolatedModules comes from test/e2e/tsconfig.json.
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/test/e2e/tsconfig.json" }] },
  // Scenarios share one stack and one Docker engine: strictly sequential, generous timeouts.
  maxWorkers: 1,
  testTimeout: 180000,
  verbose: true,
};
