/** Unit tests: no Docker, Pulumi's mock runtime only. The e2e suite has its own config (test/e2e). */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/e2e/", "<rootDir>/test/engine/"],
  // Tests that build components load Pulumi's SDK afresh each time (jest.isolateModulesAsync) and
  // jest keeps every copy: in one process the suite grew past 24 GiB and was OOM-killed in CI.
  // A memory limit makes jest run files in worker processes (even with one worker, as on 2 cores)
  // and replace a worker once it holds more than this after a file.
  workerIdleMemoryLimit: "1GB",
  // Generous: on 2 cores beside CI's Go builds, a first ts-jest compile of the program takes 20 s+.
  testTimeout: 120000,
};
