/**
 * `npm run bench:density`: what an idle tenant costs in memory, measured honestly: 50 idle
 * tenants per profile, applied through the real engine, then left to settle; per tenant the
 * cgroup's unreclaimable memory (anonymous pages + shared memory + kernel memory, from
 * memory.stat and memory.kmem.usage_in_bytes; page cache left out, since the kernel reclaims it),
 * beside what `docker stats` shows and the host's MemAvailable per tenant (which also counts the
 * containerd shim each container has outside its cgroup).
 */
import { readFileSync } from "node:fs";
import { run } from "../e2e/harness/clients";
import { container, sleep } from "../e2e/harness/facts";
import { freePort, tenantsYaml, TestStack } from "../e2e/harness/stack";
import { fmt, log as logger, median, publish, type Row, table, verdict } from "./report";

const log = logger("density");
const N = Number(process.env.PGS_BENCH_TENANTS ?? 50);
const SETTLE_SECONDS = 60;

/** The two profiles compared: pgs's defaults, and the small-tenant profile README documents. */
export const PROFILES: Record<string, object> = {
  default: {},
  small: {
    postgres: {
      settings: {
        io_method: "sync",
        max_connections: "20",
        shared_buffers: "16MB",
        max_worker_processes: "2",
        max_wal_senders: "0",
        max_replication_slots: "0",
      },
    },
    resources: { memory: "256Mi", shm: "64Mi" },
  },
};

interface Memory {
  anon: number;
  shmem: number;
  kernel: number;
  cache: number;
}

function cgroupMemory(id: string): Memory {
  const dir = `/sys/fs/cgroup/memory/docker/${id}`;
  const stat = Object.fromEntries(
    readFileSync(`${dir}/memory.stat`, "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split(" "))
      .map(([k, v]) => [k, Number(v)]),
  );
  const kernel = Number(readFileSync(`${dir}/memory.kmem.usage_in_bytes`, "utf8"));
  const mib = (b: number) => b / 1048576;
  return { anon: mib(stat.rss), shmem: mib(stat.shmem ?? 0), kernel: mib(kernel), cache: mib(stat.cache - (stat.shmem ?? 0)) };
}

function memAvailableMiB(): number {
  return Number(/MemAvailable:\s+(\d+) kB/.exec(readFileSync("/proc/meminfo", "utf8"))![1]) / 1024;
}

async function dockerStatsMiB(names: string[]): Promise<number[]> {
  const r = await run("docker", ["stats", "--no-stream", "--format", "{{.MemUsage}}", ...names]);
  const units: Record<string, number> = { KiB: 1 / 1024, MiB: 1, GiB: 1024, B: 1 / 1048576 };
  return r.stdout
    .trim()
    .split("\n")
    .map((line) => {
      const m = /^([0-9.]+)([KMG]?i?B) \//.exec(line)!;
      return Number(m[1]) * units[m[2]];
    });
}

async function measureProfile(name: string, defaults: object): Promise<Row[]> {
  const stack = await TestStack.create({ stack: `bench-density-${name}`, port: await freePort(), adminPort: await freePort() });
  try {
    const before = memAvailableMiB();
    const ids = Array.from({ length: N }, (_, i) => `d${String(i).padStart(2, "0")}`);
    const { ms } = await stack.up(
      tenantsYaml(
        ids.map((id) => ({ id })),
        defaults,
      ),
    );
    log(`${name}: ${N} tenants up in ${fmt(ms / 1000)} s; settling ${SETTLE_SECONDS} s`);
    await sleep(SETTLE_SECONDS * 1000);
    const containers = await Promise.all(ids.map((id) => container(stack.naming.container(id))));
    const memory = containers.map((c) => cgroupMemory(c!.Id));
    const unreclaimable = memory.map((m) => m.anon + m.shmem + m.kernel);
    const stats = await dockerStatsMiB(ids.map((id) => stack.naming.container(id)));
    const perTenant = (before - memAvailableMiB()) / N;
    const processes =
      Number((await run("docker", ["exec", stack.naming.container(ids[0]), "sh", "-c", "ls -d /proc/[0-9]* | wc -l"])).stdout.trim()) - 1;
    return [
      {
        measure: `${name} profile: unreclaimable memory per idle tenant (median of ${N}; anon + shmem + kernel)`,
        value: `${fmt(median(unreclaimable))} MiB (anon ${fmt(median(memory.map((m) => m.anon)))}, shmem ${fmt(median(memory.map((m) => m.shmem)))}, kernel ${fmt(median(memory.map((m) => m.kernel)))})`,
        aim: "≤ 20 MiB",
        verdict: verdict(median(unreclaimable) <= 20),
      },
      {
        measure: `${name} profile: page cache per tenant (reclaimable, not counted)`,
        value: `${fmt(median(memory.map((m) => m.cache)))} MiB`,
      },
      { measure: `${name} profile: \`docker stats\` per tenant (counts page cache too)`, value: `${fmt(median(stats))} MiB` },
      { measure: `${name} profile: host MemAvailable drop per tenant (incl. containerd shim, page cache)`, value: `${fmt(perTenant)} MiB` },
      { measure: `${name} profile: processes in an idle tenant's container`, value: String(processes) },
    ];
  } finally {
    await stack.dispose();
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const [name, defaults] of Object.entries(PROFILES)) rows.push(...(await measureProfile(name, defaults)));
  publish("density", "npm run bench:density", [
    `Each profile: ${N} idle tenants (PostgreSQL 18) applied through the real engine, measured ${SETTLE_SECONDS} s after the apply. The small profile's settings are README's "small-tenant profile".`,
    "",
    ...table(rows),
  ]);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
