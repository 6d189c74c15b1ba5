/** backup-volume.sh: what `pgs backups` lists and what `pgs restore` checks before it changes anything. */
import { mkdirSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { backupVolumeEnv } from "../../../../../lib/postgres/backup";
import { Sandbox } from "../../../helpers/shell";

let box: Sandbox;
let env: Record<string, string>;

beforeEach(() => {
  box = new Sandbox();
  mkdirSync(box.path("backups"));
  env = { ...backupVolumeEnv(), PGS_BACKUP_DIR: box.path("backups") };
  // A readable archive is one that starts with pg_dump's custom-format magic.
  box.stub("pg_restore", '[ "$1" = -l ] && [ "$(head -c 5 "$2")" = PGDMP ]');
});
afterEach(() => box.remove());

function dump(name: string, content: string, checksum: "good" | "bad" | "none") {
  writeFileSync(box.path("backups", name), content);
  if (checksum === "none") return;
  const sum = execFileSync("sha256sum", [box.path("backups", name)], { encoding: "utf8" }).split(" ")[0];
  writeFileSync(box.path("backups", `${name}.sha256`), `${checksum === "good" ? sum : "0".repeat(64)}  ${name}\n`);
}

test("list gives every dump with its size and whether its checksum holds", () => {
  dump("acme-20250101T000000Z.dump", "PGDMP one", "good");
  dump("acme-20250102T000000Z.dump", "PGDMP two!", "bad");
  dump("acme-20250103T000000Z.dump", "PGDMP three", "none");
  const r = box.run("backup-volume.sh", ["list"], env);
  expect(r).toEqual({
    code: 0,
    stderr: "",
    stdout: [
      "acme-20250101T000000Z.dump\t9\tok",
      "acme-20250102T000000Z.dump\t10\tBAD",
      "acme-20250103T000000Z.dump\t11\tmissing",
      "",
    ].join("\n"),
  });
});

test("an empty volume lists nothing", () => {
  expect(box.run("backup-volume.sh", ["list"], env)).toEqual({ code: 0, stdout: "", stderr: "" });
});

test.each([
  ["a sound dump", "PGDMP", "good", "acme-1.dump", 0],
  ["a dump that is not there", "PGDMP", "good", "acme-2.dump", 3],
  ["a dump without a checksum file", "PGDMP", "none", "acme-1.dump", 4],
  ["a dump whose checksum does not match", "PGDMP", "bad", "acme-1.dump", 5],
  ["a file pg_restore cannot read", "garbage", "good", "acme-1.dump", 6],
] as const)("verify: %s exits %d", (_what, content, checksum, asked, code) => {
  dump("acme-1.dump", content, checksum);
  expect(box.run("backup-volume.sh", ["verify", asked], env).code).toBe(code);
});

test("an unknown subcommand is a usage error", () => {
  expect(box.run("backup-volume.sh", ["delete"], env)).toMatchObject({ code: 2, stderr: expect.stringMatching(/^usage:/) });
});
