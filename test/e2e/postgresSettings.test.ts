/**
 * lib/tenants/postgresSettings.ts against the real servers of the local images:
 *  - for tricky values (units, rounding, boolean prefixes, hex/octal, bounds ±1, bad values),
 *    settingProblem() must give the server's own accept/refuse verdict. The server's verdict is
 *    `postgres -D $PGDATA -C name -c name=value` run in a throwaway container: the -c option is
 *    processed exactly as when the program starts a tenant (SetConfigOption, PGC_POSTMASTER,
 *    PGC_S_ARGV, check hooks included); an invalid value makes postgres exit with FATAL.
 *  - the checked-in pg_settings files must match the images (extract.sh --check).
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { settingProblem, type SettingValue } from "../../lib/tenants/postgresSettings";

const REPO = path.resolve(__dirname, "../..");
const LABEL = "pgs.test=settings-verdicts";
const MAJORS = [17, 18];

type Case = [name: string, value: SettingValue];

/** Both majors: the parser must agree with the server on every one of these. */
const CASES: Case[] = [
  // memory, base unit 8kB (min 16 = 128kB, max 1073741823 = 8589934584kB)
  ["shared_buffers", "lots"],
  ["shared_buffers", "128MB"],
  ["shared_buffers", "64kB"],
  ["shared_buffers", "120kB"],
  ["shared_buffers", "127kB"],
  ["shared_buffers", "128kB"],
  ["shared_buffers", "0x1B"],
  ["shared_buffers", "1.5GB"],
  ["shared_buffers", " 1 GB "],
  ["shared_buffers", "1gb"],
  ["shared_buffers", "1 GBs"],
  ["shared_buffers", "8589934584kB"],
  ["shared_buffers", "8589934592kB"],
  ["shared_buffers", "1TB"],
  ["shared_buffers", "9TB"],
  ["shared_buffers", 16],
  ["shared_buffers", 15],
  ["shared_buffers", "131072B"],
  ["shared_buffers", "126977B"],
  ["shared_buffers", "126976B"],
  ["shared_buffers", "126975B"],
  // memory, base unit kB
  ["work_mem", "64kB"],
  ["work_mem", "63kB"],
  ["work_mem", "64.4kB"],
  ["work_mem", "63.5kB"],
  ["work_mem", "65536B"],
  ["work_mem", "0x40"],
  ["work_mem", "2TB"],
  ["work_mem", "1.9999999999TB"],
  ["work_mem", "1.999999999TB"],
  ["work_mem", "1.999TB"],
  // integers without a unit
  ["max_connections", -5],
  ["max_connections", 0],
  ["max_connections", 1],
  ["max_connections", "0.5"],
  ["max_connections", "1.5"],
  ["max_connections", "2.5"],
  ["max_connections", "010"],
  ["max_connections", "08"],
  ["max_connections", "1e2"],
  ["max_connections", "1E2"],
  ["max_connections", "100MB"],
  ["max_connections", "  42  "],
  ["max_connections", "99999999999999999999"],
  ["max_connections", "0x"],
  ["max_connections", "+7"],
  ["max_connections", ""],
  ["max_prepared_transactions", ".5"],
  ["max_prepared_transactions", " .5"],
  ["max_prepared_transactions", "-.5"],
  ["max_prepared_transactions", "-0.5"],
  ["max_prepared_transactions", "0x1.8"],
  ["max_prepared_transactions", "inf"],
  ["max_prepared_transactions", "-1"],
  ["max_prepared_transactions", "e5"],
  // time, base unit ms / s / min
  ["statement_timeout", "1min"],
  ["statement_timeout", "1.5s"],
  ["statement_timeout", "500us"],
  ["statement_timeout", "1500us"],
  ["statement_timeout", "24d"],
  ["statement_timeout", "25d"],
  ["statement_timeout", "1 h"],
  ["statement_timeout", "1H"],
  ["statement_timeout", "1 mins"],
  ["statement_timeout", -1],
  ["statement_timeout", "1e400"],
  ["statement_timeout", "2147483647"],
  ["statement_timeout", "2147483648"],
  ["statement_timeout", "1e3ms"],
  ["checkpoint_timeout", "29s"],
  ["checkpoint_timeout", "30s"],
  ["checkpoint_timeout", "0.5min"],
  ["checkpoint_timeout", "29500ms"],
  ["checkpoint_timeout", "29499ms"],
  ["checkpoint_timeout", "86400.5s"],
  ["checkpoint_timeout", "86400.6s"],
  ["checkpoint_timeout", "1d"],
  ["checkpoint_timeout", "86401s"],
  ["checkpoint_timeout", 30],
  ["log_rotation_age", "1h"],
  ["log_rotation_age", "90s"],
  ["log_rotation_age", "30s"],
  ["log_rotation_age", "29s"],
  ["log_rotation_age", "1ms"],
  // reals
  ["vacuum_cost_delay", "100ms"],
  ["vacuum_cost_delay", "0.1s"],
  ["vacuum_cost_delay", "100.1"],
  ["vacuum_cost_delay", "150us"],
  ["vacuum_cost_delay", "-0"],
  ["vacuum_cost_delay", "1min"],
  ["vacuum_cost_delay", "1 ms "],
  ["vacuum_cost_delay", 99.99],
  ["random_page_cost", "1.7976931348623157e308"],
  ["random_page_cost", "1.797695e308"],
  ["random_page_cost", "inf"],
  ["random_page_cost", "nan"],
  ["random_page_cost", "4 "],
  ["random_page_cost", "4x"],
  ["random_page_cost", "0x10"],
  ["random_page_cost", "-0.0001"],
  ["random_page_cost", "1e-320"],
  ["random_page_cost", 1.1],
  ["geqo_selection_bias", "1.49999"],
  ["geqo_selection_bias", "1.5"],
  ["geqo_selection_bias", "2.0000001"],
  // booleans
  ["fsync", "of"],
  ["fsync", "o"],
  ["fsync", "TRUE"],
  ["fsync", "tr"],
  ["fsync", "yess"],
  ["fsync", " on"],
  ["fsync", "on "],
  ["fsync", "2"],
  ["fsync", true],
  ["fsync", false],
  ["fsync", 1],
  ["fsync", 0],
  ["fsync", "N"],
  ["fsync", ""],
  // enums
  ["wal_level", "HOT_STANDBY"],
  ["wal_level", "maximal"],
  ["wal_level", "Replica"],
  ["wal_level", true],
  ["wal_level", "archive"],
  ["synchronous_commit", true],
  ["synchronous_commit", "remote_apply"],
  ["synchronous_commit", "of"],
  ["log_min_messages", "DEBUG"],
  ["log_min_messages", "info"],
  ["client_min_messages", "fatal"],
  ["ssl_max_protocol_version", ""],
  ["ssl_min_protocol_version", ""],
  ["default_transaction_isolation", "Read Committed"],
  // names
  ["shared_bufers", "1MB"],
  ["Shared_Buffers", "1MB"],
  ["sort_mem", "1MB"],
  ["vacuum_mem", "64MB"],
  ["block_size", "8192"],
  ["server_version", "1"],
  ["pg_stat_statements.max", "lots"],
  ["ssl_ecdh_curve", "prime256v1"],
  // strings are not checked here: any value is accepted
  ["application_name", "anything at all"],
  ["search_path", '"$user", public'],
];

/** Differences known and accepted: string check hooks and cross-parameter limits (server refuses, we accept). */
const KNOWN_DIFFERENCES: Case[] = [
  ["TimeZone", "Mars/Olympus_Mons"],
  ["log_destination", "nowhere"],
];

type Result = { code: number; stdout: string; stderr: string };

function run(command: string, args: string[], input?: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

async function docker(...args: string[]): Promise<string> {
  const r = await run("docker", args);
  if (r.code !== 0) throw new Error(`docker ${args.join(" ")}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

const containers = new Map<number, string>();

/** A throwaway server of the major: no network, tmpfs over the image's volumes, removed afterwards. */
async function startServer(major: number): Promise<string> {
  const image = `pgs-local/postgres:${major}`;
  const volumes = (await docker("image", "inspect", "--format", "{{range $p, $_ := .Config.Volumes}}{{println $p}}{{end}}", image))
    .split("\n")
    .filter(Boolean);
  const id = await docker(
    "run",
    "-d",
    "--rm",
    "--network",
    "none",
    "--label",
    LABEL,
    ...volumes.flatMap((v) => ["--tmpfs", v]),
    "-e",
    "POSTGRES_HOST_AUTH_METHOD=trust",
    image,
  );
  const started = Date.now();
  // The entrypoint's init-time server listens on the socket only; the final one on TCP too.
  while ((await run("docker", ["exec", id, "pg_isready", "-q", "-h", "127.0.0.1", "-U", "postgres"])).code !== 0) {
    if (Date.now() - started > 120_000) throw new Error(`${image}: server not ready after 120 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return id;
}

// Reads NUL-separated name/value pairs; prints "<exit code> <FATAL message>" per pair.
const VERDICT_SCRIPT = `
while IFS= read -r -d '' name && IFS= read -r -d '' value; do
  if msg=$(postgres -D "$PGDATA" -C "$name" -c "$name=$value" 2>&1); then
    printf '0 %s\\n' "$(printf '%s' "$msg" | tr '\\n' ' ')"
  else
    printf '1 %s\\n' "$(printf '%s' "$msg" | grep -o 'FATAL:.*' | head -n 1)"
  fi
done`;

/** The server's verdict per case: accepted, and its message. */
async function serverVerdicts(major: number, cases: Case[]): Promise<Array<{ accepted: boolean; message: string }>> {
  const id = containers.get(major)!;
  const input = cases.map(([name, value]) => `${name}\0${String(value)}\0`).join("");
  const r = await run("docker", ["exec", "-i", "-u", "postgres", id, "bash", "-c", VERDICT_SCRIPT], input);
  if (r.code !== 0) throw new Error(`verdict script failed: ${r.stderr}`);
  const lines = r.stdout.split("\n").filter((l) => l !== "");
  expect(lines).toHaveLength(cases.length);
  return lines.map((line) => ({ accepted: line.startsWith("0 "), message: line.slice(2) }));
}

beforeAll(async () => {
  for (const major of MAJORS) {
    const image = `pgs-local/postgres:${major}`;
    if ((await run("docker", ["image", "inspect", image])).code !== 0) {
      throw new Error(`${image} is missing: run scripts/build-images.sh postgres${major}`);
    }
  }
  for (const major of MAJORS) containers.set(major, await startServer(major));
}, 300_000);

afterAll(async () => {
  for (const id of containers.values()) await run("docker", ["rm", "-f", "-v", id]);
}, 60_000);

describe.each(MAJORS)("PostgreSQL %i", (major) => {
  test(`settingProblem() agrees with the server on ${CASES.length} values`, async () => {
    const verdicts = await serverVerdicts(major, CASES);
    const disagreements = CASES.flatMap(([name, value], i) => {
      const problem = settingProblem(major, name, value);
      if ((problem === undefined) === verdicts[i].accepted) return [];
      return [
        `${name}=${JSON.stringify(value)}: server ${verdicts[i].accepted ? "accepts" : "refuses"} (${verdicts[i].message}), ` +
          `settingProblem: ${problem ? problem.message : "accepts"}`,
      ];
    });
    const refused = verdicts.filter((v) => !v.accepted).length;
    process.stdout.write(`PostgreSQL ${major}: ${CASES.length} values, server refused ${refused}, disagreements ${disagreements.length}\n`);
    expect(disagreements).toEqual([]);
  });

  test("known differences: check hooks and cross-parameter limits are left to the server", async () => {
    const verdicts = await serverVerdicts(major, KNOWN_DIFFERENCES);
    KNOWN_DIFFERENCES.forEach(([name, value], i) => {
      expect({ name, value, server: verdicts[i].accepted }).toEqual({ name, value, server: false });
      expect(settingProblem(major, name, value)).toBeUndefined();
    });
  });
});

test("the checked-in pg_settings files match the images (extract.sh --check)", async () => {
  const r = await run("bash", [path.join(REPO, "lib/tenants/postgres-settings/extract.sh"), "--check", ...MAJORS.map(String)]);
  if (r.code !== 0) throw new Error(`extract.sh --check exited ${r.code}: stale settings files\n${r.stdout}\n${r.stderr}`);
}, 300_000);
