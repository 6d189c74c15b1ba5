/** Backups: dump names, the scripts' environment and the log lines the operator commands read back. */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import {
  backupEnv,
  backupScripts,
  BACKUP_FILES,
  dumpTime,
  DUMP_NAME,
  offsiteEnv,
  offsiteScripts,
  OFFSITE_FILES,
  parseLogLine,
  remoteFolder,
} from "../../../../lib/postgres/backup";
import { resolveTenant } from "../../../../lib/tenants/tenant";

const FILES = path.resolve(__dirname, "../../../../lib/postgres/files");
const tenant = resolveTenant(
  { id: "acme", backup: { every: "6h", at: "03:30", keep: 4 } },
  { apiVersion: "pgs/v1", tenants: [] },
  "pgs.example.com",
);

describe("dump names", () => {
  test("dump names carry their UTC time", () => {
    expect(dumpTime("acme-20250102T030405Z.dump")).toEqual(new Date("2025-01-02T03:04:05Z"));
    expect(dumpTime("acme-latest.dump")).toBeUndefined();
  });
  test("only <tenant>-<UTC stamp>.dump is a dump", () => {
    expect(DUMP_NAME.exec("pied-piper-20250102T030405Z.dump")?.[1]).toBe("pied-piper");
    for (const name of ["acme-latest.dump", "acme-20250102T030405Z.dump.sha256", ".acme-20250102T030405Z.dump.partial", "acme-2025.dump"]) {
      expect(DUMP_NAME.test(name)).toBe(false);
    }
  });
});

describe("the containers' scripts", () => {
  test("are the repository's files, verbatim and executable", () => {
    for (const f of [...backupScripts(), ...offsiteScripts()]) {
      expect(f.content).toBe(readFileSync(path.join(FILES, path.basename(f.path)), "utf8"));
      expect(f.executable).toBe(true);
    }
    expect(backupScripts().map((f) => f.path)).toEqual([BACKUP_FILES.loop, BACKUP_FILES.now]);
    expect(offsiteScripts().map((f) => f.path)).toEqual([OFFSITE_FILES.script]);
  });

  test("get every variable they read from their container's environment", () => {
    const cases = [
      { files: backupScripts(), env: backupEnv(tenant, tenant.backup!, "postgres") },
      { files: offsiteScripts(), env: offsiteEnv({ endpoint: "http://s3:8333", bucket: "b", prefix: "" }, "acme", 4) },
    ];
    // Set by the scripts themselves, not by their environment.
    const own = new Set(["RCLONE_CONFIG_S3_ACCESS_KEY_ID", "RCLONE_CONFIG_S3_SECRET_ACCESS_KEY", "PGPASSWORD"]);
    for (const { files, env } of cases) {
      for (const f of files) {
        for (const [, name] of f.content.matchAll(/\$\{?([A-Z][A-Z0-9_]+)/g)) {
          if (!own.has(name)) expect({ file: f.path, name, set: name in env }).toEqual({ file: f.path, name, set: true });
        }
      }
    }
  });

  test("pg_dump finds the server by the tenant network's alias, as the tenant's own role", () => {
    expect(backupEnv(tenant, tenant.backup!, "postgres")).toMatchObject({
      PGHOST: "postgres",
      PGPORT: "5432",
      PGUSER: "acme",
      PGDATABASE: "acme",
      PGS_KEEP: "4",
      PGS_EVERY_SECONDS: "21600",
      PGS_ANCHOR_SECONDS: "12600",
    });
  });

  test("the bucket folder is s3:<bucket>/<prefix>/<tenant>/, an empty prefix left out", () => {
    expect(remoteFolder({ endpoint: "e", bucket: "b", prefix: "x/y/" }, "acme")).toBe("s3:b/x/y/acme/");
    expect(remoteFolder({ endpoint: "e", bucket: "b", prefix: "" }, "acme")).toBe("s3:b/acme/");
  });
});

describe("log lines", () => {
  test("an ok line gives its fields, a quoted one whole", () => {
    expect(parseLogLine('pgs-offsite: ok tenant=acme remote=s3:b/acme/ local="a.dump a.dump.sha256 " pruned=1')).toEqual({
      tag: "pgs-offsite",
      ok: true,
      fields: { tenant: "acme", remote: "s3:b/acme/", local: "a.dump a.dump.sha256 ", pruned: "1" },
    });
  });

  test("a FAILED line's reason runs to the end of the line, spaces, equals signs and all", () => {
    expect(parseLogLine("pgs-backup: FAILED tenant=acme trigger=manual reason=pg_dump: error: x=y failed: no route")).toEqual({
      tag: "pgs-backup",
      ok: false,
      fields: { tenant: "acme", trigger: "manual", reason: "pg_dump: error: x=y failed: no route" },
    });
  });

  test("other lines are not log lines", () => {
    expect(parseLogLine("pgs-backup: scheduler started: tenant=acme")).toBeUndefined();
    expect(parseLogLine("somebody: ok tenant=acme")).toBeUndefined();
  });
});
