/**
 * What one tenant can take from the others on one Docker host, tried from inside a hostile
 * `superuser: true` tenant (COPY ... TO PROGRAM runs its shell as the server's user, in its
 * container): a fork loop stops at the container's process limit, a log flood stays within the
 * container's log bound, and a neighbour keeps committing meanwhile.
 */
import { readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import { nodeQuery, type Outcome, psql, run } from "./harness/clients";
import { container, eventually, note, notes, sleep } from "./harness/facts";
import { freePort, type TenantEntry, tenantsYaml, TestStack } from "./harness/stack";

// max_connections 20: a process limit of 20 + 8 workers + 3 autovacuum workers + 64 (lib/postgres/server.ts).
const HOG: TenantEntry = { id: "hog", superuser: true, postgres: { settings: { max_connections: "20" } } };
const QUIET: TenantEntry = { id: "quiet" };
const HOG_PIDS = 20 + 8 + 3 + 64;

let stack: TestStack;

beforeAll(async () => {
  stack = await TestStack.create({ stack: "e2e-isolation", port: await freePort(), adminPort: await freePort() });
  await stack.up(tenantsYaml([HOG, QUIET]));
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
