/**
 * End to end, issue "credentials, roles and versions that tell the truth": password rotation,
 * custom passwords, least-privilege roles, the major-version guard, `pgs upgrade`, and a minor
 * image change — on a real Docker engine, through Traefik, with psql 18 and node-postgres.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { psql, nodeQuery, type Endpoint, run } from "./harness/clients";
import { container, docker, note, notes, sleep, volumeExists } from "./harness/facts";
import { type ConfigChange, dockerChanges, freePort, type TenantEntry, tenantsYaml, TestStack } from "./harness/stack";

const AUTH_FAILED = (user: string) => new RegExp(`password authentication failed for user "${user}"`);
const CUSTOM_PASSWORD = "custom-Passw0rd-from-secret-config";
const ROTATED_CUSTOM_PASSWORD = "another-custom-Passw0rd-rotated";

let stack: TestStack;

async function ready(id: string, password?: string, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  let last = "";
  while (Date.now() - started < timeoutMs) {
    const r = await nodeQuery(stack.endpoint(id), "select 1", password ? { password } : {});
    if (r.ok) return;
    last = r.out;
    await sleep(250);
  }
  throw new Error(`${id} not reachable within ${timeoutMs / 1000} s: ${last}`);
}

async function apply(tenants: TenantEntry[], more: ConfigChange = {}) {
  const { steps, ms } = await stack.up(tenantsYaml(tenants), more);
  const s = dockerChanges(steps);
  note(`credentials up: ${ms} ms; replaced [${s.replaced}]`);
  return s;
}

const rows = (e: Endpoint) => psql(e, "select string_agg(v, ',' order by v) from kept");

beforeAll(async () => {
  stack = await TestStack.create({ stack: "e2e-credentials", port: await freePort(), adminPort: await freePort() });
}, 180_000);

afterAll(async () => {
  process.stdout.write(`\ne2e credentials measurements:\n${notes.map((n) => `  ${n}`).join("\n")}\n`);
  await stack?.dispose();
  await docker
    .getImage("pgs-local/postgres:18-minor")
    .remove()
    .catch(() => undefined);
}, 180_000);

test("the tenant's role owns its database, is not a superuser, and cannot run programs on the server", async () => {
  await apply([{ id: "alpha" }, { id: "bravo", postgres: { version: 17 } }]);
  for (const id of ["alpha", "bravo"]) {
    await ready(id);
    const e = stack.endpoint(id);
    expect(
      await psql(
        e,
        "select current_user, rolsuper, pg_get_userbyid(datdba) from pg_roles, pg_database " +
          "where rolname = current_user and datname = current_database()",
      ),
    ).toMatchObject({ ok: true, out: `${e.user}|f|${e.user}` });
    expect(await psql(e, "create table kept (v text); insert into kept values ('before')")).toMatchObject({ ok: true });
    const program = await psql(e, "create temp table t (v text); copy t from program 'id'");
    expect(program).toMatchObject({
      ok: false,
      out: expect.stringMatching(/permission denied to COPY to or from an external program|must be superuser/),
    });
    expect(await psql(e, "select pg_read_file('/run/pgs/superuser-password')")).toMatchObject({
      ok: false,
      out: expect.stringMatching(/permission denied for function pg_read_file/),
    });
  }
});

test("the bootstrap superuser cannot log in over the network", async () => {
  const e = { ...stack.endpoint("alpha"), user: "postgres", database: "postgres" };
  const r = await psql(e, "select 1", { password: "whatever-it-is" });
  expect(r).toMatchObject({
    ok: false,
    out: expect.stringMatching(/pg_hba\.conf rejects connection for host "[0-9.]+", user "postgres", database "postgres"/),
  });
});

test("superuser: true grants superuser to the tenant's role on an existing tenant, and false takes it back; data kept", async () => {
  await apply([
    { id: "alpha", superuser: true },
    { id: "bravo", postgres: { version: 17 } },
  ]);
  await ready("alpha");
  const e = stack.endpoint("alpha");
  expect(await psql(e, "create temp table t (v text); copy t from program 'echo hello'; select v from t")).toMatchObject({
    ok: true,
    out: "hello",
  });
  await apply([{ id: "alpha" }, { id: "bravo", postgres: { version: 17 } }]);
  await ready("alpha");
  expect(await psql(e, "select rolsuper from pg_roles where rolname = current_user")).toMatchObject({ ok: true, out: "f" });
  expect(await psql(e, "create temp table t (v text); copy t from program 'id'")).toMatchObject({
    ok: false,
    out: expect.stringMatching(/permission denied to COPY to or from an external program|must be superuser/),
  });
  expect(await rows(e)).toMatchObject({ ok: true, out: "before" });
});

test("passwordVersion rotates the password: the old one is refused, the new one works, data intact", async () => {
  const before = stack.endpoint("alpha");
  await apply([
    { id: "alpha", passwordVersion: 2 },
    { id: "bravo", postgres: { version: 17 } },
  ]);
  const after = stack.endpoint("alpha");
  expect(after.password).not.toBe(before.password);
  expect(after.password).toHaveLength(32);
  await ready("alpha");
  expect(await psql(after, "select 1", { password: before.password })).toMatchObject({
    ok: false,
    out: expect.stringMatching(AUTH_FAILED("alpha")),
  });
  expect(await nodeQuery(after, "select 1", { password: before.password })).toMatchObject({
    ok: false,
    out: expect.stringMatching(AUTH_FAILED("alpha")),
  });
  expect(await rows(after)).toMatchObject({ ok: true, out: "before" });
  expect(await nodeQuery(after, "select 1")).toMatchObject({ ok: true });
});

test("a custom password from secret config works, and changing the secret rotates it", async () => {
  const tenants = [
    { id: "alpha", passwordVersion: 2 },
    { id: "bravo", postgres: { version: 17 }, passwordSecret: "bravoPassword" },
  ];
  await apply(tenants, { secretConfig: { bravoPassword: CUSTOM_PASSWORD } });
  const e = stack.endpoint("bravo");
  expect(e.password).toBe(CUSTOM_PASSWORD);
  await ready("bravo");
  expect(await rows(e)).toMatchObject({ ok: true, out: "before" });

  await apply(tenants, { secretConfig: { bravoPassword: ROTATED_CUSTOM_PASSWORD } });
  await ready("bravo", ROTATED_CUSTOM_PASSWORD);
  expect(await psql(e, "select 1", { password: CUSTOM_PASSWORD })).toMatchObject({
    ok: false,
    out: expect.stringMatching(AUTH_FAILED("bravo")),
  });
  expect(await psql(stack.endpoint("bravo"), "select 1")).toMatchObject({ ok: true, out: "1" });
});

test("docker inspect and the server logs of a tenant container show no password", async () => {
  const secrets = ["alpha", "bravo"].map((id) => stack.endpoint(id).password);
  for (const id of ["alpha", "bravo"]) {
    const inspect = JSON.stringify(await container(stack.naming.container(id)));
    const logs = await run("docker", ["logs", stack.naming.container(id)]);
    for (const secret of [...secrets, CUSTOM_PASSWORD]) {
      expect(inspect.includes(secret)).toBe(false);
      expect((logs.stdout + logs.stderr).includes(secret)).toBe(false);
    }
    expect(logs.stdout + logs.stderr).toContain("pgs: tenant role and password are in sync");
  }
});

test("a major-version edit without an upgrade is refused before anything changes", async () => {
  const id = (await container(stack.naming.container("bravo")))!.Id;
  const tenants = [
    { id: "alpha", passwordVersion: 2 },
    { id: "bravo", postgres: { version: 18 }, passwordSecret: "bravoPassword" },
  ];
  const valid = readFileSync(stack.tenantsFile, "utf8");
  writeFileSync(stack.tenantsFile, tenantsYaml(tenants));
  try {
    // `pgs up` in its own process: the program reads the stack's own last outputs and refuses.
    const r = await stack.pgs(["up", "--yes"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /tenant "bravo": postgres\.version changed from 17 to 18, but its data directory is PostgreSQL 17 .*npx pgs upgrade bravo --to 18 --stack e2e-credentials/,
    );
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
  } finally {
    writeFileSync(stack.tenantsFile, valid);
  }
  expect((await container(stack.naming.container("bravo")))!.Id).toBe(id);
  expect(await rows(stack.endpoint("bravo"))).toMatchObject({ ok: true, out: "before" });
});

test("pgs upgrade moves a 17 tenant to 18 with the same data and password; the old data stays in a volume", async () => {
  const tenants = [
    { id: "alpha", passwordVersion: 2 },
    { id: "bravo", postgres: { version: 17 }, passwordSecret: "bravoPassword" },
  ];
  const secretConfig = { bravoPassword: ROTATED_CUSTOM_PASSWORD };
  await apply(tenants, { secretConfig });
  const e = stack.endpoint("bravo");
  expect(await psql(e, "insert into kept select 'row-' || g from generate_series(1, 1000) g")).toMatchObject({ ok: true });

  const naming = stack.naming;
  const started = Date.now();
  const upgraded = await stack.pgs(["upgrade", "bravo", "--to", "18"]);
  note(`pgs upgrade 17 → 18: ${Date.now() - started} ms`);
  expect({ code: upgraded.code, stderr: upgraded.stderr }).toEqual({ code: 0, stderr: "" });
  expect(upgraded.stdout).toContain("6/6 tenants.yaml: bravo postgres.version 18, upgradedFrom 17");
  expect(readFileSync(stack.tenantsFile, "utf8")).toMatch(/upgradedFrom: 17/);

  const s = dockerChanges((await stack.up(readFileSync(stack.tenantsFile, "utf8"), { secretConfig })).steps);
  expect(s.replaced).toEqual(["bravo-postgres"]);
  await ready("bravo");
  expect(await psql(e, "select current_setting('server_version_num')::int / 10000, count(*) from kept")).toMatchObject({
    ok: true,
    out: "18|1001",
  });
  expect(await volumeExists(naming.upgradeCopyVolume("bravo", 17))).toBe(true);
  // The data volume, the config volume (settings.conf) and the stack's scripts: nothing of the old server's.
  expect((await container(stack.naming.container("bravo")))!.Mounts.map((m) => `${m.Name} ${m.Destination}`).sort()).toEqual([
    `${stack.naming.configVolume("bravo")} /etc/pgs`,
    `${stack.naming.dataVolume("bravo")} /var/lib/postgresql`,
    `${stack.naming.serverFilesVolume()} /run/pgs`,
  ]);
  expect(await psql(e, "select 1", { password: CUSTOM_PASSWORD })).toMatchObject({
    ok: false,
    out: expect.stringMatching(/password authentication failed for user "bravo"/),
  });
});

test("a new image of the same major replaces the container and keeps the data", async () => {
  const build = await run("sh", [
    "-c",
    "printf 'FROM pgs-local/postgres:18\\nLABEL pgs.minor=next\\n' | docker build -q -t pgs-local/postgres:18-minor -",
  ]);
  expect(build.code).toBe(0);
  const before = (await container(stack.naming.container("alpha")))!;
  const tenants = [
    { id: "alpha", passwordVersion: 2 },
    { id: "bravo", postgres: { version: 18, upgradedFrom: 17 }, passwordSecret: "bravoPassword" },
  ];
  const s = await apply(tenants, {
    config: { postgresImages: JSON.stringify({ 18: "pgs-local/postgres:18-minor" }) },
    secretConfig: { bravoPassword: ROTATED_CUSTOM_PASSWORD },
  });
  expect(s.replaced).toEqual(["alpha-postgres", "bravo-postgres"]);
  const after = (await container(stack.naming.container("alpha")))!;
  expect(after.Id).not.toBe(before.Id);
  expect(after.Image).not.toBe(before.Image);
  await ready("alpha");
  expect(await rows(stack.endpoint("alpha"))).toMatchObject({ ok: true, out: "before" });
});
