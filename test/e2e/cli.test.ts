/**
 * The seed tool's whole story, told with the `pgs` command on the real engine and a real Docker
 * host: setup, create (one with its own password from stdin), list, connect with verify-full,
 * disable and enable access, stop and start, remove and create again (its data comes back), status.
 */
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { type Endpoint, ensureClient, nodeClient, psql, setCa } from "./harness/clients";
import { danglingVolumes, eventually, note, notes, volumeExists } from "./harness/facts";
import { cleanupDocker, freePort, PGS, PROJECT_DIR, requireImages } from "./harness/stack";

const STACK = "e2e-cli";
const PASSWORD = "globex-Own-Passw0rd-from-stdin";
const PSQL_EOF = /SSL SYSCALL error: EOF detected|SSL error: unexpected eof while reading/;

let dir: string;
let port: number;
let adminPort: number;
let danglingBefore: string[];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function pgs(args: string[], input = ""): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(PGS, [...args, "--stack", STACK], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    child.on("exit", (code) => resolve({ code: code ?? 1, stdout, stderr, ms: Date.now() - started }));
    child.stdin.end(input);
  });
}

async function ok(args: string[], input = ""): Promise<Run> {
  const r = await pgs(args, input);
  if (r.code !== 0) throw new Error(`pgs ${args.join(" ")} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  note(`pgs ${args.join(" ")}: ${r.ms} ms`);
  return r;
}

async function endpoint(id: string): Promise<Endpoint> {
  const json = JSON.parse((await ok(["credentials", id, "--json"])).stdout) as { connectionString: string; caFile: string };
  setCa(readFileSync(json.caFile, "utf8"));
  await ensureClient(readFileSync(json.caFile, "utf8"));
  const url = new URL(json.connectionString);
  return {
    hostname: url.hostname,
    port: Number(url.port),
    database: url.pathname.slice(1),
    user: url.username,
    password: decodeURIComponent(url.password),
  };
}

async function answers(e: Endpoint): Promise<void> {
  await eventually(`${e.hostname} answers`, 60_000, async () => ((await psql(e, "select 1")).ok ? true : undefined), 500);
}

beforeAll(async () => {
  await requireImages();
  await cleanupDocker(STACK);
  danglingBefore = await danglingVolumes();
  dir = mkdtempSync(path.join(tmpdir(), "pgs-e2e-cli-"));
  copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  writeFileSync(
    path.join(dir, "tenants.yaml"),
    "# Our tenants\napiVersion: pgs/v1\ndefaults:\n  resources: { memory: 256Mi }\ntenants: []\n",
  );
  port = await freePort();
  // An operator's own value, which setup must keep.
  adminPort = await freePort();
  writeFileSync(path.join(dir, `Pulumi.${STACK}.yaml`), stringify({ config: { "pgs:adminAddress": `127.0.0.1:${adminPort}` } }));
}, 120_000);

afterAll(async () => {
  process.stdout.write(`\ne2e cli measurements:\n${notes.map((n) => `  ${n}`).join("\n")}\n`);
  await cleanupDocker(STACK);
  rmSync(dir, { recursive: true, force: true });
  const left = (await danglingVolumes()).filter((v) => !danglingBefore.includes(v));
  expect(left).toEqual([]);
}, 120_000);

test("setup creates the stack on a local backend with a generated passphrase, keeps the operator's values, and is idempotent", async () => {
  const first = await ok(["setup", "--publish", `127.0.0.1:${port}`, "--images", "local"]);
  expect(first.stdout).toContain(`backend: file://${dir}/.pgs/state`);
  expect(first.stdout).toMatch(/secrets: passphrase generated into .*\.pgs\/passphrase/);
  expect(first.stdout).toContain(`publishPort: ${port} (set)`);
  expect(first.stdout).toContain("postgresImage: pgs-local/postgres:{major} (set)");
  expect(readFileSync(path.join(dir, `Pulumi.${STACK}.yaml`), "utf8")).toContain(`pgs:adminAddress: 127.0.0.1:${adminPort}`);
  expect(existsSync(path.join(dir, ".pgs", "passphrase"))).toBe(true);
  const again = await ok(["setup", "--publish", `127.0.0.1:${port}`, "--images", "local"]);
  expect(again.stdout).toContain(`publishPort: ${port} (unchanged)`);
  expect(again.stdout).not.toContain("(changed)");
});

test("create acme; create globex with its own password from stdin; up; list shows both running", async () => {
  const acme = await ok(["create", "acme"]);
  expect(acme.stdout).toContain("+   - id: acme");
  expect(acme.stdout).toContain(`Next: pgs up --stack ${STACK}`);
  const globex = await ok(["create", "globex", "--password-stdin", "--apply"], `${PASSWORD}\n`);
  expect(globex.stdout).toContain("stored the password as secret config globexPassword");
  expect(globex.stdout + globex.stderr).not.toContain(PASSWORD);
  expect(readFileSync(path.join(dir, "tenants.yaml"), "utf8")).toBe(
    "# Our tenants\napiVersion: pgs/v1\ndefaults:\n  resources: { memory: 256Mi }\ntenants:\n  - id: acme\n  - id: globex\n    passwordSecret: globexPassword\n",
  );
  expect(readFileSync(path.join(dir, `Pulumi.${STACK}.yaml`), "utf8")).not.toContain(PASSWORD);
  expect(globex.stdout).toMatch(/Done in [0-9.]+ s: .*created/);
  expect(globex.stdout).toContain(`PGPASSWORD="$(`);
  const list = JSON.parse((await ok(["list", "--json"])).stdout) as { tenants: { tenant: string; container: string; drift: string }[] };
  expect(list.tenants.map((r) => [r.tenant, r.container, r.drift])).toEqual([
    ["acme", "running", ""],
    ["globex", "running", ""],
  ]);
}, 600_000);

test("both tenants answer through SNI with verify-full; globex with the password from stdin", async () => {
  const [acme, globex] = [await endpoint("acme"), await endpoint("globex")];
  expect(globex.password).toBe(PASSWORD);
  for (const e of [acme, globex]) {
    await answers(e);
    expect(await psql(e, `create table kept (v text); insert into kept values ('${e.user}-row'); select v from kept`)).toMatchObject({
      ok: true,
      out: `${e.user}-row`,
    });
  }
}, 180_000);

test("disable-access refuses globex at once; enable-access lets it in again; each touches globex only, and a full preview after them is empty", async () => {
  const disabled = await ok(["disable-access", "globex", "--apply"]);
  // The engine's steps, one line each ("  ~  globex-route ... updated"): every one is globex's.
  const steps = disabled.stdout.split("\n").filter((l) => /^ {2}[~+-]/.test(l));
  expect(steps.length).toBeGreaterThan(0);
  expect(steps.filter((l) => !/^ {2}\S+\s+globex-/.test(l))).toEqual([]);
  const globex = await endpoint("globex");
  const refused = await psql(globex, "select 1");
  expect({ ok: refused.ok, out: refused.out }).toEqual({ ok: false, out: expect.stringMatching(PSQL_EOF) });
  expect(JSON.parse((await ok(["list", "--json"])).stdout).tenants.find((r: { tenant: string }) => r.tenant === "globex").access).toBe(
    "disabled",
  );
  await ok(["enable-access", "globex", "--apply"]);
  await answers(globex);
  expect(await psql(globex, "select v from kept")).toMatchObject({ ok: true, out: "globex-row" });
  // The tenant-scoped runs left the state complete: every resource built and compared, nothing to do.
  const full = await ok(["preview", "--all"]);
  expect(full.stdout).toMatch(/^Preview: \d+ unchanged\.$/m);
}, 300_000);

test("disable-access --terminate ends globex's open sessions too (plain disable-access keeps them: pgs.test.ts)", async () => {
  const globex = await endpoint("globex");
  const held = nodeClient(globex);
  const errors: string[] = [];
  held.on("error", (err) => errors.push(err.message));
  await held.connect();
  try {
    const r = await ok(["disable-access", "globex", "--apply", "--terminate"]);
    const ended = Number(/^Ended (\d+) open sessions? of globex \(access disabled\)\.$/m.exec(r.stdout)?.[1]);
    expect(ended).toBeGreaterThanOrEqual(1);
    // The server's own word for it, which node-postgres reports on the idle connection.
    await eventually("globex's held session ended", 10_000, async () =>
      errors.some((e) => /terminating connection due to administrator command|Connection terminated unexpectedly/.test(e))
        ? true
        : undefined,
    );
    await expect(held.query("select 1")).rejects.toThrow();
  } finally {
    await held.end().catch(() => undefined);
  }
  await ok(["enable-access", "globex", "--apply"]);
  await answers(globex);
}, 300_000);

test("stop acme: the container goes, the data stays; start acme: the rows are there", async () => {
  const stopped = await ok(["stop", "acme", "--apply"]);
  expect(stopped.stdout).toContain("state: stopped");
  const list = JSON.parse((await ok(["list", "--json"])).stdout) as { tenants: { tenant: string; container: string }[] };
  expect(list.tenants.find((r) => r.tenant === "acme")?.container).toBe("none");
  await ok(["start", "acme", "--apply"]);
  const acme = await endpoint("acme");
  await answers(acme);
  expect(await psql(acme, "select v from kept")).toMatchObject({ ok: true, out: "acme-row" });
}, 300_000);

test("remove acme keeps its volume; creating acme again brings its data back", async () => {
  const removed = await ok(["remove", "acme", "--apply"]);
  expect(removed.stdout).toContain(`The data volume pgs-${STACK}-acme-data is kept`);
  expect(await volumeExists(`pgs-${STACK}-acme-data`)).toBe(true);
  await ok(["create", "acme", "--apply"]);
  const acme = await endpoint("acme");
  await answers(acme);
  expect(await psql(acme, "select v from kept")).toMatchObject({ ok: true, out: "acme-row" });
}, 300_000);

test("status shows each tenant's health, uptime, data and connections, and the ingress", async () => {
  // Two sessions of globex's held open: status counts them, and not its own query.
  const globex = await endpoint("globex");
  const held = [nodeClient(globex), nodeClient(globex)];
  for (const c of held) {
    c.on("error", () => undefined);
    await c.connect();
  }
  const json = await ok(["status", "--json"]).finally(() => Promise.all(held.map((c) => c.end().catch(() => undefined))));
  const status = JSON.parse(json.stdout) as {
    ingress: { health: string };
    tenants: { tenant: string; health: string; dataBytes: number; connections: number; backups: string }[];
  };
  expect(status.ingress.health).toBe("healthy");
  // In the file's order: acme was removed and created again, so it now comes last.
  expect(status.tenants.map((x) => [x.tenant, x.health, x.backups])).toEqual([
    ["globex", "healthy", "off"],
    ["acme", "healthy", "off"],
  ]);
  for (const x of status.tenants) expect(x.dataBytes).toBeGreaterThan(1024 * 1024);
  expect(Object.fromEntries(status.tenants.map((x) => [x.tenant, x.connections]))).toEqual({ globex: 2, acme: 0 });
  const text = await ok(["status"]);
  expect(text.stdout.split("\n")[0]).toMatch(/^TENANT +HEALTH +UP +DATA +CONNECTIONS +LAST BACKUP$/);
  expect(text.stdout).toMatch(/ingress pgs-e2e-cli-traefik: healthy, up /);
}, 120_000);

test("a stack lock held by a live pulumi gets an error that says so, and nothing changes", async () => {
  const locks = path.join(dir, ".pgs", "state", ".pulumi", "locks", "organization", "pgs", STACK);
  mkdirSync(locks, { recursive: true });
  const lock = path.join(locks, "held-by-test.json");
  // This test's own process stands in for a pulumi that is still running.
  writeFileSync(lock, JSON.stringify({ pid: process.pid, username: "test", hostname: hostname(), timestamp: new Date().toISOString() }));
  try {
    // --all: with nothing changed pgs up would not need the engine at all.
    const r = await pgs(["up", "--yes", "--all"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`^stack ${STACK} is locked by another pulumi operation \\(the stack is currently locked by 1 lock\\(s\\)`),
    );
    expect(existsSync(lock)).toBe(true);
  } finally {
    rmSync(lock, { force: true });
  }
}, 120_000);
