/**
 * `npm run bench`: side-by-side measurements of the ingress path (Traefik, TLS + SNI) against
 * direct connections to the tenant's server, plus apply times and idle memory. Prints a
 * Markdown block and appends it to README.md under "## Performance".
 * Same environment and network rules as the e2e suite (scripts/e2e-env.sh first).
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { Client, ClientConfig } from "pg";
import { conninfo, Endpoint, run, TEST_LABEL } from "./harness/clients";
import { docker } from "./harness/dockerApplier";
import { container, sleep } from "./harness/facts";
import { cleanup, E2E_DIR, E2EStack, freePort, PREFIX, PROJECT_DIR, requireImages, TenantEntry, tenantsYaml } from "./harness/stack";

const PGBENCH_SECONDS = 30;
const PGBENCH_CLIENTS = 8;
const SCALE = 10;
const CONNECTS = 200;
const COPY_ROWS = 100_000; // ~100 MB of COPY text
const IMAGE = "pgs-local/postgres:18";
const SIDE = `${PREFIX}bench-side`;
const SIDE_NET = `${PREFIX}bench-side-net`;
const BENCH_CLIENT = `${PREFIX}bench-client`;
const BENCH: TenantEntry = {
  id: "bench",
  resources: { memory: "1Gi", cpus: 1, shm: "128Mi" },
  postgres: { settings: { max_connections: "50", shared_buffers: "128MB" } },
};
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const tenants = (n: number): TenantEntry[] => Array.from({ length: n }, (_, i) => ({ id: `t${String(i + 1).padStart(2, "0")}` }));

async function newStack(): Promise<E2EStack> {
  return new E2EStack({ port: await freePort(), adminPort: await freePort() });
}

/** `docker exec` with the password in the exec environment only. */
async function exec(name: string, password: string, argv: string[], timeoutMs = 600_000) {
  const r = await run("docker", ["exec", "-e", "PGPASSWORD", name, ...argv], { PGPASSWORD: password }, timeoutMs);
  if (r.code !== 0) throw new Error(`${argv[0]} in ${name} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

interface Path { label: string; client: string; conninfo: string; password: string }

async function pgbench(p: Path): Promise<{ tps: number; latencyMs: number }> {
  const out = await exec(p.client, p.password, ["pgbench", "-S", "-n", "-c", String(PGBENCH_CLIENTS), "-j", "2", "-T", String(PGBENCH_SECONDS), p.conninfo]);
  const tps = Number(/tps = ([0-9.]+)/.exec(out)?.[1]);
  const latencyMs = Number(/latency average = ([0-9.]+) ms/.exec(out)?.[1]);
  if (!tps || !latencyMs) throw new Error(`pgbench output not understood:\n${out}`);
  return { tps, latencyMs };
}

/** ms to stream `copy blob to stdout` into /dev/null, timed inside the client container (median of 3). */
async function copyOut(p: Path): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const out = await exec(p.client, p.password, ["bash", "-c",
      's=$(date +%s%N); psql "$1" -X -q -v ON_ERROR_STOP=1 -c "copy blob to stdout" >/dev/null || exit 1; echo $(( ($(date +%s%N) - s) / 1000000 ))', "_", p.conninfo]);
    times.push(Number(out.trim()));
  }
  return median(times);
}

/** New connection + SCRAM + SELECT 1 + close, sequentially; latencies in ms. */
async function connectLatencies(config: ClientConfig): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < CONNECTS; i++) {
    const started = process.hrtime.bigint();
    const client = new Client(config);
    await client.connect();
    await client.query("select 1");
    await client.end();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return times;
}

const median = (xs: number[]) => percentile(xs, 50);
function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const fmt = (x: number, digits = 1) => x.toFixed(digits);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

/** A throwaway server of the bench tenant's profile with ssl=on, on its own network: the direct-TLS baseline. */
async function startSideServer(dir: string, password: string): Promise<void> {
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
    "-subj", `/CN=${SIDE}`, "-addext", `subjectAltName=DNS:${SIDE}`, "-keyout", path.join(dir, "server.key"), "-out", path.join(dir, "server.crt")],
  { stdio: "ignore" });
  writeFileSync(path.join(dir, "password"), password, { mode: 0o600 });
  // Postgres wants its key owned by its own user (uid 999 in the image) and 0600.
  for (const f of ["server.key", "password"]) chownSync(path.join(dir, f), 999, 999);
  await docker.createNetwork({ Name: SIDE_NET, CheckDuplicate: true, Driver: "bridge", Labels: TEST_LABEL });
  const side = await docker.createContainer({
    name: SIDE, Image: IMAGE, Labels: TEST_LABEL,
    Cmd: ["postgres", "-c", "max_connections=50", "-c", "shared_buffers=128MB", "-c", "ssl=on",
      "-c", "ssl_cert_file=/certs/server.crt", "-c", "ssl_key_file=/certs/server.key"],
    Env: ["POSTGRES_USER=bench", "POSTGRES_DB=bench", "POSTGRES_PASSWORD_FILE=/certs/password"],
    HostConfig: {
      NetworkMode: SIDE_NET, Binds: [`${dir}:/certs:ro`], Memory: 1024 * 1024 * 1024, NanoCpus: 1e9, ShmSize: 128 * 1024 * 1024,
    },
  });
  await side.start();
  for (let i = 0; ; i++) {
    const r = await run("docker", ["exec", SIDE, "pg_isready", "-q", "-h", "127.0.0.1"]);
    if (r.code === 0) break;
    if (i > 120) throw new Error(`side server not ready:\n${(await run("docker", ["logs", SIDE])).stderr}`);
    await sleep(500);
  }
}

async function idleMemoryMiB(names: string[]): Promise<number[]> {
  const r = await run("docker", ["stats", "--no-stream", "--format", "{{.Name}}\t{{.MemUsage}}", ...names]);
  if (r.code !== 0) throw new Error(`docker stats failed: ${r.stderr}`);
  const units: Record<string, number> = { KiB: 1 / 1024, MiB: 1, GiB: 1024, B: 1 / 1048576 };
  return r.stdout.trim().split("\n").map((line) => {
    const m = /\t([0-9.]+)([KMG]?i?B) \//.exec(line);
    if (!m) throw new Error(`docker stats line not understood: ${line}`);
    return Number(m[1]) * units[m[2]];
  });
}

async function main(): Promise<void> {
  const started = Date.now();
  await docker.ping();
  await requireImages();
  await cleanup();
  mkdirSync(E2E_DIR, { recursive: true });
  const dir = mkdtempSync(path.join(E2E_DIR, "bench-"));
  chmodSync(dir, 0o755); // the side server reads its key as uid 999
  const lines: string[] = [];
  try {
    // Apply wall time from scratch (program run + Docker, Traefik's first healthcheck included).
    const applyMs: Record<number, number> = {};
    for (const n of [1, 10, 50]) {
      const stack = await newStack();
      applyMs[n] = (await stack.apply(tenantsYaml(tenants(n)))).ms;
      log(`apply ${n} tenants from scratch: ${applyMs[n]} ms`);
      await cleanup();
    }

    const stack = await newStack();
    const apply20 = await stack.apply(tenantsYaml([...tenants(20), BENCH]));
    log(`apply 20 tenants + bench: ${apply20.ms} ms`);
    await sleep(15_000);
    const memory = await idleMemoryMiB(tenants(20).map((t) => stack.containerName(t.id)));
    log(`idle memory per tenant: median ${fmt(median(memory))} MiB`);

    const bench: Endpoint = stack.endpoint("bench");
    const sidePassword = randomBytes(24).toString("hex");
    await startSideServer(dir, sidePassword);
    // One direct client on both private networks (the tenant's and the side server's).
    const client = await docker.createContainer({
      name: BENCH_CLIENT, Image: IMAGE, Entrypoint: ["sleep", "infinity"], Labels: TEST_LABEL,
      HostConfig: { NetworkMode: stack.networkName("bench"), Binds: [`${dir}/server.crt:/certs/server.crt:ro`] },
    });
    await client.start();
    await docker.getNetwork(SIDE_NET).connect({ Container: client.id });

    const viaTraefik: Path = { label: "Traefik (TLS+SNI)", client: "pgs-e2e-client", conninfo: conninfo(bench), password: bench.password };
    const directPlain: Path = {
      label: "direct, no TLS", client: BENCH_CLIENT, password: bench.password,
      conninfo: `host=${stack.containerName("bench")} port=5432 dbname=${bench.database} user=${bench.user} sslmode=disable`,
    };
    const directTls: Path = {
      label: "direct TLS (side server)", client: BENCH_CLIENT, password: sidePassword,
      conninfo: `host=${SIDE} port=5432 dbname=bench user=bench sslmode=verify-full sslrootcert=/certs/server.crt`,
    };
    const paths = [viaTraefik, directPlain, directTls];

    log("pgbench -i and the COPY table");
    for (const p of [viaTraefik, directTls]) {
      await exec(p.client, p.password, ["pgbench", "-i", "-q", "-s", String(SCALE), p.conninfo]);
      await exec(p.client, p.password, ["psql", p.conninfo, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c",
        `create table blob as select g, repeat(md5(g::text), 30) as pad from generate_series(1, ${COPY_ROWS}) g`, "-c", "vacuum analyze blob"]);
    }
    const copyMiB = Number(await exec(viaTraefik.client, viaTraefik.password, ["psql", viaTraefik.conninfo, "-X", "-tA", "-c",
      "select sum(octet_length(g::text) + octet_length(pad) + 2) / 1048576.0 from blob"]));

    const tps: Record<string, { tps: number; latencyMs: number }> = {};
    for (const p of paths) {
      tps[p.label] = await pgbench(p);
      log(`pgbench -S ${p.label}: ${fmt(tps[p.label].tps, 0)} tps`);
    }

    const tenantIp = (await container(stack.containerName("bench")))!.NetworkSettings.Networks[stack.networkName("bench")].IPAddress;
    const sideIp = (await container(SIDE))!.NetworkSettings.Networks[SIDE_NET].IPAddress;
    const base = { database: "bench", user: "bench" };
    const connects: Record<string, number[]> = {
      [viaTraefik.label]: await connectLatencies({ ...base, host: "127.0.0.1", port: bench.port, password: bench.password,
        ssl: { ca: stack.ca(), servername: bench.hostname } }),
      [directPlain.label]: await connectLatencies({ ...base, host: tenantIp, port: 5432, password: bench.password, ssl: false }),
      [directTls.label]: await connectLatencies({ ...base, host: sideIp, port: 5432, password: sidePassword,
        ssl: { ca: readFileSync(path.join(dir, "server.crt"), "utf8"), servername: SIDE } }),
    };
    log("connection setup measured");

    const copyMs: Record<string, number> = {};
    for (const p of paths) copyMs[p.label] = await copyOut(p);
    log("COPY measured");

    const pgVersion = (await exec(viaTraefik.client, viaTraefik.password, ["psql", viaTraefik.conninfo, "-X", "-tA", "-c", "show server_version"])).trim();
    const dockerVersion = (await run("docker", ["version", "--format", "{{.Server.Version}}"])).stdout.trim();
    const [t, d, s] = paths.map((p) => p.label);
    lines.push(
      `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench\` (test/e2e/bench.ts): ${cpus().length} CPUs, Docker ${dockerVersion}, ` +
      `Traefik 3.7.15, PostgreSQL ${pgVersion}; clients on the same host (ingress on 127.0.0.1). ` +
      `Bench tenant: 1 CPU, 1 GiB, shared_buffers 128MB. "direct TLS" is a throwaway server of the same profile with ssl=on ` +
      `(tenants run ssl=off behind Traefik, so a tenant cannot be reached directly over TLS).`,
      "",
      `| measure | ${t} | ${d} | ${s} | Traefik / direct | Traefik / direct TLS |`,
      "|---|---|---|---|---|---|",
      `| pgbench -S, ${PGBENCH_CLIENTS} clients, ${PGBENCH_SECONDS} s (tps) | ${paths.map((p) => fmt(tps[p.label].tps, 0)).join(" | ")} | ` +
        `${ratio(tps[t].tps, tps[d].tps)} | ${ratio(tps[t].tps, tps[s].tps)} |`,
      `| pgbench -S average latency (ms) | ${paths.map((p) => fmt(tps[p.label].latencyMs, 3)).join(" | ")} | ` +
        `${ratio(tps[t].latencyMs, tps[d].latencyMs)} | ${ratio(tps[t].latencyMs, tps[s].latencyMs)} |`,
      ...[50, 99].map((q) => `| connection setup p${q} (connect + SCRAM + SELECT 1, node-postgres, ms) | ` +
        `${paths.map((p) => fmt(percentile(connects[p.label], q), 2)).join(" | ")} | ` +
        `${ratio(percentile(connects[t], q), percentile(connects[d], q))} | ${ratio(percentile(connects[t], q), percentile(connects[s], q))} |`),
      `| COPY out ${fmt(copyMiB, 0)} MiB (ms, median of 3) | ${paths.map((p) => String(copyMs[p.label])).join(" | ")} | ` +
        `${ratio(copyMs[t], copyMs[d])} | ${ratio(copyMs[t], copyMs[s])} |`,
      `| COPY out throughput (MiB/s) | ${paths.map((p) => fmt(copyMiB / (copyMs[p.label] / 1000), 0)).join(" | ")} | | |`,
      "",
      "| measure | value |",
      "|---|---|",
      ...[1, 10, 50].map((n) => `| apply ${n} tenant${n > 1 ? "s" : ""} from scratch (program run + Docker, wait for healthy) | ${fmt(applyMs[n] / 1000)} s |`),
      `| idle memory per tenant, 20 tenants (256Mi limit, shared_buffers 16MB, max_connections 20; docker stats 15 s after initdb) | ` +
        `median ${fmt(median(memory))} MiB, min ${fmt(Math.min(...memory))}, max ${fmt(Math.max(...memory))} |`,
    );
  } finally {
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
  const block = `${lines.join("\n")}\n`;
  process.stdout.write(`\n${block}\n`);
  const readme = path.join(PROJECT_DIR, "README.md");
  const current = existsSync(readme) ? readFileSync(readme, "utf8") : "";
  const headings = current.match(/^## .*$/gm) ?? [];
  const underPerformance = headings[headings.length - 1] === "## Performance";
  appendFileSync(readme, `${current && !current.endsWith("\n") ? "\n" : ""}${underPerformance ? "" : "\n## Performance\n"}\n${block}`);
  log(`appended to README.md; total ${fmt((Date.now() - started) / 1000, 0)} s`);
}

main().catch(async (err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  await cleanup().catch(() => undefined);
  process.exit(1);
});
