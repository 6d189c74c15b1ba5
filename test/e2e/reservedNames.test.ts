/**
 * lib/tenants/reservedNames.ts against the real servers of every local major: each name the
 * validator refuses as a tenant's database (and login role) must be refused by PostgreSQL or
 * break the role sync, and each name it accepts must work: role created, database created and
 * owned by it, a SCRAM login to it.
 *
 * Per name, what a tenant's first start runs, in a throwaway server (no network, tmpfs over the
 * image's volumes, removed afterwards): the image entrypoint's `CREATE DATABASE :"db"` for
 * POSTGRES_DB, then pgs's own lib/postgres/files/sync-roles.sh (and with it sync-roles.sql and
 * probe.sh), byte for byte. The server runs pgs's pg_hba.conf without its loopback trust lines, so
 * the login over 127.0.0.1 takes the tenant's rule (scram-sha-256), as a client through Traefik.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { LOCAL_POSTGRES_MAJORS } from "../../lib/localImages";
import { scramSha256Verifier } from "../../lib/postgres/scram";
import { parseTenantsFile } from "../../lib/tenants/file";
import { InvalidInputError } from "../../lib/tenants/problems";
import { RESERVED_ROLE_NAMES, RESERVED_ROLE_PREFIX, refusedDatabaseName } from "../../lib/tenants/reservedNames";

const REPO = path.resolve(__dirname, "../..");
const RUN = `${process.pid}-${randomBytes(3).toString("hex")}`;
const LABEL = "pgs.test=reserved-names";
const PASSWORD = "a-tenant-password-for-names";

/**
 * Accepted: ordinary names, names near the reserved ones, and SQL keywords (reserved ones too),
 * which pgs always writes quoted; and the pg_hba.conf keywords.
 */
const ACCEPTED = [
  "acme",
  "_x",
  `a${"b".repeat(62)}`,
  "pg",
  "pgx",
  "p_g",
  "publicity",
  "public_data",
  "nonesuch",
  "none_",
  "user",
  "all",
  "select",
  "table",
  "grant",
  "default",
  "authorization",
  "current_user",
  "session_user",
  "current_role",
  "current_catalog",
  "system_user",
  "session",
  "replication",
  "sameuser",
  "samerole",
  "samegroup",
];

/** Refused: the reserved names, a few names under the prefix, and (added per server) its predefined roles. */
const REFUSED = [...RESERVED_ROLE_NAMES, RESERVED_ROLE_PREFIX, `${RESERVED_ROLE_PREFIX}tenant`, `${RESERVED_ROLE_PREFIX}monitor`];

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

/** Where the files go in the throwaway server, and the environment sync-roles.sh reads there. */
const DIR = "/run/pgs-test";
const SYNC_ENV = {
  POSTGRES_USER: "postgres",
  PGPORT: "5432",
  PGS_SUPERUSER: "off",
  PGS_TENANT_VERIFIER_FILE: `${DIR}/tenant.scram`,
  PGS_SUPERUSER_VERIFIER_FILE: `${DIR}/superuser.scram`,
  PGS_READY_FILE: "/tmp/pgs-ready",
};

/** pgs's pg_hba.conf, less the loopback lines: 127.0.0.1 then gets the rules a client through the ingress gets. */
function hbaWithoutLoopbackTrust(): string {
  const hba = readFileSync(path.join(REPO, "lib/postgres/files/pg_hba.conf"), "utf8");
  const kept = hba.split("\n").filter((line) => !/^host\s+\S+\s+\S+\s+(127\.0\.0\.1\/32|::1\/128)\s+trust\s*$/.test(line));
  expect(kept.length).toBe(hba.split("\n").length - 2);
  return kept.join("\n");
}

const files = mkdtempSync(path.join(tmpdir(), "pgs-reserved-names-"));
const containers = new Map<number, string>();

/** A throwaway server of the major with pgs's scripts in DIR; afterAll removes it. */
async function startServer(major: number): Promise<string> {
  const image = `pgs-local/postgres:${major}`;
  const volumes = (await docker("image", "inspect", "--format", "{{range $p, $_ := .Config.Volumes}}{{println $p}}{{end}}", image))
    .split("\n")
    .filter(Boolean);
  const id = await docker(
    "create",
    "--name",
    `pgs-test-reserved-names-${major}-${RUN}`,
    "--network",
    "none",
    "--label",
    LABEL,
    "--label",
    `pgs.test.run=${RUN}`,
    ...volumes.flatMap((v) => ["--tmpfs", v]),
    "-e",
    "POSTGRES_HOST_AUTH_METHOD=scram-sha-256",
    "-e",
    "POSTGRES_PASSWORD=unused-bootstrap-password",
    image,
    "postgres",
    "-c",
    `hba_file=${DIR}/pg_hba.conf`,
  );
  containers.set(major, id);
  await docker("cp", `${files}/.`, `${id}:${DIR}`);
  await docker("start", id);
  const started = Date.now();
  // The entrypoint's init-time server listens on the socket only; the final one on TCP too.
  while ((await run("docker", ["exec", id, "pg_isready", "-q", "-h", "127.0.0.1", "-U", "postgres"])).code !== 0) {
    const running = (await run("docker", ["inspect", "--format", "{{.State.Running}}", id])).stdout.trim() === "true";
    if (!running || Date.now() - started > 120_000) {
      const logs = await run("docker", ["logs", "--tail", "20", id]);
      throw new Error(`${image}: server ${running ? "not ready after 120 s" : "exited"}:\n${logs.stdout}${logs.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return id;
}

// Reads NUL-terminated names; prints one verdict line per name: "ok", or the step that failed and why.
const VERDICT_SCRIPT = `
cd ${DIR}
while IFS= read -r -d '' name; do
  fail() { printf '%s %s\\n' "$1" "$(printf '%s' "$2" | grep -E 'ERROR|FATAL' | head -n 1 | tr -s ' ')"; }
  # docker-entrypoint.sh docker_setup_db, for POSTGRES_DB=<database>
  exists=$(printf '%s' "SELECT 1 FROM pg_database WHERE datname = :'db' ;" | psql -X -qAt -U postgres -d postgres --set db="$name")
  if [ -z "$exists" ] && ! out=$(printf '%s' 'CREATE DATABASE :"db" ;' | psql -X -q -v ON_ERROR_STOP=1 -U postgres -d postgres --set db="$name" 2>&1); then
    fail createdb "$out"; continue
  fi
  rm -f /tmp/pgs-pg_ctl-calls
  if ! out=$(PATH="${DIR}/stub:$PATH" PGS_ROLE="$name" PGS_DATABASE="$name" ./sync-roles.sh 2>&1); then
    if grep -q ' stop ' /tmp/pgs-pg_ctl-calls 2>/dev/null; then fail sync "$out"; else fail sync-without-stop "$out"; fi
    continue
  fi
  if ! out=$(PGPASSWORD='${PASSWORD}' psql -X -qAt -h 127.0.0.1 -U "$name" -d "$name" \\
      -c "SELECT current_user = '$name' AND current_database() = '$name' AND datdba = (SELECT oid FROM pg_roles WHERE rolname = current_user) FROM pg_database WHERE datname = current_database()" 2>&1); then
    fail login "$out"; continue
  fi
  if [ "$out" = t ]; then echo ok; else echo "owner $out"; fi
done`;

/** The server's verdict per name. */
async function verdicts(major: number, names: string[]): Promise<string[]> {
  const env = Object.entries(SYNC_ENV).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  const r = await run(
    "docker",
    ["exec", "-i", "-u", "postgres", ...env, containers.get(major)!, "bash", "-c", VERDICT_SCRIPT],
    names.map((n) => `${n}\0`).join(""),
  );
  if (r.code !== 0) throw new Error(`verdict script failed: ${r.stderr}`);
  const lines = r.stdout.split("\n").filter((l) => l !== "");
  expect(lines).toHaveLength(names.length);
  return lines;
}

/** What `pgs validate` says of a tenant with `database: name`: the problem line, or undefined. */
function validatorVerdict(name: string): string | undefined {
  const text = `apiVersion: pgs/v1\ntenants:\n  - id: acme\n    database: ${name}\n`;
  try {
    parseTenantsFile(text, "tenants.yaml", { baseDomain: "pgs.example.com", certificateNames: ["*.pgs.example.com"] });
    return undefined;
  } catch (err) {
    if (err instanceof InvalidInputError) return err.message;
    throw err;
  }
}

beforeAll(async () => {
  // docker cp gives DIR this folder's mode: the server's user must read it.
  chmodSync(files, 0o755);
  for (const name of ["sync-roles.sh", "sync-roles.sql", "probe.sh"]) {
    writeFileSync(path.join(files, name), readFileSync(path.join(REPO, "lib/postgres/files", name)), { mode: 0o755 });
  }
  writeFileSync(path.join(files, "pg_hba.conf"), hbaWithoutLoopbackTrust(), { mode: 0o644 });
  // A failed sync stops the server (pg_ctl stop), as a tenant's container must; this one server
  // serves every name, so pg_ctl is a stand-in that records the request, which the verdict checks.
  mkdirSync(path.join(files, "stub"), { mode: 0o755 });
  writeFileSync(path.join(files, "stub", "pg_ctl"), '#!/bin/sh\necho "$*" >>/tmp/pgs-pg_ctl-calls\n', { mode: 0o755 });
  writeFileSync(path.join(files, "tenant.scram"), scramSha256Verifier(PASSWORD, "reserved-names"), { mode: 0o644 });
  writeFileSync(path.join(files, "superuser.scram"), scramSha256Verifier("a-superuser-password", "reserved-names"), { mode: 0o644 });
  for (const major of LOCAL_POSTGRES_MAJORS) {
    const image = `pgs-local/postgres:${major}`;
    if ((await run("docker", ["image", "inspect", image])).code !== 0)
      throw new Error(`${image} is missing: run images/build.sh postgres${major}`);
  }
  for (const major of LOCAL_POSTGRES_MAJORS) await startServer(major);
}, 300_000);

afterAll(async () => {
  for (const id of containers.values()) await run("docker", ["rm", "-f", "-v", id]);
  rmSync(files, { recursive: true, force: true });
}, 60_000);

test("the validator accepts every name of the accepted list and refuses every one of the refused list", () => {
  expect(ACCEPTED.filter((name) => validatorVerdict(name) !== undefined)).toEqual([]);
  expect(REFUSED.filter((name) => validatorVerdict(name) === undefined)).toEqual([]);
  expect(validatorVerdict("pg_monitor")).toBe(
    'tenants.yaml:4:15: tenant "acme": database cannot start with "pg_": PostgreSQL reserves those names for its own roles, ' +
      'and the database name is also the tenant\'s login role, got the string "pg_monitor"',
  );
});

describe.each(LOCAL_POSTGRES_MAJORS)("PostgreSQL %i", (major) => {
  test("every name the validator refuses is refused by the server or breaks the role sync, its predefined roles included", async () => {
    const predefined = (
      await docker(
        "exec",
        "-u",
        "postgres",
        containers.get(major)!,
        "psql",
        "-X",
        "-At",
        "-c",
        "SELECT rolname FROM pg_roles WHERE rolname LIKE 'pg\\_%' ORDER BY 1",
      )
    ).split("\n");
    expect(predefined).toContain("pg_monitor");
    const names = [...new Set([...REFUSED, ...predefined])];
    expect(names.filter((name) => refusedDatabaseName(name) === undefined)).toEqual([]);
    const results = await verdicts(major, names);
    const worked = names.filter((_, i) => results[i] === "ok");
    process.stdout.write(
      `PostgreSQL ${major}: ${names.length} refused names:\n${names.map((n, i) => `  ${n}: ${results[i]}`).join("\n")}\n`,
    );
    expect(worked).toEqual([]);
  });

  test("every name the validator accepts gets its role, its database owned by it, and a login with the password", async () => {
    const results = await verdicts(major, ACCEPTED);
    expect(ACCEPTED.map((name, i) => [name, results[i]]).filter(([, verdict]) => verdict !== "ok")).toEqual([]);
  });

  test("the login really is checked: a wrong password is refused", async () => {
    const r = await run("docker", [
      "exec",
      "-e",
      "PGPASSWORD=not-the-password",
      containers.get(major)!,
      "psql",
      "-X",
      "-h",
      "127.0.0.1",
      "-U",
      "acme",
      "-d",
      "acme",
      "-c",
      "SELECT 1",
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('password authentication failed for user "acme"');
  });
});
