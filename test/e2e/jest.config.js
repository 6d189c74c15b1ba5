/** End-to-end suite: the real program through the real Pulumi engine, on a real Docker engine and a local Kubernetes. */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  rootDir: "../..",
  // test/engine: the rebuilt plugins against the locked SDKs (also alone: npm run test:engine).
  testMatch: ["<rootDir>/test/e2e/**/*.test.ts", "<rootDir>/test/engine/**/*.test.ts"],
  // Transpile only (tsc -p . type-checks); isolatedModules comes from test/e2e/tsconfig.json.
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/test/e2e/tsconfig.json" }] },
  // Scenarios share one stack and one Docker engine: strictly sequential, generous timeouts.
  maxWorkers: 1,
  testTimeout: 180000,
  verbose: true,
};
