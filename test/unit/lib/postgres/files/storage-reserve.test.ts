/**
 * storage-reserve.sh with stand-ins for df (the free space it reports) and fallocate: a start
 * on a full volume gives the reserve back, the reserve is armed again only with room for it four
 * times over, and a tenant without a limit is left alone.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { Sandbox } from "../../../helpers/shell";

let box: Sandbox;
let env: Record<string, string>;
const reserve = () => box.path("data", ".pgs-storage-reserve");

/** df -Pm as the script reads it: free MB in the fourth column of the second line. */
function freeMb(mb: number): void {
  box.stub("df", `echo "Filesystem 1048576-blocks Used Available Capacity Mounted"; echo "/dev/loop0 1000 1 ${mb} 1% $2"`);
}

beforeEach(() => {
  box = new Sandbox();
  mkdirSync(box.path("data", "pgdata"), { recursive: true });
  writeFileSync(box.path("data", "pgdata", "PG_VERSION"), "18\n");
  env = { PGS_TENANT: "acme", PGS_DATA_MOUNT: box.path("data"), PGDATA: box.path("data", "pgdata"), PGS_STORAGE_RESERVE_MB: "64" };
  box.stub("fallocate", 'shift 2; : >"$1"');
});
afterEach(() => box.remove());

test("a start on a full volume releases the reserve and says what to do", () => {
  writeFileSync(reserve(), "");
  freeMb(3);
  const r = box.run("storage-reserve.sh", ["start"], env);
  expect(r.code).toBe(0);
  expect(existsSync(reserve())).toBe(false);
  expect(r.stderr).toContain("pgs: tenant acme: its storage is full: released the 64 MB reserve");
});

test("a start with room keeps the reserve; one that is full with the reserve spent says to raise the limit", () => {
  writeFileSync(reserve(), "");
  freeMb(500);
  expect(box.run("storage-reserve.sh", ["start"], env)).toMatchObject({ code: 0, stderr: "" });
  expect(existsSync(reserve())).toBe(true);
  box.remove();
  box = new Sandbox();
  mkdirSync(box.path("data"));
  freeMb(0);
  const r = box.run("storage-reserve.sh", ["start"], { ...env, PGS_DATA_MOUNT: box.path("data") });
  expect(r.stderr).toContain("its reserve is spent: raise resources.storage");
});

test("arm makes the reserve only with room for it four times over, and only once the data directory exists", () => {
  freeMb(255);
  box.run("storage-reserve.sh", ["arm"], env);
  expect(existsSync(reserve())).toBe(false);
  freeMb(256);
  const r = box.run("storage-reserve.sh", ["arm"], env);
  expect(existsSync(reserve())).toBe(true);
  expect(r.stdout).toContain("storage reserve of 64 MB armed");
  box.run("storage-reserve.sh", ["arm"], { ...env, PGDATA: box.path("empty") });
});

test("before initdb nothing is armed: where PGDATA is the volume's root initdb wants it empty", () => {
  freeMb(10_000);
  box.run("storage-reserve.sh", ["arm"], { ...env, PGDATA: box.path("data", "not-yet") });
  expect(existsSync(reserve())).toBe(false);
});

test("a tenant without a limit: nothing is done", () => {
  writeFileSync(reserve(), "");
  freeMb(0);
  expect(box.run("storage-reserve.sh", ["start"], { ...env, PGS_STORAGE_RESERVE_MB: "" })).toMatchObject({ code: 0, stderr: "" });
  expect(existsSync(reserve())).toBe(true);
});

test("watch: a full volume (less than 8 MB left) gets the reserve back at once, so that rows can be deleted and vacuumed", () => {
  writeFileSync(reserve(), "");
  freeMb(7);
  // One round of the loop: the stand-in sleep fails, which ends the script (set -e).
  box.stub("sleep", "exit 7");
  const r = box.run("storage-reserve.sh", ["watch"], env);
  expect(r.code).toBe(7);
  expect(existsSync(reserve())).toBe(false);
  expect(r.stderr).toContain("its storage is full: released the 64 MB reserve so that data can be deleted");
});

test("watch: with room, the reserve stays", () => {
  writeFileSync(reserve(), "");
  freeMb(8);
  box.stub("sleep", "exit 7");
  expect(box.run("storage-reserve.sh", ["watch"], env)).toMatchObject({ code: 7, stderr: "" });
  expect(existsSync(reserve())).toBe(true);
});
