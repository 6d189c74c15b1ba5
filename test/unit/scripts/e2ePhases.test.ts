/**
 * test/e2e/run.sh runs the end-to-end suites in phases (jest.docker, .dockerd and .kubernetes
 * configs): together they run every suite of the full config (jest.config.js) exactly once, and
 * only the suites that can share the machine run side by side.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ROOT } from "./sandbox";

const JEST = path.join(ROOT, "node_modules", ".bin", "jest");
const PHASES = { docker: "jest.docker.config.js", dockerd: "jest.dockerd.config.js", kubernetes: "jest.kubernetes.config.js" };

function listed(config: string): string[] {
  const r = spawnSync(JEST, ["-c", path.join("test/e2e", config), "--listTests"], { cwd: ROOT, encoding: "utf8" });
  expect(r.status).toBe(0);
  return r.stdout
    .trim()
    .split("\n")
    .map((f) => path.relative(ROOT, f))
    .sort();
}

function config(file: string): Record<string, unknown> {
  return require(path.join(ROOT, "test/e2e", file));
}

test("every suite runs in exactly one phase, and run.sh runs every phase", () => {
  const all = listed("jest.config.js");
  expect(all).toEqual(
    expect.arrayContaining(["test/e2e/pgs.test.ts", "test/e2e/kubernetes.test.ts", "test/engine/providerSchemas.test.ts"]),
  );
  const phases = Object.fromEntries(Object.entries(PHASES).map(([name, file]) => [name, listed(file)]));
  expect(Object.values(phases).flat().sort()).toEqual(all);
  expect(phases.dockerd).toEqual(["test/e2e/dockerdRestart.test.ts"]);
  expect(phases.kubernetes).toEqual(["test/e2e/kubernetes.test.ts"]);
  const run = readFileSync(path.join(ROOT, "test/e2e/run.sh"), "utf8");
  for (const [name, file] of Object.entries(PHASES)) expect(run).toContain(`phase ${name} test/e2e/${file}`);
});

test("only the Docker phase runs suites side by side; the full config runs them one after another", () => {
  expect(config(PHASES.docker).maxWorkers).toBe(2);
  expect(config(PHASES.dockerd).maxWorkers).toBe(1);
  expect(config(PHASES.kubernetes).maxWorkers).toBe(1);
  expect(config("jest.config.js").maxWorkers).toBe(1);
});

test("the suite that restarts the Docker engine runs after the suites that share it", () => {
  const run = readFileSync(path.join(ROOT, "test/e2e/run.sh"), "utf8");
  expect(run.indexOf("phase docker ")).toBeGreaterThan(-1);
  expect(run.indexOf("phase dockerd ")).toBeGreaterThan(run.indexOf("phase docker "));
});
