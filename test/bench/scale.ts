/**
 * `npm run bench:scale`: 200 tenants running at once on one host, applied through the real
 * engine: apply time, every tenant reached once through SNI with verify-full, Traefik's memory
 * and CPU with 200 routers, connect latency at 200 tenants against at 1, a preview with nothing
 * changed and an up adding one tenant at 200, and the host's memory per tenant.
 */
import { readFileSync } from "node:fs";
import { Client } from "pg";
import { run } from "../e2e/harness/clients";
import { sleep } from "../e2e/harness/facts";
import { freePort, tenantsYaml, TestStack } from "../e2e/harness/stack";
import { PROFILES } from "./density";
import { fmt, log as logger, percentile, publish, type Row, table } from "./report";

const log = logger("scale");
const N = Number(process.env.PGS_BENCH_TENANTS ?? 200);
const CONNECTS = 200;
const IDLE_SECONDS = 60;
const ids = (n: number) => Array.from({ length: n }, (_, i) => `s${String(i).padStart(3, "0")}`);

async function connectMs(stack: TestStack, id: string): Promise<number> {
  const e = stack.endpoint(id);
  const started = process.hrtime.bigint();
  const client = new Client({
    host: "127.0.0.1",
    port: e.port,
    database: e.database,
    user: e.user,
    password: e.password,
    ssl: { ca: stack.ca(), servername: e.hostname },
    connectionTimeoutMillis: 10_000,
  });
  await client.connect();
  await client.query("select 1");
  await client.end();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function latencies(stack: TestStack, id: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < CONNECTS; i++) out.push(await connectMs(stack, id));
  return out;
}

async function traefikStats(stack: TestStack): Promise<{ mem: string; cpu: string }> {
  const r = await run("docker", ["stats", "--no-stream", "--format", "{{.MemUsage}}|{{.CPUPerc}}", stack.naming.ingressContainer()]);
  const [mem, cpu] = r.stdout.trim().split("|");
  return { mem: mem.split(" / ")[0], cpu };
}

/** CPU (ns) each named container has used so far, from its cgroup (v1 cpuacct). */
async function cpuNs(names: string[]): Promise<number[]> {
  const ids = (await run("docker", ["inspect", "--format", "{{.Id}}", ...names])).stdout.trim().split("\n");
  return ids.map((id) => Number(readFileSync(`/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`, "utf8")));
}

/** Share of one core each container uses over `seconds` of idleness. */
async function idleCores(names: string[], seconds: number): Promise<number[]> {
  const before = await cpuNs(names);
  await sleep(seconds * 1000);
  const after = await cpuNs(names);
  return after.map((ns, i) => (ns - before[i]) / (seconds * 1e9));
}

const memAvailableMiB = () => Number(/MemAvailable:\s+(\d+) kB/.exec(readFileSync("/proc/meminfo", "utf8"))![1]) / 1024;

async function main(): Promise<void> {
  const rows: Row[] = [];
  const stack = await TestStack.create({ stack: "bench-scale", port: await freePort(), adminPort: await freePort() });
  try {
    const before = memAvailableMiB();
    await stack.up(
      tenantsYaml(
        ids(1).map((id) => ({ id })),
        PROFILES.small,
      ),
    );
    const atOne = await latencies(stack, ids(1)[0]);
    log(`1 tenant: p50 ${fmt(percentile(atOne, 50), 2)} ms`);

    const all = await stack.up(
      tenantsYaml(
        ids(N).map((id) => ({ id })),
        PROFILES.small,
      ),
    );
    rows.push({ measure: `real \`pulumi up\` adding ${N - 1} tenants to 1 (all healthy)`, value: `${fmt(all.ms / 1000, 0)} s` });
    log(`up to ${N}: ${fmt(all.ms / 1000, 0)} s`);
    await sleep(20_000);
    const failed: string[] = [];
    const reachStarted = Date.now();
    for (const id of ids(N)) await connectMs(stack, id).catch((err: Error) => failed.push(`${id}: ${err.message}`));
    rows.push({
      measure: `every one of ${N} tenants reached once through SNI, verify-full`,
      value:
        failed.length === 0
          ? `all ${N}, in ${fmt((Date.now() - reachStarted) / 1000)} s`
          : `${N - failed.length} of ${N}; first failure ${failed[0]}`,
    });
    const atN = await latencies(stack, ids(N)[N - 1]);
    for (const q of [50, 99]) {
      rows.push({
        measure: `connect + TLS + SCRAM + SELECT 1, p${q}: ${N} tenants vs 1`,
        value: `${fmt(percentile(atN, q), 2)} vs ${fmt(percentile(atOne, q), 2)} ms (${fmt(percentile(atN, q) / percentile(atOne, q), 2)}×)`,
      });
    }
    const idle = await idleCores(
      ids(N).map((id) => stack.naming.container(id)),
      IDLE_SECONDS,
    );
    const idleTotal = idle.reduce((a, b) => a + b, 0);
    rows.push({
      measure: `idle CPU of the ${N} tenants over ${IDLE_SECONDS} s (cgroup cpuacct): all together, median tenant`,
      value: `${fmt(idleTotal * 100, 1)}% of a core, ${fmt(percentile(idle, 50) * 100, 2)}%`,
    });
    const traefik = await traefikStats(stack);
    rows.push({ measure: `Traefik with ${N} routers, idle: memory, CPU`, value: `${traefik.mem}, ${traefik.cpu}` });
    rows.push({
      measure: `host memory per tenant (MemAvailable drop / ${N}; small profile, incl. shim and cache)`,
      value: `${fmt((before - memAvailableMiB()) / N)} MiB`,
    });
    const same = await stack.preview(undefined, {}, { expectNoChanges: true });
    rows.push({ measure: `real \`pulumi preview\`, ${N} tenants, nothing changed (refresh included)`, value: `${fmt(same.ms / 1000)} s` });
    const plus = await stack.up(
      tenantsYaml(
        ids(N + 1).map((id) => ({ id })),
        PROFILES.small,
      ),
    );
    rows.push({ measure: `real \`pulumi up\` adding one tenant to ${N}`, value: `${fmt(plus.ms / 1000)} s` });
    const networks = (await run("docker", ["network", "ls", "-q"])).stdout.trim().split("\n").length;
    rows.push({ measure: "Docker networks in use (one per tenant)", value: String(networks) });
    publish("scale", "npm run bench:scale", [
      `${N} tenants of the small profile (PostgreSQL 18) on one host, through the real engine; clients on the same host.`,
      "",
      ...table(rows),
    ]);
  } finally {
    await stack.dispose();
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
