/**
 * `npm run bench:scale`: the control plane at hundreds of tenants, as an operator drives it.
 * Two stacks in one run, on the real engine and real Docker: one with a single tenant, one with
 * PGS_BENCH_TENANTS (200) of the small profile, then grown to PGS_BENCH_LARGE (500; 0 leaves it
 * out). Each tenant-scoped command (`pgs create X --apply`, `stop`, `start`, `disable-access`,
 * `enable-access`, `allow`, `remove`) runs on both stacks back to back and is timed until it
 * exits, which is after pgs's own check that the tenant is reachable (or refused) through the SNI
 * port; the bench then checks that outcome itself. Also: the stack from nothing, `pgs preview`
 * and `pgs up` with nothing changed, a tenant killed by hand and brought back by `pgs up`, plain
 * `pulumi preview`/`up` of the whole program, every tenant reached once, connection setup at N
 * against 1, and the idle CPU of Docker's processes and every container.
 *
 * A figure that cannot be measured (a command fails) is printed as the failure, and the run goes
 * on: at 500 tenants the table says what broke first.
 */
import { readdirSync, readFileSync } from "node:fs";
import { Client } from "pg";
import { run } from "../e2e/harness/clients";
import { sleep } from "../e2e/harness/facts";
import { freePort, TestStack, tenantsYaml } from "../e2e/harness/stack";
import { PROFILES } from "./density";
import { fmt, log as logger, percentile, publish, type Row, table, verdict } from "./report";

const log = logger("scale");
const N = Number(process.env.PGS_BENCH_TENANTS ?? 200);
const LARGE = Number(process.env.PGS_BENCH_LARGE ?? 500);
const CONNECTS = 200;
const IDLE_SECONDS = 60;
/** The aims of issue 19, each printed beside its figure. */
const AIM = { commandS: 20, commandRatio: 1.5, unchangedS: 30, fromNothingS: 600, idleCores: 0.2, p50Ratio: 1.5 };
const ids = (n: number, from = 0) => Array.from({ length: n - from }, (_, i) => `s${String(from + i).padStart(3, "0")}`);
const file = (n: number) =>
  tenantsYaml(
    ids(n).map((id) => ({ id })),
    PROFILES.small,
  );

/** `pgs ARGS` in the stack's project, in its own process, with no time limit; throws with its output when it fails. */
function pgs(stack: TestStack, args: string[]): Promise<{ ms: number; stdout: string }> {
  const started = Date.now();
  const child = stack.spawnPgs(args);
  let out = "";
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((resolve, reject) =>
    child.on("exit", (code) => {
      if (code === 0) resolve({ ms: Date.now() - started, stdout: out });
      else reject(new Error(`pgs ${args.join(" ")} exited ${code}: ${out.trim().split("\n").slice(-6).join(" / ")}`));
    }),
  );
}

/** Connect + TLS (verify-full) + SCRAM + SELECT 1 through the SNI port, in ms. */
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
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("select 1");
  } finally {
    await client.end().catch(() => undefined);
  }
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** The bench's own check of what a command said it did. */
async function expectOutcome(stack: TestStack, id: string, outcome: "reachable" | "refused"): Promise<void> {
  await stack.readOutputs();
  const reached = await connectMs(stack, id).then(
    () => true,
    () => false,
  );
  if (reached !== (outcome === "reachable"))
    throw new Error(`${id} is ${reached ? "reachable" : "refused"} after the command said ${outcome}`);
}

async function latencies(stack: TestStack, id: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < CONNECTS; i++) out.push(await connectMs(stack, id));
  return out;
}

/**
 * CPU used so far (ns) by Docker's own processes (dockerd, containerd, the shims, docker-proxy:
 * /proc/PID/stat) and by every container (cgroup v1 cpuacct): what a host pays for its tenants.
 */
function dockerCpuNs(): { ns: number; containers: number } {
  const tickNs = 1e9 / 100; // CLK_TCK is 100 on Linux's supported architectures
  let ns = 0;
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      if (!/^(dockerd|containerd|containerd-shim.*|docker-proxy)$/.test(comm)) continue;
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      ns += (Number(fields[11]) + Number(fields[12])) * tickNs; // utime, stime
    } catch {
      // the process ended while being read
    }
  }
  const root = "/sys/fs/cgroup/cpuacct/docker";
  const containers = readdirSync(root).filter((d) => /^[0-9a-f]{64}$/.test(d));
  for (const id of containers) ns += Number(readFileSync(`${root}/${id}/cpuacct.usage`, "utf8"));
  return { ns, containers: containers.length };
}

/** Busy share of one core of the whole host (/proc/stat), every process counted. */
function hostBusyJiffies(): { busy: number; total: number } {
  const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0].split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - cpu[3] - cpu[4], total };
}

async function idleCost(seconds: number): Promise<{ docker: number; host: number; containers: number }> {
  const before = dockerCpuNs();
  const hostBefore = hostBusyJiffies();
  await sleep(seconds * 1000);
  const after = dockerCpuNs();
  const hostAfter = hostBusyJiffies();
  return {
    docker: (after.ns - before.ns) / (seconds * 1e9),
    host: (hostAfter.busy - hostBefore.busy) / 100 / seconds,
    containers: after.containers,
  };
}

/** A measured figure, or why it could not be measured; the run goes on either way. */
async function attempt<T>(what: string, work: () => Promise<T>): Promise<T | Error> {
  try {
    return await work();
  } catch (err) {
    log(`${what}: FAILED ${(err as Error).message}`);
    return err as Error;
  }
}

const seconds = (ms: number) => `${fmt(ms / 1000)} s`;

/** The tenant-scoped commands, in the order they run on each stack, with what must hold after each. */
const COMMANDS: { name: string; args: (id: string) => string[]; after: "reachable" | "refused" | "gone" }[] = [
  { name: "create X --apply", args: (id) => ["create", id, "--allow", "127.0.0.0/8", "--apply"], after: "reachable" },
  { name: "stop X --apply (idle)", args: (id) => ["stop", id, "--apply"], after: "refused" },
  { name: "start X --apply", args: (id) => ["start", id, "--apply"], after: "reachable" },
  { name: "disable-access X --apply", args: (id) => ["disable-access", id, "--apply"], after: "refused" },
  { name: "enable-access X --apply", args: (id) => ["enable-access", id, "--apply"], after: "reachable" },
  { name: "allow X 192.0.2.0/24 --apply", args: (id) => ["allow", id, "192.0.2.0/24", "--apply"], after: "reachable" },
  { name: "remove X --apply", args: (id) => ["remove", id, "--apply"], after: "gone" },
];

/** Runs one command on the small and the big stack back to back (same load on the machine). */
async function commandPair(one: TestStack, big: TestStack, n: number, command: (typeof COMMANDS)[number], target: string): Promise<Row> {
  const timed = async (stack: TestStack) => {
    const { ms } = await pgs(stack, command.args(target));
    if (command.after !== "gone") await expectOutcome(stack, target, command.after);
    return ms;
  };
  const small = await attempt(`${command.name} at 1`, () => timed(one));
  const large = await attempt(`${command.name} at ${n}`, () => timed(big));
  const aim = `≤ ${AIM.commandS} s and ≤ ${AIM.commandRatio}×`;
  if (small instanceof Error || large instanceof Error) {
    return {
      measure: `\`pgs ${command.name}\`: ${n} tenants vs 1`,
      value: `failed: ${(large instanceof Error ? large : (small as Error)).message}`,
      aim,
      verdict: "**missed**",
    };
  }
  log(`${command.name}: ${seconds(large)} at ${n}, ${seconds(small)} at 1`);
  return {
    measure: `\`pgs ${command.name}\`: ${n} tenants vs 1`,
    value: `${seconds(large)} vs ${seconds(small)} (${fmt(large / small, 2)}×)`,
    aim,
    verdict: verdict(large / 1000 <= AIM.commandS && large / small <= AIM.commandRatio),
  };
}

function failedRow(measure: string, err: Error, aim?: string): Row {
  return { measure, value: `failed: ${err.message}`, ...(aim ? { aim, verdict: "**missed**" } : {}) };
}

/** Every measurement at `n` tenants on `big` (already applied), beside the same on `one`. */
async function measureAt(one: TestStack, big: TestStack, n: number, atOne: number[]): Promise<Row[]> {
  const rows: Row[] = [];
  await big.readOutputs();
  await sleep(20_000);
  const failed: string[] = [];
  for (const id of ids(n)) await connectMs(big, id).catch((err: Error) => failed.push(`${id}: ${err.message}`));
  rows.push({
    measure: `every one of ${n} tenants reached once through SNI, verify-full`,
    value: failed.length === 0 ? `${n} of ${n}` : `${n - failed.length} of ${n}; first failure ${failed[0]}`,
    aim: `${n} of ${n}`,
    verdict: verdict(failed.length === 0),
  });
  const atN = await attempt(`latency at ${n}`, () => latencies(big, ids(n)[n - 1]));
  if (!(atN instanceof Error)) {
    const [p50n, p50one] = [percentile(atN, 50), percentile(atOne, 50)];
    rows.push({
      measure: `connect + TLS + SCRAM + SELECT 1, p50: ${n} tenants vs 1`,
      value: `${fmt(p50n, 2)} vs ${fmt(p50one, 2)} ms (${fmt(p50n / p50one, 2)}×)`,
      aim: `≤ ${AIM.p50Ratio}×`,
      verdict: verdict(p50n / p50one <= AIM.p50Ratio),
    });
    rows.push({
      measure: `… p99: ${n} tenants vs 1`,
      value: `${fmt(percentile(atN, 99), 2)} vs ${fmt(percentile(atOne, 99), 2)} ms (${fmt(percentile(atN, 99) / percentile(atOne, 99), 2)}×)`,
    });
  }
  const idle = await idleCost(IDLE_SECONDS);
  rows.push({
    measure: `idle CPU of ${n} idle tenants over ${IDLE_SECONDS} s: dockerd, containerd, shims, docker-proxy and every container (${idle.containers}), monitoring off`,
    value: `${fmt(idle.docker, 3)} of a core`,
    aim: `≤ ${AIM.idleCores}`,
    verdict: verdict(idle.docker <= AIM.idleCores),
  });
  rows.push({ measure: "… the whole host over the same window (/proc/stat, every process)", value: `${fmt(idle.host, 3)} of a core` });
  rows.push({ measure: "… with monitoring on", value: "not measured: monitoring is not built yet (issue 22)" });

  for (const [name, args] of [
    ["preview", ["preview"]],
    ["up --yes", ["up", "--yes"]],
  ] as const) {
    const r = await attempt(`pgs ${name} at ${n}`, () => pgs(big, [...args]));
    rows.push(
      r instanceof Error
        ? failedRow(`\`pgs ${name}\`, ${n} tenants, nothing changed`, r, `≤ ${AIM.unchangedS} s`)
        : {
            measure: `\`pgs ${name}\`, ${n} tenants, nothing changed`,
            value: seconds(r.ms),
            aim: `≤ ${AIM.unchangedS} s`,
            verdict: verdict(r.ms / 1000 <= AIM.unchangedS),
          },
    );
  }

  const target = `x${n}`;
  for (const command of COMMANDS) rows.push(await commandPair(one, big, n, command, target));

  // A tenant killed out of band, brought back by the next pgs up (its drift check), on both stacks.
  const repaired = async (stack: TestStack, id: string) => {
    await run("docker", ["kill", stack.naming.container(id)]);
    const { ms } = await pgs(stack, ["up", "--yes"]);
    await expectOutcome(stack, id, "reachable");
    return ms;
  };
  const killedOne = await attempt("kill at 1", () => repaired(one, ids(1)[0]));
  const killedBig = await attempt(`kill at ${n}`, () => repaired(big, ids(n)[Math.floor(n / 2)]));
  rows.push(
    killedOne instanceof Error || killedBig instanceof Error
      ? failedRow(
          `\`docker kill\` of one tenant, then \`pgs up --yes\`: ${n} tenants vs 1`,
          (killedBig instanceof Error ? killedBig : killedOne) as Error,
          `≤ ${AIM.commandS} s`,
        )
      : {
          measure: `\`docker kill\` of one tenant, then \`pgs up --yes\` until it is routable again: ${n} tenants vs 1`,
          value: `${seconds(killedBig)} vs ${seconds(killedOne)}`,
          aim: `≤ ${AIM.commandS} s`,
          verdict: verdict(killedBig / 1000 <= AIM.commandS),
        },
  );

  // Plain Pulumi, as a user with a normal install runs it: the whole program, every resource.
  const plainPreview = await attempt(`plain preview at ${n}`, () => big.preview(undefined, {}, { expectNoChanges: true }));
  rows.push(
    plainPreview instanceof Error
      ? failedRow(`plain \`pulumi preview --expect-no-changes\`, ${n} tenants`, plainPreview)
      : {
          measure: `plain \`pulumi preview --expect-no-changes\`, ${n} tenants (every resource, no refresh)`,
          value: seconds(plainPreview.ms),
        },
  );
  const plainUp = await attempt(`plain up at ${n}`, () => big.up(undefined, {}, { check: false }));
  rows.push(
    plainUp instanceof Error
      ? failedRow(`plain \`pulumi up\`, ${n} tenants, nothing changed`, plainUp)
      : { measure: `plain \`pulumi up\`, ${n} tenants, nothing changed`, value: seconds(plainUp.ms) },
  );
  return rows;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const one = await TestStack.create({ stack: "bench-one", port: await freePort(), adminPort: await freePort() });
  const big = await TestStack.create({ stack: "bench-scale", port: await freePort(), adminPort: await freePort() });
  try {
    await one.prepare(file(1));
    const fromNothingOne = await pgs(one, ["up", "--yes"]);
    await one.readOutputs();
    const atOne = await latencies(one, ids(1)[0]);
    log(`1 tenant from nothing: ${seconds(fromNothingOne.ms)}; p50 ${fmt(percentile(atOne, 50), 2)} ms`);

    await big.prepare(file(N));
    const fromNothing = await attempt(`${N} from nothing`, () => pgs(big, ["up", "--yes"]));
    if (fromNothing instanceof Error) throw fromNothing;
    log(`${N} from nothing: ${seconds(fromNothing.ms)}`);
    rows.push({
      measure: `\`pgs up --yes\` of ${N} tenants from nothing (each checked through the SNI port) vs 1`,
      value: `${seconds(fromNothing.ms)} vs ${seconds(fromNothingOne.ms)}`,
      aim: `≤ ${AIM.fromNothingS / 60} min`,
      verdict: verdict(fromNothing.ms / 1000 <= AIM.fromNothingS),
    });
    rows.push(...(await measureAt(one, big, N, atOne)));

    if (LARGE > N) {
      await big.prepare(file(LARGE));
      const grown = await attempt(`grow to ${LARGE}`, () => pgs(big, ["up", "--yes"]));
      if (grown instanceof Error) rows.push(failedRow(`\`pgs up --yes\` adding ${LARGE - N} tenants to ${N}`, grown));
      else {
        rows.push({ measure: `\`pgs up --yes\` adding ${LARGE - N} tenants to ${N}`, value: seconds(grown.ms) });
        rows.push(...(await measureAt(one, big, LARGE, atOne)));
      }
    }
    const networks = (await run("docker", ["network", "ls", "-q"])).stdout.trim().split("\n").length;
    rows.push({ measure: "Docker networks in use at the end (one per tenant)", value: String(networks) });
    publish("scale", "npm run bench:scale", [
      `Tenants of the small profile (PostgreSQL 18) on one host, through the real engine and \`pgs\` as an operator runs it; clients on the same host. Each tenant-scoped command ran on a 1-tenant stack and on the big one back to back, timed until it exited (pgs checks the tenant through the SNI port before it says done; the bench checks again).`,
      "",
      ...table(rows),
    ]);
  } finally {
    await one.dispose();
    await big.dispose();
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
