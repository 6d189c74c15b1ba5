/**
 * What only the real engine can show: no perpetual diffs, refresh and drift, state and secrets on
 * a real backend, invalid input stopping preview and up, interrupted updates, destroy keeping
 * data, and the offline plan agreeing with a real preview.
 */
import type { ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { planMocks } from "../../app/offline/planMocks";
import { runProgram } from "../../app/offline/programRunner";
import { psql, run } from "./harness/clients";
import { container, docker, eventually, note, notes, volumeExists } from "./harness/facts";
import { dockerChanges, freePort, PROJECT_DIR, type TenantEntry, tenantsYaml, TestStack } from "./harness/stack";

const CUSTOM_PASSWORD = "engine-test Custom/Passw0rd:with=signs";
const ALPHA: TenantEntry = { id: "alpha" };
const BRAVO: TenantEntry = { id: "bravo", postgres: { version: 17 }, passwordSecret: "bravoPassword", backup: { every: "24h", keep: 2 } };
const TENANTS = [ALPHA, BRAVO];
const SECRETS = { secretConfig: { bravoPassword: CUSTOM_PASSWORD } };

let stack: TestStack;

const marker = (id: string) => psql(stack.endpoint(id), "select string_agg(v, ',') from marker");

async function routable(id: string): Promise<void> {
  await eventually(
    `${id} answers through Traefik`,
    60_000,
    async () => ((await psql(stack.endpoint(id), "select 1")).ok ? true : undefined),
    500,
  );
}

/** Every file the local backend holds for the stack: state, history, backups. */
function stateFiles(): string[] {
  const root = path.join(stack.projectDir, ".pgs", "state");
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => {
      const full = path.join(dir, n);
      return statSync(full).isDirectory() ? walk(full) : [full];
    });
  return walk(root);
}

beforeAll(async () => {
  stack = await TestStack.create({ stack: "e2e-engine", port: await freePort(), adminPort: await freePort() });
}, 180_000);

afterAll(async () => {
  process.stdout.write(`\ne2e engine measurements:\n${notes.map((n) => `  ${n}`).join("\n")}\n`);
  await stack?.dispose();
}, 180_000);

test("the first up of a new stack creates everything (its reference to its own last outputs finds none)", async () => {
  const { steps, ms } = await stack.up(tenantsYaml(TENANTS), SECRETS);
  note(`first up, 2 tenants: ${ms} ms`);
  expect(dockerChanges(steps).created).toEqual(
    expect.arrayContaining(["alpha-data", "alpha-network", "alpha-postgres", "bravo-backup", "bravo-postgres"]),
  );
  for (const id of ["alpha", "bravo"]) {
    await routable(id);
    expect(await psql(stack.endpoint(id), `create table marker (v text); insert into marker values ('${id}-row')`)).toMatchObject({
      ok: true,
    });
  }
}, 600_000);

test("nothing changed: up changes nothing, preview and refresh expect no changes", async () => {
  const again = await stack.up(tenantsYaml(TENANTS), SECRETS);
  // The program reads its own last outputs (the major-version guard) on every run: a read, not a change.
  const changed = again.steps.steps.filter((s) => !["same", "refresh", "read"].includes(s.op));
  expect(changed.map((s) => `${s.op} ${s.name} [${s.diffs}]`)).toEqual([]);
  note(`up with nothing changed: ${again.ms} ms`);
  const preview = await stack.preview(undefined, SECRETS, { expectNoChanges: true });
  note(`preview with nothing changed: ${preview.ms} ms`);
  const refresh = await stack.refresh({ expectNoChanges: true });
  note(`refresh with nothing changed: ${refresh.ms} ms`);
}, 600_000);

test("no password or connection string in the backend's files, in stack output without --show-secrets, or in the output of up", async () => {
  const secrets = [
    stack.endpoint("alpha").password,
    CUSTOM_PASSWORD,
    encodeURIComponent(CUSTOM_PASSWORD),
    ...Object.values(stack.outputs.connectionStrings as Record<string, string>),
  ];
  const files = stateFiles();
  expect(files.length).toBeGreaterThan(2);
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    for (const secret of secrets) expect({ file, leaks: text.includes(secret) }).toEqual({ file, leaks: false });
  }
  const shown = await stack.pulumi(["stack", "output", "--json"]);
  expect(shown.code).toBe(0);
  expect(JSON.parse(shown.stdout).connectionStrings).toBe("[secret]");
  for (const secret of secrets) expect(shown.stdout.includes(secret)).toBe(false);
  const up = await stack.pulumi(["up", "--yes", "--skip-preview"]);
  // Plain `pulumi up` needs the Node.js language host: where it exists it must succeed, where it
  // does not (this machine) it must fail for that reason, and either way its output leaks nothing.
  const languageHost = (await run("sh", ["-c", "command -v pulumi-language-nodejs"], stack.env)).code === 0;
  if (languageHost) expect({ code: up.code, stderr: up.stderr.slice(-500) }).toMatchObject({ code: 0 });
  else expect({ failed: up.code !== 0, why: /nodejs/i.test(up.stdout + up.stderr) }).toEqual({ failed: true, why: true });
  for (const secret of secrets) expect((up.stdout + up.stderr).includes(secret)).toBe(false);
  const revealed = await stack.pulumi(["stack", "output", "connectionStrings", "--show-secrets", "--json"]);
  expect(JSON.parse(revealed.stdout).alpha).toContain(encodeURIComponent(stack.endpoint("alpha").password));
}, 300_000);

/** What the state says of each resource (not where in the SDK's source it was registered from). */
async function resourcesInState() {
  const { deployment } = await stack.stack.exportStack();
  return (deployment.resources as { urn: string; id?: string; inputs?: unknown; outputs?: unknown }[]).map(
    ({ urn, id, inputs, outputs }) => ({ urn, id, inputs, outputs }),
  );
}

test("an invalid tenants.yaml stops preview and up with its FILE:LINE:COL lines and no stack trace; the state is unchanged", async () => {
  const before = await resourcesInState();
  const valid = readFileSync(stack.tenantsFile, "utf8");
  const invalid =
    "apiVersion: pgs/v1\ntenants:\n  - id: alpha\n    acess: disabled\n  - id: bravo\n    postgres: { version: 17, settings: { shared_buffers: lots } }\n";
  writeFileSync(stack.tenantsFile, invalid);
  try {
    // Through the pgs command, in its own process: the engine runs the program and reports its error.
    for (const args of [["preview"], ["up", "--yes"]]) {
      const r = await stack.pgs(args);
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
      expect(r.stderr).toContain(`${stack.tenantsFile}:4:5: unknown key "acess" in tenant "alpha" (did you mean "access"?)`);
      expect(r.stderr).toContain(
        `${stack.tenantsFile}:6:58: tenant "bravo": postgres.settings.shared_buffers: "lots" is not a memory size`,
      );
      expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
    }
  } finally {
    writeFileSync(stack.tenantsFile, valid);
  }
  expect(await resourcesInState()).toEqual(before);
}, 300_000);

test("tenants stopped or killed out of band come back with the next up, data intact", async () => {
  await docker.getContainer(stack.naming.container("alpha")).stop();
  await docker.getContainer(stack.naming.container("bravo")).kill();
  expect((await container(stack.naming.container("alpha")))!.State.Running).toBe(false);
  // pgs up, not a plain pulumi up: its drift check (one listing of the host) finds both and the
  // engine refreshes and repairs only them.
  const started = Date.now();
  const r = await stack.pgs(["up", "--yes"]);
  note(
    `pgs up after docker stop + docker kill: ${Date.now() - started} ms; ${r.stdout.split("\n").find((l) => l.startsWith("This run:"))}`,
  );
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
  for (const id of ["alpha", "bravo"]) expect(r.stdout).toContain(`${id}: its server or storage is not as applied`);
  await stack.readOutputs();
  for (const id of ["alpha", "bravo"]) {
    expect((await container(stack.naming.container(id)))!.State.Running).toBe(true);
    await routable(id);
    expect(await marker(id)).toMatchObject({ ok: true, out: `${id}-row` });
  }
}, 300_000);

/** `pgs up --yes` of `tenants`, interrupted by `interrupt` once `id`'s container exists on Docker (its outcome not yet in the state). */
function upInterrupted(tenants: TenantEntry[], id: string, interrupt: (child: ChildProcess) => void) {
  return stack.upInterrupted(
    tenantsYaml(tenants),
    SECRETS,
    async () => (await container(stack.naming.container(id))) !== undefined,
    interrupt,
  );
}

/** No JavaScript stack frame and no gRPC status in what pgs printed. */
const NO_TRACE = /\n\s+at .*:\d+:\d+|UNAVAILABLE|Connection dropped/;

test("pgs up interrupted with SIGINT cancels cleanly (exit 130); the next pgs up converges with no data lost", async () => {
  const grown = [...TENANTS, { id: "charlie" }, { id: "delta" }];
  const r = await upInterrupted(grown, "charlie", (child) => child.kill("SIGINT"));
  note(`SIGINT during pgs up: exit ${r.code}; ${r.stderr.trim().split("\n").pop()}`);
  expect(r.code).toBe(130);
  expect(r.stderr).toContain("pgs: SIGINT: cancelling the update; the engine finishes the steps in flight, then stops");
  expect(r.stderr).toContain("update interrupted (SIGINT): the steps it finished are in the stack's state; run pgs up again to finish");
  expect(r.stdout + r.stderr).not.toMatch(NO_TRACE);
  const again = await stack.pgs(["up", "--yes"]);
  expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: "" });
  note(
    `pgs up after the SIGINT: ${
      again.stdout
        .trim()
        .split("\n")
        .find((l) => l.startsWith("Done in")) ?? "?"
    }`,
  );
  await stack.readOutputs();
  for (const id of ["alpha", "bravo", "charlie", "delta"]) await routable(id);
  for (const id of ["alpha", "bravo"]) expect(await marker(id)).toMatchObject({ ok: true, out: `${id}-row` });
}, 600_000);

test("pgs up whose pulumi is killed with SIGKILL fails with a message, not a trace; the next pgs up recovers (stale lock, pending operations) with no data lost", async () => {
  const grown = [...TENANTS, { id: "charlie" }, { id: "delta" }, { id: "echo" }];
  const r = await upInterrupted(grown, "echo", () => expect(stack.killEngine()).toBe(1));
  note(`SIGKILL of pulumi during pgs up: exit ${r.code}; ${r.stderr.trim().split("\n").join(" | ")}`);
  expect({ code: r.code, signal: r.signal }).toEqual({ code: 1, signal: null });
  expect(r.stderr).toMatch(/the Pulumi engine \(pulumi\) was killed \(SIGKILL\).*run pgs up again: it recovers/);
  expect(r.stdout + r.stderr).not.toMatch(NO_TRACE);
  const again = await stack.pgs(["up", "--yes"]);
  note(
    `pgs up after the SIGKILL: ${again.stdout
      .trim()
      .split("\n")
      .filter((l) => l.startsWith("recovered:") || l.startsWith("Done in"))
      .join("; ")}`,
  );
  expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: "" });
  expect(again.stdout).toMatch(/^recovered: removed the lock left by pulumi \(pid \d+, no longer running/m);
  // What the killed run recorded as applied is not trusted: the recovering run applies everything.
  expect(again.stdout).toMatch(/^recovered: cleared the record of what was applied: this run applies everything$/m);
  await stack.readOutputs();
  for (const id of ["alpha", "bravo", "charlie", "delta", "echo"]) await routable(id);
  for (const id of ["alpha", "bravo"]) expect(await marker(id)).toMatchObject({ ok: true, out: `${id}-row` });
  await stack.preview(undefined, SECRETS, { expectNoChanges: true });
}, 600_000);

test("removing a tenant keeps its volume; destroy keeps every retained volume; re-adding the tenant brings its rows back", async () => {
  const removed = dockerChanges((await stack.up(tenantsYaml(TENANTS), SECRETS)).steps);
  expect(removed.retained).toEqual(["charlie-data", "delta-data", "echo-data"]);
  for (const id of ["charlie", "delta", "echo"]) expect(await volumeExists(stack.naming.dataVolume(id))).toBe(true);
  const destroyed = await stack.pulumi(["destroy", "--yes", "--skip-preview"]);
  // Plain `pulumi destroy` of an inline program needs no language host: the engine only deletes.
  expect({ code: destroyed.code, stderr: destroyed.stderr.trim().split("\n").slice(-3).join("\n") }).toMatchObject({ code: 0 });
  expect(await container(stack.naming.container("alpha"))).toBeUndefined();
  for (const volume of ["alpha", "bravo"].map((id) => stack.naming.dataVolume(id)).concat(stack.naming.backupVolume("bravo"))) {
    expect({ volume, exists: await volumeExists(volume) }).toEqual({ volume, exists: true });
  }
  await stack.up(tenantsYaml(TENANTS), SECRETS);
  for (const id of ["alpha", "bravo"]) {
    await routable(id);
    expect(await marker(id)).toMatchObject({ ok: true, out: `${id}-row` });
  }
}, 600_000);

test("the offline plan and a real preview agree on every resource's type and name", async () => {
  const fresh = await TestStack.create({ stack: "e2e-plan", port: await freePort(), adminPort: await freePort() });
  try {
    const shipped = readFileSync(path.join(PROJECT_DIR, "tenants.yaml"), "utf8");
    const { steps } = await fresh.preview(shipped, {});
    const real = steps.steps
      .filter((s) => s.op === "create")
      .map((s) => `${s.type} ${s.name}`)
      .sort();
    const offline = await runProgram({
      projectDir: fresh.projectDir,
      stack: "e2e-plan",
      mocks: planMocks,
      preview: true,
      config: fresh.plainConfig(),
    });
    const planned = offline.resources
      .filter((r) => r.type !== "pulumi:pulumi:StackReference")
      .map((r) => `${r.type} ${r.name}`)
      .sort();
    expect(planned).toEqual(real.filter((r) => !r.startsWith("pulumi:providers:")));
    expect(real.length).toBeGreaterThan(20);
  } finally {
    await fresh.dispose();
  }
}, 300_000);
