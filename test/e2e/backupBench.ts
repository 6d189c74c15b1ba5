/**
 * `npx ts-node -T test/e2e/backupBench.ts`: backup and restore time and size for one tenant
 * with ~100 MB of pgbench data (scale 7), on the e2e Docker engine (scripts/e2e-env.sh first).
 * Prints the Markdown line for docs/backups.md.
 */
import { cpus } from "node:os";
import { run } from "./harness/clients";
import { docker } from "./harness/dockerApplier";
import { eventually } from "./harness/facts";
import { cleanup, E2EStack, freePort, requireImages, tenantsYaml } from "./harness/stack";
import { backupNow, restoreTenant } from "../../lib/backups";
import { Naming } from "../../lib/naming";

const SCALE = 7;
const log = (line: string) => process.stderr.write(`backup-bench: ${line}\n`);

async function sql(container: string, query: string): Promise<string> {
  const r = await run("docker", ["exec", container, "psql", "-X", "-At", "-h", "/var/run/postgresql", "-U", "bench", "-d", "bench", "-c", query], {}, 600_000);
  if (r.code !== 0) throw new Error(`psql: ${r.stderr}`);
  return r.stdout.trim();
}

async function main(): Promise<void> {
  await docker.ping();
  await requireImages();
  await cleanup();
  const stack = new E2EStack({ port: await freePort(), adminPort: await freePort() });
  const naming = new Naming(stack.stack, stack.prefix);
  try {
    await stack.apply(tenantsYaml([{
      id: "bench", backup: { every: "24h", keep: 3 },
      resources: { memory: "1Gi", cpus: 1, shm: "128Mi" },
      postgres: { settings: { max_connections: "20", shared_buffers: "128MB" } },
    }]));
    const server = stack.containerName("bench");
    await eventually("bench server", 60_000, async () => (await sql(server, "select 1").catch(() => undefined)) === "1" ? true : undefined, 500);
    log(`pgbench -i -s ${SCALE}`);
    const init = await run("docker", ["exec", server, "pgbench", "-i", "-q", "-s", String(SCALE), "-h", "/var/run/postgresql", "-U", "bench", "bench"], {}, 600_000);
    if (init.code !== 0) throw new Error(init.stderr);
    const dbBytes = Number(await sql(server, "select pg_database_size(current_database())"));
    const ctx = { naming, image: "pgs-local/postgres:18", log };

    let started = Date.now();
    const line = await backupNow(ctx, "bench");
    const backupMs = Date.now() - started;
    const dumpBytes = Number(/bytes=([0-9]+)/.exec(line)![1]);
    log(line);

    await sql(server, "drop table pgbench_accounts, pgbench_branches, pgbench_tellers, pgbench_history");
    started = Date.now();
    await restoreTenant({ ...ctx, source: "bench", target: { id: "bench", user: "bench", database: "bench" } });
    const restoreMs = Date.now() - started;
    const rows = Number(await sql(server, "select count(*) from pgbench_accounts"));
    if (rows !== SCALE * 100_000) throw new Error(`restored ${rows} accounts, expected ${SCALE * 100_000}`);

    const MiB = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MiB`;
    process.stdout.write(`- Backup and restore, one tenant with pgbench scale ${SCALE} (database ${MiB(dbBytes)}, ${rows} accounts; ` +
      `${cpus().length} CPUs, tenant limited to 1 CPU / 1 GiB): \`pgs backup\` ${(backupMs / 1000).toFixed(1)} s, dump ${MiB(dumpBytes)} ` +
      `(pg_dump -Fc, compressed); \`pgs restore --yes\` (verify sha256 + pg_restore in one transaction) ${(restoreMs / 1000).toFixed(1)} s.\n`);
  } finally {
    await cleanup();
  }
}

main().catch((err) => { console.error(err); process.exitCode = 1; });
