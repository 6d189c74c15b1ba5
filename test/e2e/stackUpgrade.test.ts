/**
 * A stack made by an earlier pgs, moved to this one, as an operator does it: the earlier release
 * (this repository at OLD_RELEASE, built in a folder of its own) runs `pgs up` of two tenants;
 * then this checkout's program previews and applies the same stack. OLD_RELEASE is the last
 * commit before the backends' seam renamed the Docker components' type tokens (pgs:index:* →
 * pgs:docker:*, kept by aliases) and before routing moved from container labels to route files.
 *
 * What must hold (docs/upgrades.md, "Upgrading pgs itself"): no URN changes (no resource is created and another
 * deleted for the same thing), no volume is replaced or deleted, each tenant's server container
 * is replaced at most once, the data is there afterwards, and the next previews are empty.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Client } from "pg";
import type { ResourceStep } from "../../app/engine/changes";
import { freePort, PROJECT_DIR, type TenantEntry, tenantsYaml, TestStack } from "./harness/stack";

const OLD_RELEASE = "3942b94e70c66a248cbf6dd073421f49296b456e";
const TENANTS: TenantEntry[] = [{ id: "alpha" }, { id: "bravo", backup: { every: "24h", keep: 2 } }];

let stack: TestStack;
let oldDir: string;

/** This repository at OLD_RELEASE, with this checkout's node_modules and engine (.pgs), its CLI bundle built. */
function buildOldRelease(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "pgs-old-release-"));
  execFileSync("sh", ["-c", `git -C "$1" archive "$2" | tar -x -C "$3"`, "sh", PROJECT_DIR, OLD_RELEASE, dir]);
  for (const shared of ["node_modules", ".pgs"]) symlinkSync(path.join(PROJECT_DIR, shared), path.join(dir, shared));
  execFileSync("npm", ["run", "--silent", "build"], { cwd: dir, stdio: "pipe" });
  return dir;
}

/** The old release's `pgs ARGS` on the test's stack (same project folder, backend and secrets). */
function oldPgs(args: string[]): string {
  return execFileSync(path.join(oldDir, "bin", "pgs"), [...args, "--stack", stack.options.stack], {
    cwd: stack.projectDir,
    env: { ...process.env, NO_COLOR: "1" },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
}

async function query(id: string, sql: string): Promise<unknown[]> {
  const e = stack.endpoint(id);
  const client = new Client({
    host: "127.0.0.1",
    port: e.port,
    database: e.database,
    user: e.user,
    password: e.password,
    ssl: { ca: stack.ca(), servername: e.hostname },
  });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** A URN as this release names it: the Docker components renamed (their children follow their parent's type). */
const renamed = (urn: string) => urn.replace(/pgs:index:(TenantDatabase|TenantBackup|TraefikIngress)\b/g, "pgs:docker:$1");

const stepsOf = (steps: ResourceStep[], op: string) =>
  steps
    .filter((s) => s.op === op)
    .map((s) => s.name)
    .sort();

beforeAll(async () => {
  oldDir = buildOldRelease();
  stack = await TestStack.create({ stack: "e2e-upgrade", port: await freePort(), adminPort: await freePort() });
  await stack.prepare(tenantsYaml(TENANTS));
  oldPgs(["up", "--yes"]);
  await stack.readOutputs();
  await query("alpha", "create table kept (n int); insert into kept select generate_series(1, 100)");
}, 900_000);

afterAll(async () => {
  await stack?.dispose();
  if (oldDir) rmSync(oldDir, { recursive: true, force: true });
});

test("a stack made by the earlier release previews with no URN change, no volume replaced, each server replaced at most once; applied, its data is kept and the next previews are empty", async () => {
  const before = (await stack.stack.exportStack()).deployment.resources as { urn: string; type: string }[];
  expect(before.some((r) => r.type === "pgs:index:TenantDatabase")).toBe(true);

  const preview = await stack.preview(undefined);
  const steps = preview.steps.steps;
  // A URN that changed would be a create of the new one and a delete of the old one.
  expect(stepsOf(steps, "delete")).toEqual([]);
  // What is created is only what this release adds (no old URN to pair it with a delete).
  const created = steps.filter((s) => s.op === "create").map((s) => `${s.type}::${s.name}`);
  expect(created.sort()).toEqual([
    // the servers' scripts, once for the stack (components/docker/serverFiles.ts)
    "docker:index/container:Container::server-files-filler",
    // reloadable settings and the route and static files Traefik watches live in volumes of their own
    "docker:index/volume:Volume::alpha-config",
    "docker:index/volume:Volume::bravo-config",
    "docker:index/volume:Volume::ingress-dynamic",
    "docker:index/volume:Volume::server-files-volume",
    "pgs:docker:ServerFiles::server-files",
    // pgs's dynamic resources: files copied into containers, process limits, storage (no limit: nothing on the host)
    "pulumi-nodejs:dynamic/pgs:ContainerFile::alpha-route",
    "pulumi-nodejs:dynamic/pgs:ContainerFile::alpha-settings",
    "pulumi-nodejs:dynamic/pgs:ContainerFile::bravo-route",
    "pulumi-nodejs:dynamic/pgs:ContainerFile::bravo-settings",
    "pulumi-nodejs:dynamic/pgs:ContainerFile::ingress-certificate",
    "pulumi-nodejs:dynamic/pgs:ContainerFile::ingress-config",
    "pulumi-nodejs:dynamic/pgs:ContainerLimits::alpha-limits",
    "pulumi-nodejs:dynamic/pgs:ContainerLimits::bravo-limits",
    "pulumi-nodejs:dynamic/pgs:TenantStorage::alpha-storage",
    "pulumi-nodejs:dynamic/pgs:TenantStorage::bravo-storage",
    "pulumi:providers:pulumi-nodejs::default",
  ]);
  const existing = new Set(before.map((r) => renamed(r.urn)));
  const volumes = steps.filter((s) => s.type === "docker:index/volume:Volume" && existing.has(s.urn));
  expect(volumes.map((s) => s.name).sort()).toEqual(["alpha-data", "bravo-backups", "bravo-data"]);
  for (const step of volumes) expect({ volume: step.name, op: step.op }).toEqual({ volume: step.name, op: "same" });
  const containers = steps.filter((s) => s.type === "docker:index/container:Container" && existing.has(s.urn));
  expect(containers.map((s) => s.name).sort()).toEqual(["alpha-postgres", "bravo-backup", "bravo-postgres", "ingress-traefik"]);
  for (const step of containers) expect(["same", "update", "replace"]).toContain(step.op);
  const after = new Set(steps.map((s) => s.urn));
  for (const old of before.filter((r) => r.type !== "pulumi:pulumi:Stack")) expect(after).toContain(renamed(old.urn));

  // The operator's step: this release's pgs up, then the data and an empty preview.
  const up = await stack.pgs(["up", "--yes"]);
  expect({ code: up.code, stderr: up.stderr }).toEqual({ code: 0, stderr: "" });
  await stack.readOutputs();
  expect(await query("alpha", "select count(*)::int as n from kept")).toEqual([{ n: 100 }]);
  const again = await stack.pgs(["preview"]);
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(/nothing to change|no changes/i);
  await stack.preview(undefined, {}, { expectNoChanges: true });
}, 900_000);
