/**
 * End to end, on a stack of its own (beside pgs.test.ts's, it would stop their shared engine): the Docker engine itself is
 * restarted, and every running tenant and Traefik come back by their restart policy with their
 * data. It stops the Docker engine every other suite uses, so it runs alone, after them
 * (test/e2e/run.sh: its own jest run, jest.dockerd.config.js).
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ensureClient, type Endpoint, nodeQuery, type Outcome, psql, run } from "./harness/clients";
import { container, eventually, note, notes, sleep } from "./harness/facts";
import { freePort, PROJECT_DIR, type TenantEntry, tenantsYaml, TestStack } from "./harness/stack";

/** The tenants as pgs.test.ts's tests leave them: alpha 18 with its settings and memory, bravo and echo 17, charlie's allowFrom. */
const TENANTS: TenantEntry[] = [
  { id: "alpha", postgres: { settings: { work_mem: "8MB", shared_buffers: "24MB" } }, resources: { memory: "320Mi" } },
  { id: "bravo", postgres: { version: 17 } },
  { id: "charlie", allowFrom: ["127.0.0.0/8"] },
  { id: "echo", postgres: { version: 17 } },
];
const MARKERS: Record<string, string> = { alpha: "alpha-row", bravo: "bravo-row", charlie: "charlie-row", echo: "echo-row" };

let stack: TestStack;

/** Routing follows Docker events, so it converges shortly after an apply returns; returns how long that took. */
async function routable(id: string, timeoutMs = 20_000): Promise<number> {
  const e = stack.endpoint(id);
  const started = Date.now();
  let last: Outcome | undefined;
  while (Date.now() - started < timeoutMs) {
    last = await nodeQuery(e, "select 1");
    if (last.ok) return Date.now() - started;
    await sleep(250);
  }
  throw new Error(`${id} not reachable through Traefik within ${timeoutMs / 1000} s; last error: ${last?.out}`);
}

async function marker(e: Endpoint): Promise<Outcome> {
  return psql(e, "select string_agg(v, ',') from marker");
}

beforeAll(async () => {
  stack = await TestStack.create({ stack: "e2e-dockerd", port: await freePort(), adminPort: await freePort() });
  const { ms } = await stack.up(tenantsYaml(TENANTS));
  note(`up "alpha, bravo(17), charlie, echo(17)": ${ms} ms`);
  for (const id of Object.keys(MARKERS)) {
    await routable(id);
    expect(await psql(stack.endpoint(id), `create table marker (v text); insert into marker values ('${MARKERS[id]}')`)).toMatchObject({
      ok: true,
    });
  }
}, 300_000);

afterAll(async () => {
  process.stdout.write(`\ne2e dockerd-restart measurements:\n${notes.map((n) => `  ${n}`).join("\n")}\n`);
  await stack?.dispose();
}, 180_000);

test("dockerd restarted → every running tenant and Traefik come back (unless-stopped) and accept connections", async () => {
  const tenants = ["alpha", "bravo", "charlie", "echo"];
  const pid = Number(readFileSync("/var/run/docker.pid", "utf8").trim());
  const started = Date.now();
  process.kill(pid, "SIGTERM");
  await eventually(
    "dockerd exit",
    90_000,
    async () => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    },
    500,
  );
  const up = await run("bash", [path.join(PROJECT_DIR, "scripts/docker-up.sh")], {}, 180_000);
  expect(up.code).toBe(0);
  const names = tenants.map((id) => stack.naming.container(id));
  await eventually("all containers running", 60_000, async () => {
    const infos = await Promise.all([...names, stack.naming.ingressContainer()].map(container));
    return infos.every((i) => i?.State.Running) ? true : undefined;
  });
  await ensureClient(stack.ca());
  // What pgs up checks: every tenant answers through the ingress (no Docker health checks).
  await stack.converged();
  for (const id of tenants) await routable(id, 30_000);
  note(`j: dockerd killed → all tenants answering through Traefik again after ${Date.now() - started} ms`);
  for (const id of tenants) {
    expect(await marker(stack.endpoint(id))).toMatchObject({ ok: true, out: MARKERS[id] });
  }
}, 400_000);
