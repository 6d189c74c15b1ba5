/**
 * Engine suite: checks the Pulumi engine made by scripts/engine.sh (the rebuilt provider plugins)
 * against the locked npm SDKs. Needs that engine: run `bash scripts/engine.sh` first; without it
 * the suite fails, it does not skip.
 */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  rootDir: "../..",
  testMatch: ["<rootDir>/test/engine/**/*.test.ts"],
  // Transpile only (tsc -p . type-checks); isolatedModules comes from the root tsconfig.json.
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.json" }] },
  maxWorkers: 1,
  testTimeout: 120000,
  verbose: true,
};
