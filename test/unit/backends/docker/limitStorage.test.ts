/**
 * backends/docker/limitStorage.ts: what `pgs limit-storage` refuses before it changes anything,
 * and that it does nothing unless confirmed. `docker` is a stand-in on PATH answering from a
 * table (the copy itself, on a real Docker host, is in test/e2e/isolation.test.ts).
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { limitStorage } from "../../../../backends/docker/limitStorage";
import { Naming } from "../../../../lib/naming";
import { resolveTenant } from "../../../../lib/tenants/tenant";

let dir: string;
const path = process.env.PATH;
const naming = new Naming("dev", "pgs-dev-");
const file = { apiVersion: "pgs/v1" as const, tenants: [] };

/** `answers`: docker argument line (joined by spaces, prefix match) → "exit|stdout"; anything else exits 0. */
function docker(answers: Record<string, string>): void {
  // Longest first: a volume's line is a prefix of its -unlimited copy's.
  const cases = Object.entries(answers)
    .sort(([a], [b]) => b.length - a.length)
    .map(([args, answer]) => {
      const [code, out] = answer.split("|");
      return `  '${args}'*) printf '%s\\n' '${out ?? ""}'; exit ${code} ;;`;
    })
    .join("\n");
  writeFileSync(join(dir, "docker"), `#!/bin/sh\necho "$*" >>"${join(dir, "calls")}"\ncase "$*" in\n${cases}\n  *) exit 0 ;;\nesac\n`);
  chmodSync(join(dir, "docker"), 0o755);
}
const calls = () => (existsSync(join(dir, "calls")) ? readFileSync(join(dir, "calls"), "utf8").trim().split("\n") : []);

function request(entry: Record<string, unknown>, storage = "1Gi", confirmed = true) {
  const lines: string[] = [];
  return {
    lines,
    run: () =>
      limitStorage({
        tenant: resolveTenant({ id: "acme", ...entry } as never, file, "pgs.example.com"),
        storage,
        storageMiB: storage === "1Gi" ? 1024 : 512,
        naming,
        storageDir: join(dir, "storage"),
        image: "pgs-local/postgres:18",
        tenantsFile: join(dir, "tenants.yaml"),
        confirm: async () => confirmed,
        log: (l) => lines.push(l),
      }),
  };
}

const DEVICE = `volume inspect --format {{index .Options "device"}}`;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pgs-limit-"));
  process.env.PATH = `${dir}:${path}`;
});
afterEach(() => {
  process.env.PATH = path;
  rmSync(dir, { recursive: true, force: true });
});

test("a tenant with a limit already: grow it in tenants.yaml instead", async () => {
  docker({});
  await expect(request({ resources: { storage: "2Gi" } }).run()).rejects.toThrow(
    "tenant acme already has storage 2048Mi: change resources.storage in tenants.yaml and apply (it grows in place)",
  );
  expect(calls()).toEqual([]);
});

test("no data volume on the host, or one that is already a bind volume: refused", async () => {
  docker({ [`${DEVICE} pgs-dev-acme-data`]: "1|" });
  await expect(request({}).run()).rejects.toThrow("tenant acme has no data volume pgs-dev-acme-data on this Docker host");
  docker({ [`${DEVICE} pgs-dev-acme-data`]: "0|/srv/x/data" });
  await expect(request({}).run()).rejects.toThrow("data volume pgs-dev-acme-data is already a bind volume of /srv/x/data");
});

test("a kept copy from an earlier try: refused, naming the command that removes it", async () => {
  docker({ [`${DEVICE} pgs-dev-acme-backups`]: "1|", [`${DEVICE} pgs-dev-acme-data-unlimited`]: "0|" });
  await expect(request({}).run()).rejects.toThrow(
    "volume pgs-dev-acme-data-unlimited already exists (from an earlier try): remove it first: docker volume rm pgs-dev-acme-data-unlimited",
  );
});

test("data that would fill more than 80% of the limit: refused", async () => {
  docker({
    [`${DEVICE} pgs-dev-acme-backups`]: "1|",
    [`${DEVICE} pgs-dev-acme-data-unlimited`]: "1|",
    "run --rm --network none -v pgs-dev-acme-data:/v0:ro --entrypoint du": `0|${700 * 1024 * 1024}\ttotal`,
  });
  await expect(request({}).run()).rejects.toThrow("tenant acme stores 700 MiB: a 1Gi limit leaves too little room");
});

test("the plan is printed, and without confirmation nothing is stopped, made or copied", async () => {
  docker({
    [`${DEVICE} pgs-dev-acme-data-unlimited`]: "1|",
    [`${DEVICE} pgs-dev-acme-backups-unlimited`]: "1|",
    "run --rm --network none -v pgs-dev-acme-data:/v0:ro -v pgs-dev-acme-backups:/v1:ro --entrypoint du": `0|${100 * 1024 * 1024}\ttotal`,
    "ps -aq --filter volume=pgs-dev-acme-data": "0|c1",
    "ps -aq --filter volume=pgs-dev-acme-backups": "0|c2",
  });
  const r = request({}, "1Gi", false);
  await r.run();
  expect(r.lines).toEqual([
    "pgs limit-storage acme 1Gi:",
    "  1. remove acme's 2 container(s) (the server stops cleanly; the next pgs up makes them again)",
    `  2. make its 1Gi of filesystems: ${join(dir, "storage", "pgs-dev-acme.ext4")} at ${join(dir, "storage", "pgs-dev-acme")}, and ${join(dir, "storage", "pgs-dev-acme-wal.ext4")} for its WAL`,
    `  3. copy volume pgs-dev-acme-data into ${join(dir, "storage", "pgs-dev-acme", "data")}, and keep the old data as volume pgs-dev-acme-data-unlimited`,
    `  3. copy volume pgs-dev-acme-backups into ${join(dir, "storage", "pgs-dev-acme", "backups")}, and keep the old data as volume pgs-dev-acme-backups-unlimited`,
    `  4. set resources.storage: 1Gi for acme in ${join(dir, "tenants.yaml")}; then apply it (pgs up)`,
    "  acme is down from step 1 until that pgs up (about 100 MiB to copy, twice)",
    "nothing done",
  ]);
  expect(calls().filter((c) => /^(stop|rm|volume create|volume rm)/.test(c))).toEqual([]);
  expect(existsSync(join(dir, "storage"))).toBe(false);
});
