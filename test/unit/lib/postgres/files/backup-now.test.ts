/** backup-now.sh, run for real with a stand-in pg_dump: what a backup leaves behind, and what a failure does not. */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { backupEnv, parseLogLine } from "../../../../../lib/postgres/backup";
import { resolveTenant } from "../../../../../lib/tenants/tenant";
import { Sandbox } from "../../../helpers/shell";

const tenant = resolveTenant({ id: "acme", backup: { every: "1h", keep: 2 } }, { apiVersion: "pgs/v1", tenants: [] }, "pgs.example.com");
const PASSWORD = "the-tenant's password";

let box: Sandbox;
let env: Record<string, string>;

beforeEach(() => {
  box = new Sandbox();
  mkdirSync(box.path("backups"));
  writeFileSync(box.path("password"), PASSWORD);
  env = {
    ...backupEnv(tenant, tenant.backup!, "postgres"),
    PGS_BACKUP_DIR: box.path("backups"),
    PGS_PASSWORD_FILE: box.path("password"),
    PGS_CONTAINER_LOG: box.path("container.log"),
  };
  // Writes a recognisable archive where -f says, and records how it was called.
  box.stub(
    "pg_dump",
    `printf '%s\\n' "$*" >"${box.path("pg_dump.args")}"
printf '%s' "$PGPASSWORD" >"${box.path("pg_dump.password")}"
while [ $# -gt 0 ]; do [ "$1" = -f ] && out=$2; shift; done
printf 'archive of %s@%s:%s/%s' "$PGUSER" "$PGHOST" "$PGPORT" "$PGDATABASE" >"$out"`,
  );
});
afterEach(() => box.remove());

/** The lock every run takes (and leaves) in the backup directory. */
const LOCK = ".pgs-backup.lock";
const files = () =>
  readdirSync(box.path("backups"))
    .filter((name) => name !== LOCK)
    .sort();
const put = (name: string, content = "old") => writeFileSync(box.path("backups", name), content);

test("a backup writes the dump and its checksum, logs one ok line, and keeps only the newest `keep` of this tenant's dumps", () => {
  for (const stamp of ["20240101T000000Z", "20240102T000000Z", "20240103T000000Z"]) {
    put(`acme-${stamp}.dump`);
    put(`acme-${stamp}.dump.sha256`);
  }
  put("acme-latest.dump"); // not a dump name: never pruned
  put("other-20240101T000000Z.dump"); // another tenant's
  const r = box.run("backup-now.sh", ["scheduled"], env);
  expect(r.code).toBe(0);
  const line = parseLogLine(r.stdout.trim())!;
  expect(line).toMatchObject({ tag: "pgs-backup", ok: true, fields: { tenant: "acme", trigger: "scheduled", pruned: "2" } });
  const name = line.fields.file;
  expect(name).toMatch(/^acme-[0-9]{8}T[0-9]{6}Z\.dump$/);
  expect(files()).toEqual(
    [
      "acme-20240103T000000Z.dump",
      "acme-20240103T000000Z.dump.sha256",
      name,
      `${name}.sha256`,
      "acme-latest.dump",
      "other-20240101T000000Z.dump",
    ].sort(),
  );
  const archive = readFileSync(box.path("backups", name), "utf8");
  expect(archive).toBe("archive of acme@postgres:5432/acme");
  expect(line.fields.bytes).toBe(String(archive.length));
  // The checksum file verifies with sha256sum, as `pgs backups` checks it.
  expect(readFileSync(box.path("backups", `${name}.sha256`), "utf8")).toBe(`${line.fields.sha256}  ${name}\n`);
});

test("the password reaches pg_dump through its environment, read from the file, never on the command line", () => {
  expect(box.run("backup-now.sh", [], env).code).toBe(0);
  expect(readFileSync(box.path("pg_dump.password"), "utf8")).toBe(PASSWORD);
  expect(readFileSync(box.path("pg_dump.args"), "utf8")).not.toContain(PASSWORD);
  expect(readFileSync(box.path("pg_dump.args"), "utf8")).toMatch(/^-Fc --no-password -f \.acme-.*\.dump\.partial\n$/);
});

test("a manual backup's line also reaches the container log", () => {
  const r = box.run("backup-now.sh", ["manual"], env);
  expect(r.code).toBe(0);
  expect(readFileSync(box.path("container.log"), "utf8")).toBe(r.stdout);
});

test("a failed pg_dump logs FAILED with the reason, leaves no partial file and prunes nothing", () => {
  for (const stamp of ["20240101T000000Z", "20240102T000000Z", "20240103T000000Z"]) put(`acme-${stamp}.dump`);
  const before = files();
  box.stub("pg_dump", 'echo "connection to server failed: no route" >&2; exit 1');
  const r = box.run("backup-now.sh", ["scheduled"], env);
  expect(r.code).toBe(1);
  expect(parseLogLine(r.stdout.trim())).toEqual({
    tag: "pgs-backup",
    ok: false,
    fields: { tenant: "acme", trigger: "scheduled", reason: "pg_dump: connection to server failed: no route" },
  });
  expect(files()).toEqual(before);
});

test("a refused connection is tried again (a new pod's address not yet admitted by the NetworkPolicy agent)", () => {
  box.stub(
    "pg_dump",
    `n=$(cat "${box.path("tries")}" 2>/dev/null || echo 0); echo $((n + 1)) >"${box.path("tries")}"
if [ "$n" -lt 2 ]; then echo 'connection to server at "10.96.0.9", port 5432 failed: Connection refused' >&2; exit 1; fi
while [ $# -gt 0 ]; do [ "$1" = -f ] && out=$2; shift; done
printf 'archive' >"$out"`,
  );
  const r = box.run("backup-now.sh", ["scheduled"], env);
  expect({ code: r.code, tries: readFileSync(box.path("tries"), "utf8").trim() }).toEqual({ code: 0, tries: "3" });
  expect(parseLogLine(r.stdout.trim())).toMatchObject({ ok: true });
});

test("a dump that cannot be renamed into place takes its checksum with it: no checksum without its dump", () => {
  box.stub("mv", 'case "$1" in *.partial) echo "mv: No space left on device" >&2; exit 1 ;; esac\nexec /bin/mv "$@"');
  const r = box.run("backup-now.sh", ["scheduled"], env);
  expect(r.code).toBe(1);
  expect(parseLogLine(r.stdout.trim())?.fields.reason).toBe("cannot rename the dump into place");
  expect(files()).toEqual([]);
});

test("an unreadable password file fails before pg_dump runs", () => {
  const r = box.run("backup-now.sh", ["scheduled"], { ...env, PGS_PASSWORD_FILE: box.path("missing") });
  expect(r.code).toBe(1);
  expect(parseLogLine(r.stdout.trim())?.fields.reason).toBe("cannot read the password file");
  expect(existsSync(box.path("pg_dump.args"))).toBe(false);
});

test("runs exclude each other through a lock in the backup directory, which every container of the tenant shares", () => {
  const held = spawn("flock", [box.path("backups", LOCK), "sleep", "2"]);
  try {
    spawnSync("sleep", ["0.3"]);
    const started = Date.now();
    const r = box.run("backup-now.sh", ["manual"], env);
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThan(1000);
  } finally {
    held.kill();
  }
});
