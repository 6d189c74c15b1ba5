/** What every end-to-end jest run shares (jest.config.js and the run.sh phases' configs extend it). */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  rootDir: "../..",
  // Transpile only (tsc -p . type-checks); isolatedModules comes from test/e2e/tsconfig.json.
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/test/e2e/tsconfig.json" }] },
  // The tests' own Docker objects (the psql client, SeaweedFS …): removed before and after a run, never between suites.
  globalSetup: "<rootDir>/test/e2e/harness/globalSetup.ts",
  globalTeardown: "<rootDir>/test/e2e/harness/globalTeardown.ts",
  testTimeout: 180000,
  verbose: true,
};
