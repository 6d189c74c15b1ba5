/**
 * offsite.sh with a stand-in rclone that keeps the "bucket" in a local folder: what is copied,
 * what is pruned remotely, where the credentials come from, and fetching a dump back.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { offsiteEnv, parseLogLine, s3CredentialLines } from "../../../../../lib/postgres/backup";
import { Sandbox } from "../../../helpers/shell";

const TARGET = { endpoint: "http://s3.test:8333", bucket: "bucket", prefix: "prod/eu" };
const KEY_ID = "AKIDEXAMPLE";
const SECRET = "s3-Secret-Key-Example-123";

let box: Sandbox;
let env: Record<string, string>;

beforeEach(() => {
  box = new Sandbox();
  mkdirSync(box.path("backups"));
  writeFileSync(box.path("credentials"), s3CredentialLines(KEY_ID, SECRET));
  env = {
    ...offsiteEnv(TARGET, "acme", 2),
    PGS_BACKUP_DIR: box.path("backups"),
    PGS_CREDENTIALS_FILE: box.path("credentials"),
    REMOTE_ROOT: box.path("s3"),
    RCLONE_LOG: box.path("rclone.log"),
  };
  box.stub(
    "rclone",
    String.raw`printf '%s | key=%s secret=%s\n' "$*" "$RCLONE_CONFIG_S3_ACCESS_KEY_ID" "$RCLONE_CONFIG_S3_SECRET_ACCESS_KEY" >>"$RCLONE_LOG"
[ "$RCLONE_FAIL" = "$1" ] && { echo "rclone: connection refused" >&2; exit 1; }
map() { case "$1" in s3:*) echo "$REMOTE_ROOT/${"$"}{1#s3:}" ;; *) echo "$1" ;; esac; }
cmd=$1; shift
includes=""; args=""
while [ $# -gt 0 ]; do
  case "$1" in
    --include) includes="$includes $2"; shift 2 ;;
    --*) shift ;;
    *) args="$args $1"; shift ;;
  esac
done
set -f; set -- $args
matches() { for p in $includes; do case "$1" in $p) return 0 ;; esac; done; return 1; }
set +f
case $cmd in
  copy) src=$(map "$1"); dst=$(map "$2"); mkdir -p "$dst"
    for f in "$src"/*; do [ -f "$f" ] && matches "${"$"}{f##*/}" && cp "$f" "$dst/"; done; true ;;
  lsf) d=$(map "$1"); [ -d "$d" ] || exit 0
    for f in "$d"/*; do [ -f "$f" ] && matches "${"$"}{f##*/}" && echo "${"$"}{f##*/}"; done; true ;;
  deletefile) rm "$(map "$1")" ;;
esac`,
  );
  // One pass of the loop, then the loop ends.
  box.stub("sleep", "kill -TERM $PPID");
});
afterEach(() => box.remove());

const REMOTE = ["s3", "bucket", "prod", "eu", "acme"];
const remote = () => (existsSync(box.path(...REMOTE)) ? readdirSync(box.path(...REMOTE)).sort() : []);
const putLocal = (name: string) => writeFileSync(box.path("backups", name), name);
function putRemote(name: string) {
  mkdirSync(box.path(...REMOTE), { recursive: true });
  writeFileSync(box.path(...REMOTE, name), name);
}

test("the loop copies new dumps and checksums, then keeps only the newest `keep` in the bucket", () => {
  for (const stamp of ["20240101T000000Z", "20240102T000000Z", "20240103T000000Z"]) {
    putRemote(`acme-${stamp}.dump`);
    putRemote(`acme-${stamp}.dump.sha256`);
  }
  putLocal("acme-20250101T000000Z.dump");
  putLocal("acme-20250101T000000Z.dump.sha256");
  putLocal("other-20250101T000000Z.dump");
  const r = box.run("offsite.sh", ["loop"], env);
  const lines = r.stdout.trim().split("\n");
  expect(lines[0]).toBe("pgs-offsite: started: tenant=acme remote=s3:bucket/prod/eu/acme/ keep=2");
  expect(parseLogLine(lines[1])).toMatchObject({ tag: "pgs-offsite", ok: true, fields: { tenant: "acme", pruned: "2" } });
  expect(remote()).toEqual([
    "acme-20240103T000000Z.dump",
    "acme-20240103T000000Z.dump.sha256",
    "acme-20250101T000000Z.dump",
    "acme-20250101T000000Z.dump.sha256",
  ]);
});

test("the credentials come from the file into rclone's environment, never onto its command line", () => {
  putLocal("acme-20250101T000000Z.dump");
  box.run("offsite.sh", ["loop"], env);
  const log = readFileSync(box.path("rclone.log"), "utf8").trim().split("\n");
  expect(log.length).toBeGreaterThan(0);
  for (const line of log) {
    const [args, credentials] = line.split(" | ");
    expect(credentials).toBe(`key=${KEY_ID} secret=${SECRET}`);
    expect(args).not.toContain(SECRET);
  }
});

test("with no local dumps nothing happens remotely: copies are never a sync that could delete them", () => {
  putRemote("acme-20240101T000000Z.dump");
  const r = box.run("offsite.sh", ["loop"], env);
  expect(r.stdout.trim().split("\n")).toHaveLength(1);
  expect(remote()).toEqual(["acme-20240101T000000Z.dump"]);
  expect(existsSync(box.path("rclone.log"))).toBe(false);
});

test("a failed copy is logged as FAILED with rclone's words, and nothing is pruned", () => {
  for (const stamp of ["20240101T000000Z", "20240102T000000Z", "20240103T000000Z"]) putRemote(`acme-${stamp}.dump`);
  putLocal("acme-20250101T000000Z.dump");
  const r = box.run("offsite.sh", ["loop"], { ...env, RCLONE_FAIL: "copy" });
  expect(parseLogLine(r.stdout.trim().split("\n")[1])).toMatchObject({ ok: false, fields: { reason: "rclone: connection refused" } });
  expect(remote()).toHaveLength(3);
});

test("fetch copies the newest dump and its checksum from the bucket and prints its name; credentials from stdin", () => {
  for (const stamp of ["20240101T000000Z", "20240102T000000Z"]) {
    putRemote(`acme-${stamp}.dump`);
    putRemote(`acme-${stamp}.dump.sha256`);
  }
  const r = box.run("offsite.sh", ["fetch"], { ...env, PGS_CREDENTIALS_FILE: "/nonexistent" }, s3CredentialLines(KEY_ID, SECRET));
  expect(r).toMatchObject({ code: 0, stdout: "acme-20240102T000000Z.dump\n" });
  expect(readdirSync(box.path("backups")).sort()).toEqual(["acme-20240102T000000Z.dump", "acme-20240102T000000Z.dump.sha256"]);
  expect(readFileSync(box.path("rclone.log"), "utf8")).toContain(`key=${KEY_ID} secret=${SECRET}`);
});

test("fetch of a name the bucket does not have, or of an empty bucket, exits 3 with a message", () => {
  putRemote("acme-20240101T000000Z.dump");
  const credentials = s3CredentialLines(KEY_ID, SECRET);
  expect(box.run("offsite.sh", ["fetch", "acme-20990101T000000Z.dump"], env, credentials)).toMatchObject({
    code: 3,
    stderr: "no backup named acme-20990101T000000Z.dump in s3:bucket/prod/eu/acme/\n",
  });
  expect(
    box.run("offsite.sh", ["fetch"], { ...env, PGS_TENANT: "globex", PGS_REMOTE: "s3:bucket/prod/eu/globex/" }, credentials),
  ).toMatchObject({ code: 3, stderr: "no backups of globex in s3:bucket/prod/eu/globex/\n" });
});
