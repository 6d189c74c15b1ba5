/**
 * `npm run bench:backup`: backup and restore time and size for one tenant with ~100 MB of
 * pgbench data (scale 7), through pgs's own backup and restore code on a real engine's stack.
 */
import { LOCAL_IMAGES } from "../../lib/localImages";
import { backupNow, restoreTenant } from "../../app/ops/backups";
import { dockerBackupHost } from "../../backends/docker/backupHost";
import { run } from "../e2e/harness/clients";
import { eventually } from "../e2e/harness/facts";
import { freePort, tenantsYaml, TestStack } from "../e2e/harness/stack";
import { fmt, log as logger, publish, table } from "./report";

const SCALE = 7;
const log = logger("backup");

async function sql(container: string, query: string): Promise<string> {
  const r = await run("docker", ["exec", container, "psql", "-X", "-At", "-U", "bench", "-d", "bench", "-c", query], {}, 600_000);
  if (r.code !== 0) throw new Error(`psql: ${r.stderr}`);
  return r.stdout.trim();
}

async function main(): Promise<void> {
  const stack = await TestStack.create({ stack: "bench-backup", port: await freePort(), adminPort: await freePort() });
  const naming = stack.naming;
  try {
    await stack.up(
      tenantsYaml([
        {
          id: "bench",
          backup: { every: "24h", keep: 3 },
          resources: { memory: "1Gi", cpus: 1, shm: "128Mi" },
          postgres: { settings: { max_connections: "20", shared_buffers: "128MB" } },
        },
      ]),
    );
    const server = naming.container("bench");
    await eventually(
      "bench server",
      60_000,
      async () => ((await sql(server, "select 1").catch(() => undefined)) === "1" ? true : undefined),
      500,
    );
    log(`pgbench -i -s ${SCALE}`);
    const init = await run("docker", ["exec", server, "pgbench", "-i", "-q", "-s", String(SCALE), "-U", "bench", "bench"], {}, 600_000);
    if (init.code !== 0) throw new Error(init.stderr);
    const dbBytes = Number(await sql(server, "select pg_database_size(current_database())"));
    const ctx = () => ({ host: dockerBackupHost(naming, LOCAL_IMAGES.postgres.replace("{major}", "18")), log });

    let started = Date.now();
    const line = await backupNow(ctx(), "bench");
    const backupMs = Date.now() - started;
    const dumpBytes = Number(/bytes=([0-9]+)/.exec(line)![1]);
    log(line);

    await sql(server, "drop table pgbench_accounts, pgbench_branches, pgbench_tellers, pgbench_history");
    started = Date.now();
    await restoreTenant({ ...ctx(), source: "bench", target: { id: "bench", user: "bench", database: "bench" } });
    const restoreMs = Date.now() - started;
    const rows = Number(await sql(server, "select count(*) from pgbench_accounts"));
    if (rows !== SCALE * 100_000) throw new Error(`restored ${rows} accounts, expected ${SCALE * 100_000}`);

    const MiB = (n: number) => `${fmt(n / 1024 / 1024, 0)} MiB`;
    publish("backup", "npm run bench:backup", [
      `One tenant (PostgreSQL 18, 1 CPU, 1 GiB) with pgbench scale ${SCALE}: database ${MiB(dbBytes)}, ${rows} accounts. pgbench rows are mostly blank filler, so the dump compresses far better than real data.`,
      "",
      ...table([
        {
          measure: "`pgs backup` (pg_dump -Fc + sha256, in the backup container)",
          value: `${fmt(backupMs / 1000)} s, dump ${MiB(dumpBytes)}`,
        },
        { measure: "`pgs restore --yes` (verify sha256 and archive, pg_restore in one transaction)", value: `${fmt(restoreMs / 1000)} s` },
      ]),
    ]);
  } finally {
    await stack.dispose();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
