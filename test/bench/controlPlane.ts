/**
 * `npm run bench:plan`: the control plane. The CLI's start-up; `pgs plan` (the program under
 * Pulumi's mock runtime) at 10, 100 and 1000 tenants, wall time and peak memory; and the real
 * engine: `pulumi up` from scratch at 1, 10 and 50 tenants, a preview with nothing changed and
 * an up adding one tenant at 50, each with the share of it that is our program's evaluation.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { SOURCE_DIR } from "../../lib/sourceDir";
import { freePort, PGS, tenantsYaml, TestStack } from "../e2e/harness/stack";
import { fmt, log as logger, median, publish, type Row, table, verdict } from "./report";

const log = logger("control plane");

/** Wall time (ms) and peak resident memory (MiB) of one command, via GNU time. */
function timed(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): { ms: number; mib: number } {
  const started = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "%M", command, ...args], { cwd, env, encoding: "utf8", maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${path.basename(command)} ${args.join(" ")} failed: ${r.stderr.slice(-2000)}`);
  const kb = Number(r.stderr.trim().split("\n").pop());
  return { ms, mib: kb / 1024 };
}

/** `pgs ...` as operators run it (bin/pgs). */
const measure = (args: string[], cwd = SOURCE_DIR) => timed(PGS, args, cwd);

function tenantsFile(dir: string, n: number): string {
  const file = path.join(dir, `tenants-${n}.yaml`);
  writeFileSync(
    file,
    tenantsYaml(
      Array.from({ length: n }, (_, i) => ({ id: `t${String(i).padStart(4, "0")}` })),
      { resources: { memory: "256Mi" }, backup: { every: "24h", keep: 3 } },
    ),
  );
  return file;
}

const tenants = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `t${String(i).padStart(3, "0")}` }));
const SMALL = {
  postgres: { settings: { max_connections: "20", shared_buffers: "16MB" } },
  resources: { memory: "256Mi", cpus: 1, shm: "64Mi" },
};

async function main(): Promise<void> {
  const rows: Row[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), "pgs-bench-plan-"));
  try {
    // Node's own start, for scale: this machine's environment sets NODE_EXTRA_CA_CERTS, which Node 20
    // loads before any code runs (bin/pgs sets it aside for pgs).
    const bare = Array.from({ length: 15 }, () => timed(process.execPath, ["-e", "0"], SOURCE_DIR).ms);
    const withoutCa = { ...process.env };
    delete withoutCa.NODE_EXTRA_CA_CERTS;
    const bareWithoutCa = Array.from({ length: 15 }, () => timed(process.execPath, ["-e", "0"], SOURCE_DIR, withoutCa).ms);
    const help = Array.from({ length: 15 }, () => measure(["--help"]).ms);
    const validate = Array.from({ length: 15 }, () => measure(["validate"]).ms);
    rows.push({
      measure: `bare \`node -e 0\`, for scale (median of 15): NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? "as this environment sets it" : "unset here too"} / unset`,
      value: `${fmt(median(bare), 0)} ms / ${fmt(median(bareWithoutCa), 0)} ms`,
    });
    rows.push({
      measure: "`pgs --help` start-up (median of 15)",
      value: `${fmt(median(help), 0)} ms`,
      aim: "< 300 ms",
      verdict: verdict(median(help) < 300),
    });
    rows.push({
      measure: "`pgs validate` of the shipped tenants.yaml (median of 15)",
      value: `${fmt(median(validate), 0)} ms`,
      aim: "< 300 ms",
      verdict: verdict(median(validate) < 300),
    });
    log(
      `start-up: help ${fmt(median(help), 0)} ms, validate ${fmt(median(validate), 0)} ms (bare node ${fmt(median(bare), 0)} / ${fmt(median(bareWithoutCa), 0)} ms)`,
    );

    const plans: Record<number, { ms: number; mib: number }> = {};
    for (const n of [10, 100, 1000]) {
      plans[n] = measure(["plan", tenantsFile(dir, n), "--json"]);
      log(`plan ${n}: ${fmt(plans[n].ms / 1000)} s, ${fmt(plans[n].mib, 0)} MiB`);
      rows.push({
        measure: `\`pgs plan\` of ${n} tenants (with backups): wall time, peak memory`,
        value: `${fmt(plans[n].ms / 1000)} s, ${fmt(plans[n].mib, 0)} MiB`,
        ...(n === 1000 ? { aim: "< 5 s, < 500 MiB", verdict: verdict(plans[n].ms < 5000 && plans[n].mib < 500) } : {}),
      });
    }
    rows.push({
      measure: "`pgs plan` growth 100 → 1000 tenants (time ratio; 10× is linear)",
      value: `${fmt(plans[1000].ms / plans[100].ms, 1)}×`,
    });

    for (const n of [1, 10, 50]) {
      const stack = await TestStack.create({ stack: `bench-up${n}`, port: await freePort(), adminPort: await freePort() });
      try {
        const first = await stack.up(tenantsYaml(tenants(n), SMALL));
        rows.push({
          measure: `real \`pulumi up\` from scratch, ${n} tenant${n > 1 ? "s" : ""} (healthy)`,
          value: `${fmt(first.ms / 1000)} s`,
        });
        log(`up ${n}: ${fmt(first.ms / 1000)} s`);
        if (n === 50) {
          const same = await stack.preview(undefined, {}, { expectNoChanges: true });
          const offline = measure(["plan", "--json", "--stack", `bench-up${n}`], stack.projectDir);
          rows.push({
            measure: "real `pulumi preview`, 50 tenants, nothing changed (refresh included)",
            value: `${fmt(same.ms / 1000)} s`,
          });
          rows.push({
            measure: "… of which the program's evaluation (`pgs plan` of the same stack, offline)",
            value: `≈ ${fmt(offline.ms / 1000)} s`,
          });
          const added = await stack.up(tenantsYaml(tenants(n + 1), SMALL));
          rows.push({ measure: "real `pulumi up` adding one tenant to 50", value: `${fmt(added.ms / 1000)} s` });
          log(`preview 50: ${fmt(same.ms / 1000)} s; +1: ${fmt(added.ms / 1000)} s`);
        }
      } finally {
        await stack.dispose();
      }
    }
    publish("plan", "npm run bench:plan", table(rows));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
