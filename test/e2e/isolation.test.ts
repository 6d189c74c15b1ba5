/**
 * What one tenant can take from the others on one Docker host, tried from inside a hostile
 * `superuser: true` tenant (COPY ... TO PROGRAM runs its shell as the server's user, in its
 * container): a fork loop stops at the container's process limit, a log flood stays within the
 * container's log bound, a tenant at its storage limit gets "No space left on device", and a
 * neighbour keeps committing meanwhile.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { status } from "../../app/cli/inspect";
import type { Io } from "../../app/cli/io";
import { nodeQuery, type Outcome, psql, run } from "./harness/clients";
import { container, eventually, note, notes, sleep } from "./harness/facts";
import { dockerChanges, freePort, type TenantEntry, tenantsYaml, TestStack } from "./harness/stack";

// max_connections 20: a process limit of 20 + 8 workers + 3 autovacuum workers + 64 (lib/postgres/server.ts).
const HOG: TenantEntry = { id: "hog", superuser: true, postgres: { settings: { max_connections: "20" } } };
const QUIET: TenantEntry = { id: "quiet" };
const HOG_PIDS = 20 + 8 + 3 + 64;
// onRemove: delete, so that the stack's destroy unmounts and deletes its filesystem.
const full = (storage: string | undefined): TenantEntry => ({
  id: "full",
  onRemove: "delete",
  ...(storage ? { resources: { storage } } : {}),
});
const GIB = 1024 ** 3;

let stack: TestStack;
// The stack's storageDir: the tenants' filesystems, unmounted and removed after the suite.
const storageDir = mkdtempSync(path.join(tmpdir(), "pgs-e2e-storage-"));

function unmountAll(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) {
    const mount = path.join(dir, entry);
    if (statSync(mount).isDirectory()) execFileSync("sh", ["-c", 'mountpoint -q "$1" && umount "$1" || true', "sh", mount]);
  }
  rmSync(dir, { recursive: true, force: true });
}

beforeAll(async () => {
  stack = await TestStack.create({
    stack: "e2e-isolation",
    port: await freePort(),
    adminPort: await freePort(),
    config: { storageDir },
    cleanup: async () => unmountAll(storageDir),
  });
  await stack.up(tenantsYaml([HOG, QUIET, full("1Gi")]));
  let made: Outcome | undefined;
  for (let i = 0; i < 30 && !made?.ok; i++) {
    made = await psql(stack.endpoint("quiet"), "create table if not exists beat (at timestamptz default now())");
    if (!made.ok) await sleep(1000);
  }
  expect({ ok: made!.ok, out: made!.ok ? "" : made!.out }).toEqual({ ok: true, out: "" });
}, 300_000);

afterAll(async () => {
  process.stdout.write(`\ne2e isolation measurements:\n${notes.map((n) => `  ${n}`).join("\n")}\n`);
  await stack?.dispose();
}, 180_000);

/** The neighbour commits a row every 200 ms until `done`; resolves with every outcome. */
async function heartbeat(done: () => boolean): Promise<Outcome[]> {
  const beats: Outcome[] = [];
  while (!done()) {
    beats.push(await nodeQuery(stack.endpoint("quiet"), "insert into beat default values"));
    await sleep(200);
  }
  return beats;
}

/** The container's current process count, read by Docker from its cgroup (works while the container cannot fork). */
async function pids(name: string): Promise<number> {
  const r = await run("docker", ["stats", "--no-stream", "--format", "{{.PIDs}}", name]);
  return Number(r.stdout.trim());
}

test("a fork loop in a superuser tenant stops at its process limit; the neighbour keeps committing", async () => {
  const name = stack.naming.container("hog");
  expect((await container(name))!.HostConfig.PidsLimit).toBe(HOG_PIDS);
  // Each `sleep 20 &` is a process that lives 20 s: the loop forks until the limit refuses it.
  const loop = "sh -c 'for i in $(seq 1 3000); do sleep 20 & done; wait' 2>/dev/null";
  const bomb = psql(stack.endpoint("hog"), `copy (select 1) to program '${loop.replace(/'/g, "''")}'`, { timeoutMs: 90_000 });
  let finished = false;
  const beats = heartbeat(() => finished);
  let peak = 0;
  const until = Date.now() + 12_000;
  while (Date.now() < until) {
    peak = Math.max(peak, await pids(name));
    await sleep(500);
  }
  finished = true;
  const outcomes = await beats;
  await bomb;
  note(
    `fork loop: peak ${peak} processes in hog (limit ${HOG_PIDS}); quiet committed ${outcomes.filter((b) => b.ok).length}/${outcomes.length}`,
  );
  // It reached the limit and no further.
  expect(peak).toBeLessThanOrEqual(HOG_PIDS);
  expect(peak).toBeGreaterThan(HOG_PIDS - 10);
  expect(outcomes.length).toBeGreaterThan(5);
  expect(outcomes.filter((b) => !b.ok)).toEqual([]);
  // The sleeps end by themselves: the process count falls back, and the hog serves again.
  await eventually("hog's processes back below 30", 60_000, async () => ((await pids(name)) < 30 ? true : undefined), 1000);
  let after: Outcome | undefined;
  for (let i = 0; i < 60 && !after?.ok; i++) {
    after = await psql(stack.endpoint("hog"), "select 1");
    if (!after.ok) await sleep(1000);
  }
  expect(after).toMatchObject({ ok: true, out: "1" });
}, 180_000);

test("a tenant that logs without end stays within its log bound (json-file, 3 files of 10 MB)", async () => {
  const info = (await container(stack.naming.container("hog")))!;
  expect(info.HostConfig.LogConfig).toEqual({ Type: "json-file", Config: { "max-file": "3", "max-size": "10m" } });
  // 60 MB of lines on the program's standard output: the server's own (COPY TO PROGRAM passes it
  // on), which is the container's log.
  const flood = "head -c 60000000 /dev/zero | tr \\\\0 x | fold -w 1000";
  const r = await psql(stack.endpoint("hog"), `copy (select 1) to program '${flood}'`, { timeoutMs: 120_000 });
  expect({ ok: r.ok, out: r.ok ? "" : r.out }).toEqual({ ok: true, out: "" });
  const dir = path.dirname(info.LogPath);
  const logs = readdirSync(dir).filter((f) => f.startsWith(`${info.Id}-json.log`));
  const bytes = logs.reduce((sum, f) => sum + statSync(path.join(dir, f)).size, 0);
  note(`log flood of 60 MB: ${logs.length} log files, ${(bytes / 1e6).toFixed(1)} MB kept`);
  expect(logs.length).toBeLessThanOrEqual(3);
  // Three files of at most 10 MiB each; what was written (60 MB, more as JSON) did not all stay.
  expect(bytes).toBeLessThanOrEqual(3 * 10 * 1024 * 1024 + 64 * 1024);
  expect(bytes).toBeGreaterThan(10 * 1024 * 1024);
  expect((await psql(stack.endpoint("quiet"), "insert into beat default values")).ok).toBe(true);
}, 180_000);

/** `pgs status --json` of the stack, in process. */
async function storageStatus(id: string): Promise<{ sizeBytes: number; usedBytes: number } | null> {
  const lines: string[] = [];
  const io: Io = { out: (l) => lines.push(l), err: () => {}, interactive: false, color: false, stdin: process.stdin };
  await status({ projectDir: stack.projectDir, stack: "e2e-isolation" }, io, id, true);
  const json = JSON.parse(lines.join("\n")) as { tenants: { tenant: string; storage: { sizeBytes: number; usedBytes: number } | null }[] };
  return json.tenants.find((t) => t.tenant === id)!.storage;
}

/** A statement on `full`, retried while its server restarts (after a PANIC the container starts again). */
async function onFull(sql: string, timeoutMs = 90_000): Promise<Outcome> {
  const deadline = Date.now() + timeoutMs;
  let last: Outcome;
  do {
    last = await psql(stack.endpoint("full"), sql, { timeoutMs: 60_000 });
    if (last.ok) return last;
    await sleep(1000);
  } while (Date.now() < deadline);
  return last;
}

test("a tenant at storage: 1Gi that writes 2 GiB gets No space left on device; the neighbour keeps committing; DELETE and VACUUM FULL make it work again", async () => {
  const before = await storageStatus("full");
  // ext4's own metadata takes a little of the image's 1 GiB.
  expect(before!.sizeBytes).toBeGreaterThan(0.9 * GIB);
  expect(before!.sizeBytes).toBeLessThanOrEqual(GIB);
  expect((await storageStatus("quiet")) ?? "no limit").toBe("no limit");
  expect((await onFull("create table big (t text); alter table big alter column t set storage plain")).ok).toBe(true);

  let finished = false;
  const beats = heartbeat(() => finished);
  // 64 MiB per statement (uncompressed), 32 of them: twice the limit.
  const chunk = "insert into big select repeat(md5(g::text), 64) from generate_series(1, 32768) g";
  let refused: Outcome | undefined;
  let written = 0;
  for (let i = 0; i < 32 && !refused; i++) {
    const r = await psql(stack.endpoint("full"), chunk, { timeoutMs: 120_000 });
    if (r.ok) written += 64;
    else refused = r;
  }
  finished = true;
  const outcomes = await beats;
  const log = (await run("docker", ["logs", "--tail", "200", stack.naming.container("full")])).stderr;
  note(
    `storage 1Gi: ${written} MiB written before the refusal; quiet committed ${outcomes.filter((b) => b.ok).length}/${outcomes.length}; server PANICs: ${(log.match(/PANIC/g) ?? []).length}`,
  );
  expect(refused).toBeDefined();
  expect(written).toBeLessThan(1024);
  // The writer is told (the statement's error, or the server's own log when a checkpoint stopped it).
  expect(`${refused!.out}\n${log}`).toMatch(/No space left on device/);
  expect(outcomes.length).toBeGreaterThan(3);
  expect(outcomes.filter((b) => !b.ok)).toEqual([]);

  // Two statements: psql -c runs a list of them in one transaction, where VACUUM cannot run.
  const cleanup = Date.now();
  const deleted = await onFull("delete from big", 180_000);
  const freed = deleted.ok ? await onFull("vacuum full big", 180_000) : deleted;
  note(`storage 1Gi: DELETE and VACUUM FULL went through after ${Date.now() - cleanup} ms`);
  const serverLog = async () => (await run("docker", ["logs", "--tail", "40", stack.naming.container("full")])).stderr;
  expect({ ok: freed.ok, out: freed.ok ? "" : `${freed.out}\n${await serverLog()}` }).toEqual({ ok: true, out: "" });
  expect(await onFull("insert into big select 'again' from generate_series(1, 1000); select count(*) from big")).toMatchObject({
    ok: true,
    out: "1000",
  });
  const after = await storageStatus("full");
  expect(after!.usedBytes).toBeLessThan(0.5 * GIB);
}, 600_000);

test("the limit grows in place and keeps the data; shrinking it, removing it, or adding one to an existing tenant is refused and changes nothing", async () => {
  expect((await onFull("create table kept (v text); insert into kept values ('survives')")).ok).toBe(true);
  const grown = await stack.up(tenantsYaml([HOG, QUIET, full("2Gi")]));
  const changes = dockerChanges(grown.steps);
  // The data volume stays the same volume.
  expect(changes.replaced.filter((n) => n.includes("full-data"))).toEqual([]);
  expect(changes.deleted.filter((n) => n.includes("full-data"))).toEqual([]);
  const size = (await storageStatus("full"))!.sizeBytes;
  expect(size).toBeGreaterThan(1.8 * GIB);
  expect(await onFull("select v from kept")).toMatchObject({ ok: true, out: "survives" });

  const refusals: [string, string, RegExp][] = [
    ["shrink", tenantsYaml([HOG, QUIET, full("1Gi")]), /storage cannot shrink: it is 2Gi now and tenants\.yaml asks for 1Gi/],
    ["remove", tenantsYaml([HOG, QUIET, full(undefined)]), /storage cannot be removed/],
    [
      "add to an existing tenant",
      tenantsYaml([HOG, { ...QUIET, resources: { storage: "1Gi" } }, full("2Gi")]),
      /its data volume \S+quiet-data was made without a storage limit/,
    ],
  ];
  for (const [what, yaml, message] of refusals) {
    await stack.prepare(yaml);
    const r = await stack.pgs(["preview"]);
    note(`storage ${what}: pgs preview exit ${r.code}`);
    expect({ what, code: r.code, refused: message.test(r.stdout + r.stderr) }).toEqual({ what, code: 1, refused: true });
  }
  // Nothing changed: the same size, the data there, the neighbour unlimited.
  await stack.preview(tenantsYaml([HOG, QUIET, full("2Gi")]), {}, { expectNoChanges: true });
  expect((await storageStatus("full"))!.sizeBytes).toBe(size);
  expect((await storageStatus("quiet")) ?? "no limit").toBe("no limit");
  expect(await onFull("select v from kept")).toMatchObject({ ok: true, out: "survives" });
}, 600_000);

test("pgs limit-storage gives a tenant made without a limit one: its data is copied in, the old volume kept, and pgs up starts it on the copy", async () => {
  expect((await psql(stack.endpoint("quiet"), "create table moved (v text); insert into moved values ('moved along')")).ok).toBe(true);
  await stack.prepare(tenantsYaml([HOG, QUIET, full("2Gi")]));
  const data = stack.naming.dataVolume("quiet");
  const limited = await stack.pgs(["limit-storage", "quiet", "1Gi", "--yes"]);
  expect({ code: limited.code, stderr: limited.stderr }).toEqual({ code: 0, stderr: "" });
  expect(limited.stdout).toContain(`copy volume ${data} into `);
  expect(limited.stdout).toContain(`the old data is in volume ${data}-unlimited`);
  const file = parse(readFileSync(stack.tenantsFile, "utf8")) as { tenants: { id: string; resources?: { storage?: string } }[] };
  expect(file.tenants.find((t) => t.id === "quiet")?.resources?.storage).toBe("1Gi");
  const up = await stack.pgs(["up", "--yes"]);
  note(`pgs limit-storage quiet 1Gi, then pgs up: exit ${up.code}`);
  expect({ code: up.code, stderr: up.code === 0 ? "" : up.stderr }).toEqual({ code: 0, stderr: "" });
  // Its rows, on its own 1Gi filesystem; the old data kept beside it; nothing left to apply.
  expect(await psql(stack.endpoint("quiet"), "select v from moved")).toMatchObject({ ok: true, out: "moved along" });
  const storage = await storageStatus("quiet");
  expect(storage!.sizeBytes).toBeGreaterThan(0.9 * GIB);
  expect(storage!.sizeBytes).toBeLessThanOrEqual(GIB);
  expect((await run("docker", ["volume", "inspect", "--format", '{{index .Options "device"}}', data])).stdout.trim()).toBe(
    path.join(storageDir, `${stack.naming.container("quiet")}/data`),
  );
  expect((await run("docker", ["volume", "inspect", `${data}-unlimited`])).code).toBe(0);
  // Its WAL moved to its own filesystem at the first start on the copy, as a new tenant's is made.
  for (const id of ["quiet", "full"]) {
    const link = await run("docker", ["exec", stack.naming.container(id), "sh", "-c", 'readlink "$PGDATA/pg_wal"']);
    expect({ id, link: link.stdout.trim() }).toEqual({ id, link: "/var/lib/postgresql/wal/pg_wal" });
  }
  // The table has a STORAGE column once some tenant has a limit.
  const text = await stack.pgs(["status"]);
  expect(text.stdout.split("\n")[0]).toMatch(/^TENANT +HEALTH +UP +DATA +STORAGE +CONNECTIONS +LAST BACKUP$/);
  expect(text.stdout).toMatch(/\nquiet +healthy .* MiB of [\d.]+ (MiB|GiB) \(\d+%\)/);
  await stack.preview(undefined, {}, { expectNoChanges: true });
}, 600_000);
