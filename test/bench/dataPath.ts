/**
 * `npm run bench`: the data path through Traefik (TLS + SNI) against direct TLS to a server of
 * the same profile, measured side by side and interleaved (Traefik, direct, Traefik, direct …)
 * so that drift of the machine hits both alike: pgbench -S, COPY out, connection setup.
 * Ratios are medians over the rounds; the spread between rounds is reported as a finding.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus as hostCpus, tmpdir } from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { Client, type ClientConfig } from "pg";
import { LOCAL_IMAGES } from "../../lib/localImages";
import { dataMountPath } from "../../lib/postgres/container";
import { conninfo, run, TEST_LABEL } from "../e2e/harness/clients";
import { container, docker, sleep } from "../e2e/harness/facts";
import { freePort, tenantsYaml, TestStack } from "../e2e/harness/stack";
import { fmt, log as logger, median, percentile, publish, type Row, table, verdict } from "./report";

const ROUNDS = 5;
const PGBENCH_SECONDS = 20;
const PGBENCH_CLIENTS = 8;
const SCALE = 10;
const CONNECTS = 200;
const COPY_ROWS = 100_000;
const IMAGE = LOCAL_IMAGES.postgres.replace("{major}", "18");
const STACK = "bench-data";
const SIDE = `pgs-${STACK}-side`;
const SIDE_NET = `pgs-${STACK}-side-net`;
const CLIENT = `pgs-${STACK}-client`;
const log = logger("data path");
const cpus = () => hostCpus().length;

async function exec(name: string, password: string, argv: string[], timeoutMs = 600_000): Promise<string> {
  const r = await run("docker", ["exec", "-e", "PGPASSWORD", name, ...argv], { PGPASSWORD: password }, timeoutMs);
  if (r.code !== 0) throw new Error(`${argv[0]} in ${name} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

interface Path {
  label: string;
  client: string;
  conninfo: string;
  password: string;
}

/** CPU time (ns) a container has used, from its cgroup (v1 cpuacct). */
async function cpuNs(name: string): Promise<number> {
  const id = (await container(name))!.Id;
  return Number(readFileSync(`/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`, "utf8"));
}

interface PgbenchRun {
  tps: number;
  transactions: number;
  cpuNs: Record<string, number>;
}

/** pgbench -S, with the CPU each of `watch` (container names) spent during it. */
async function pgbench(p: Path, watch: Record<string, string>): Promise<PgbenchRun> {
  const before = Object.fromEntries(await Promise.all(Object.entries(watch).map(async ([k, n]) => [k, await cpuNs(n)] as const)));
  const out = await exec(p.client, p.password, [
    "pgbench",
    "-S",
    "-n",
    "-c",
    String(PGBENCH_CLIENTS),
    "-j",
    "2",
    "-T",
    String(PGBENCH_SECONDS),
    p.conninfo,
  ]);
  const after = Object.fromEntries(await Promise.all(Object.entries(watch).map(async ([k, n]) => [k, await cpuNs(n)] as const)));
  const tps = Number(/tps = ([0-9.]+)/.exec(out)?.[1]);
  const transactions = Number(/number of transactions actually processed: (\d+)/.exec(out)?.[1]);
  if (!tps || !transactions) throw new Error(`pgbench output not understood:\n${out}`);
  return { tps, transactions, cpuNs: Object.fromEntries(Object.keys(watch).map((k) => [k, after[k] - before[k]])) };
}

/** ms to stream `copy blob to stdout` into /dev/null, timed inside the client container. */
async function copyOut(p: Path): Promise<number> {
  const out = await exec(p.client, p.password, [
    "bash",
    "-c",
    's=$(date +%s%N); psql "$1" -X -q -v ON_ERROR_STOP=1 -c "copy blob to stdout" >/dev/null || exit 1; echo $(( ($(date +%s%N) - s) / 1000000 ))',
    "_",
    p.conninfo,
  ]);
  return Number(out.trim());
}

/** New connection + TLS + SCRAM + SELECT 1 + close, sequentially; latencies in ms. */
async function connects(config: ClientConfig, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = process.hrtime.bigint();
    const client = new Client(config);
    await client.connect();
    await client.query("select 1");
    await client.end();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return times;
}

/** A throwaway server of the bench tenant's profile with ssl=on on its own network: the direct-TLS baseline. */
async function startSideServer(dir: string, password: string): Promise<void> {
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-days",
      "2",
      "-subj",
      `/CN=${SIDE}`,
      "-addext",
      `subjectAltName=DNS:${SIDE}`,
      "-keyout",
      path.join(dir, "server.key"),
      "-out",
      path.join(dir, "server.crt"),
    ],
    { stdio: "ignore" },
  );
  writeFileSync(path.join(dir, "password"), password, { mode: 0o600 });
  // Postgres wants its key owned by its own user (uid 999 in the image) and 0600.
  for (const f of ["server.key", "password"]) chownSync(path.join(dir, f), 999, 999);
  await docker.createNetwork({ Name: SIDE_NET, CheckDuplicate: true, Driver: "bridge", Labels: TEST_LABEL });
  const side = await docker.createContainer({
    name: SIDE,
    Image: IMAGE,
    Labels: TEST_LABEL,
    Cmd: [
      "postgres",
      "-c",
      "max_connections=50",
      "-c",
      "shared_buffers=128MB",
      "-c",
      "ssl=on",
      "-c",
      "ssl_cert_file=/certs/server.crt",
      "-c",
      "ssl_key_file=/certs/server.key",
    ],
    Env: ["POSTGRES_USER=bench", "POSTGRES_DB=bench", "POSTGRES_PASSWORD_FILE=/certs/password"],
    HostConfig: {
      NetworkMode: SIDE_NET,
      Binds: [`${dir}:/certs:ro`],
      Memory: 1024 * 1024 * 1024,
      NanoCpus: 1e9,
      ShmSize: 128 * 1024 * 1024,
      Tmpfs: { [dataMountPath(18)]: "" },
    },
  });
  await side.start();
  for (let i = 0; ; i++) {
    if ((await run("docker", ["exec", SIDE, "pg_isready", "-q", "-h", "127.0.0.1"])).code === 0) break;
    if (i > 120) throw new Error(`side server not ready:\n${(await run("docker", ["logs", SIDE])).stderr}`);
    await sleep(500);
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const dir = mkdtempSync(path.join(tmpdir(), "pgs-bench-"));
  chmodSync(dir, 0o755);
  const stack = await TestStack.create({ stack: STACK, port: await freePort(), adminPort: await freePort() });
  try {
    await stack.up(
      tenantsYaml([
        {
          id: "bench",
          resources: { memory: "1Gi", cpus: 1, shm: "128Mi" },
          postgres: { settings: { max_connections: "50", shared_buffers: "128MB" } },
        },
      ]),
    );
    const bench = stack.endpoint("bench");
    const sidePassword = randomBytes(24).toString("hex");
    await startSideServer(dir, sidePassword);
    const client = await docker.createContainer({
      name: CLIENT,
      Image: IMAGE,
      Entrypoint: ["sleep", "infinity"],
      Labels: TEST_LABEL,
      HostConfig: { NetworkMode: SIDE_NET, Binds: [`${dir}/server.crt:/certs/server.crt:ro`], Tmpfs: { [dataMountPath(18)]: "" } },
    });
    await client.start();

    const viaTraefik: Path = { label: "Traefik", client: "pgs-e2e-client", conninfo: conninfo(bench), password: bench.password };
    const directTls: Path = {
      label: "direct TLS",
      client: CLIENT,
      password: sidePassword,
      conninfo: `host=${SIDE} port=5432 dbname=bench user=bench sslmode=verify-full sslrootcert=/certs/server.crt`,
    };
    for (const p of [viaTraefik, directTls]) {
      await exec(p.client, p.password, ["pgbench", "-i", "-q", "-s", String(SCALE), p.conninfo]);
      await exec(p.client, p.password, [
        "psql",
        p.conninfo,
        "-X",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "-c",
        `create table blob as select g, repeat(md5(g::text), 30) as pad from generate_series(1, ${COPY_ROWS}) g`,
        "-c",
        "vacuum analyze blob",
      ]);
    }
    const copyMiB = Number(
      await exec(viaTraefik.client, viaTraefik.password, [
        "psql",
        viaTraefik.conninfo,
        "-X",
        "-tA",
        "-c",
        "select sum(octet_length(g::text) + octet_length(pad) + 2) / 1048576.0 from blob",
      ]),
    );
    const sideIp = (await container(SIDE))!.NetworkSettings.Networks[SIDE_NET].IPAddress;
    const traefikConfig: ClientConfig = {
      database: bench.database,
      user: bench.user,
      host: "127.0.0.1",
      port: bench.port,
      password: bench.password,
      ssl: { ca: stack.ca(), servername: bench.hostname },
    };
    const directConfig: ClientConfig = {
      database: "bench",
      user: "bench",
      host: sideIp,
      port: 5432,
      password: sidePassword,
      ssl: { ca: readFileSync(path.join(dir, "server.crt"), "utf8"), servername: SIDE },
    };

    const watch: Record<string, Record<string, string>> = {
      Traefik: { traefik: stack.naming.ingressContainer(), server: stack.naming.container("bench"), client: viaTraefik.client },
      "direct TLS": { server: SIDE, client: CLIENT },
    };
    /** CPU µs per transaction, per container, summed over the rounds. */
    const cpu: Record<string, { ns: Record<string, number>; tx: number }> = { Traefik: { ns: {}, tx: 0 }, "direct TLS": { ns: {}, tx: 0 } };
    const tps: Record<string, number[]> = { Traefik: [], "direct TLS": [] };
    const copy: Record<string, number[]> = { Traefik: [], "direct TLS": [] };
    const connect: Record<string, number[]> = { Traefik: [], "direct TLS": [] };
    for (let round = 1; round <= ROUNDS; round++) {
      for (const p of round % 2 ? [viaTraefik, directTls] : [directTls, viaTraefik]) {
        const r = await pgbench(p, watch[p.label]);
        tps[p.label].push(r.tps);
        cpu[p.label].tx += r.transactions;
        for (const [k, ns] of Object.entries(r.cpuNs)) cpu[p.label].ns[k] = (cpu[p.label].ns[k] ?? 0) + ns;
        copy[p.label].push(await copyOut(p));
        connect[p.label].push(...(await connects(p === viaTraefik ? traefikConfig : directConfig, CONNECTS / ROUNDS)));
      }
      log(`round ${round}: pgbench ${fmt(tps.Traefik[round - 1], 0)} vs ${fmt(tps["direct TLS"][round - 1], 0)} tps`);
    }
    const tpsRatios = tps.Traefik.map((t, i) => t / tps["direct TLS"][i]);
    const copyRatios = copy.Traefik.map((t, i) => copy["direct TLS"][i] / t);
    const p = (label: string, q: number) => percentile(connect[label], q);
    const us = (label: string, k: string) => fmt(cpu[label].ns[k] / cpu[label].tx / 1000, 1);
    const perTx = (label: string) => Object.values(cpu[label].ns).reduce((a, b) => a + b, 0) / cpu[label].tx;
    const rows: Row[] = [
      {
        measure: `pgbench -S, ${PGBENCH_CLIENTS} clients, ${PGBENCH_SECONDS} s × ${ROUNDS} interleaved rounds: Traefik / direct TLS (median)`,
        value: `${fmt(median(tpsRatios), 2)}× (${fmt(median(tps.Traefik), 0)} vs ${fmt(median(tps["direct TLS"]), 0)} tps; rounds ${tpsRatios.map((r) => fmt(r, 2)).join(", ")})`,
        aim: "≥ 0.90×",
        verdict: verdict(median(tpsRatios) >= 0.9),
      },
      {
        measure: `COPY out ${fmt(copyMiB, 0)} MiB: throughput Traefik / direct TLS (median)`,
        value: `${fmt(median(copyRatios), 2)}× (${fmt(copyMiB / (median(copy.Traefik) / 1000), 0)} vs ${fmt(copyMiB / (median(copy["direct TLS"]) / 1000), 0)} MiB/s; rounds ${copyRatios.map((r) => fmt(r, 2)).join(", ")})`,
        aim: "≥ 0.97×",
        verdict: verdict(median(copyRatios) >= 0.97),
      },
      {
        measure: `connection setup p50 (connect + TLS + SCRAM + SELECT 1, node-postgres, ${CONNECTS} each)`,
        value: `+${fmt(p("Traefik", 50) - p("direct TLS", 50), 2)} ms (${fmt(p("Traefik", 50), 2)} vs ${fmt(p("direct TLS", 50), 2)} ms)`,
        aim: "≤ +3 ms",
        verdict: verdict(p("Traefik", 50) - p("direct TLS", 50) <= 3),
      },
      {
        measure: "connection setup p99",
        value: `+${fmt(p("Traefik", 99) - p("direct TLS", 99), 2)} ms (${fmt(p("Traefik", 99), 2)} vs ${fmt(p("direct TLS", 99), 2)} ms)`,
        aim: "≤ +8 ms",
        verdict: verdict(p("Traefik", 99) - p("direct TLS", 99) <= 8),
      },
      { measure: "spread between rounds (pgbench ratio, max − min)", value: fmt(Math.max(...tpsRatios) - Math.min(...tpsRatios), 2) },
      {
        measure: "CPU per pgbench transaction through Traefik: Traefik / server / client (cgroup cpuacct)",
        value: `${us("Traefik", "traefik")} / ${us("Traefik", "server")} / ${us("Traefik", "client")} µs`,
      },
      {
        measure: "CPU per transaction, direct TLS: server / client",
        value: `${us("direct TLS", "server")} / ${us("direct TLS", "client")} µs`,
      },
      {
        measure: `work per transaction through Traefik / direct (all three containers; when the host's ${cpus()} cores rather than the tenant's 1-CPU limit are the bottleneck, the tps ratio tends to its inverse)`,
        value: `${fmt(perTx("Traefik") / perTx("direct TLS"), 2)}×`,
      },
    ];
    publish("data", "npm run bench", [
      'Tenant and baseline server: PostgreSQL 18, 1 CPU, 1 GiB, shared_buffers 128MB; clients in containers on the same host. "direct TLS" is a throwaway server of the same profile with ssl=on (tenants run ssl=off behind Traefik, so a tenant cannot be reached directly over TLS).',
      "",
      ...table(rows),
    ]);
    log(`done in ${fmt((Date.now() - started) / 1000, 0)} s`);
  } finally {
    for (const name of [CLIENT, SIDE])
      await docker
        .getContainer(name)
        .remove({ force: true, v: true })
        .catch(() => undefined);
    await docker
      .getNetwork(SIDE_NET)
      .remove()
      .catch(() => undefined);
    await stack.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
