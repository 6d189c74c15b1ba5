/** What a tenant's server container is given: its files verbatim, its environment, its command. */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { POSTGRES_PORT, SUPERUSER } from "../../../../lib/postgres/container";
import {
  SERVER_FILES,
  serverCommand,
  serverEnv,
  serverFiles,
  serverProcessLimit,
  serverSettingsFile,
  splitSettings,
  storageSplit,
  walSizedToStorage,
} from "../../../../lib/postgres/server";

const FILES = path.resolve(__dirname, "../../../../lib/postgres/files");

test("the container gets the repository's scripts and config byte for byte, scripts executable", () => {
  const files = serverFiles();
  expect(files.map((f) => f.path)).toEqual(Object.values(SERVER_FILES));
  for (const f of files) {
    expect(f.content).toBe(readFileSync(path.join(FILES, path.basename(f.path)), "utf8"));
    expect(f.executable).toBe(f.path.endsWith(".sh"));
  }
});

test("every variable a server script reads is in the container's environment", () => {
  const env = serverEnv({ tenantId: "acme", role: "acme", database: "acme", superuser: false, major: 18 });
  for (const f of serverFiles()) {
    for (const [, name] of f.content.matchAll(/\$\{?([A-Z][A-Z0-9_]+)/g))
      expect({ file: f.path, name, set: name in env }).toEqual({ file: f.path, name, set: true });
  }
});

test("the bootstrap superuser cannot log in over the network; everyone else needs SCRAM", () => {
  const rules = readFileSync(path.join(FILES, "pg_hba.conf"), "utf8")
    .split("\n")
    .filter((l) => l.startsWith("host"))
    .map((l) => l.split(/\s+/));
  expect(rules).toEqual([
    ["host", "all", "all", "127.0.0.1/32", "trust"],
    ["host", "all", "all", "::1/128", "trust"],
    ["host", "all", SUPERUSER, "all", "reject"],
    ["host", "all", "all", "all", "scram-sha-256"],
  ]);
});

test("the image contract and libpq's PGPORT carry the superuser and the port", () => {
  expect(serverEnv({ tenantId: "a", role: "r", database: "d", superuser: true, major: 17 })).toMatchObject({
    POSTGRES_USER: SUPERUSER,
    POSTGRES_DB: "d",
    PGPORT: String(POSTGRES_PORT),
    PGS_SUPERUSER: "on",
    PGS_MAJOR: "17",
    PGS_DATA_MOUNT: "/var/lib/postgresql/data",
  });
});

const withSettings = (version: number, settings: Record<string, string>) => ({ postgres: { version, settings } });

test("restart-only (postmaster) settings become -c name=value in name order after pgs's hba and main config; reloadable ones do not", () => {
  expect(serverCommand(withSettings(18, { work_mem: "8MB", shared_buffers: "24MB", jit: "off", max_connections: "30" }))).toEqual([
    "postgres",
    "-c",
    `hba_file=${SERVER_FILES.hba}`,
    "-c",
    "config_file=/tmp/pgs-postgresql.conf",
    "-c",
    "max_connections=30",
    "-c",
    "shared_buffers=24MB",
  ]);
});

test("reloadable settings (sighup, superuser, user contexts) go to settings.conf, quoted as postgresql.conf quotes", () => {
  const file = serverSettingsFile(
    withSettings(18, { work_mem: "8MB", statement_timeout: "5s", shared_buffers: "24MB", search_path: "a, 'b'" }),
  );
  expect(file.split("\n").filter((l) => !l.startsWith("#"))).toEqual([
    "search_path = 'a, ''b'''",
    "statement_timeout = '5s'",
    "work_mem = '8MB'",
    "",
  ]);
});

test("what a reload cannot be trusted with restarts: extension parameters, and majors checked against another major's data", () => {
  expect(splitSettings(withSettings(18, { "pg_stat_statements.max": "1000" })).restart).toEqual({ "pg_stat_statements.max": "1000" });
  expect(splitSettings(withSettings(16, { work_mem: "8MB" }))).toEqual({ restart: { work_mem: "8MB" }, reload: {} });
  expect(splitSettings(withSettings(17, { work_mem: "8MB" }))).toEqual({ restart: {}, reload: { work_mem: "8MB" } });
});

test("the process limit leaves room for every connection, worker and auxiliary process", () => {
  expect(serverProcessLimit(withSettings(18, {}))).toBe(100 + 8 + 3 + 64);
  expect(serverProcessLimit(withSettings(18, { max_connections: "20", max_worker_processes: "2" }))).toBe(20 + 2 + 3 + 64);
});

test("with a storage limit the WAL is sized to it, in the reloadable settings, unless the tenant sets it", () => {
  const tenant = (storageMiB: number | undefined, settings: Record<string, string> = {}) => ({
    postgres: { version: 18, settings },
    resources: storageMiB === undefined ? {} : { storageMiB },
  });
  // A quarter of the WAL's filesystem (lib/postgres/server.ts storageSplit), at most 1GB.
  expect(walSizedToStorage(1024)).toEqual({ max_wal_size: "64MB", min_wal_size: "32MB" });
  expect(walSizedToStorage(16 * 1024)).toEqual({ max_wal_size: "512MB", min_wal_size: "80MB" });
  expect(walSizedToStorage(100 * 1024)).toEqual({ max_wal_size: "1024MB", min_wal_size: "80MB" });
  expect(splitSettings(tenant(1024)).reload).toEqual({ max_wal_size: "64MB", min_wal_size: "32MB" });
  expect(splitSettings(tenant(1024, { max_wal_size: "512MB" })).reload).toEqual({ max_wal_size: "512MB", min_wal_size: "32MB" });
  expect(splitSettings(tenant(undefined)).reload).toEqual({});
});

test("a limit is split: the WAL's own filesystem (an eighth, 256 MiB to 8 GiB), the rest for data and backups", () => {
  expect(storageSplit(512)).toEqual({ dataMiB: 256, walMiB: 256 });
  expect(storageSplit(10 * 1024)).toEqual({ dataMiB: 10 * 1024 - 1280, walMiB: 1280 });
  expect(storageSplit(1024 * 1024)).toEqual({ dataMiB: 1024 * 1024 - 8192, walMiB: 8192 });
});

test("a limited Docker tenant's server gets its WAL mount and initdb's --waldir; others neither", () => {
  const spec = { tenantId: "acme", role: "acme", database: "acme", superuser: false, major: 18 };
  expect(serverEnv({ ...spec, walMount: true })).toMatchObject({
    PGS_WAL_MOUNT: "/var/lib/postgresql/wal",
    POSTGRES_INITDB_ARGS: "--waldir=/var/lib/postgresql/wal/pg_wal",
  });
  expect(serverEnv(spec).PGS_WAL_MOUNT).toBe("");
  expect(serverEnv(spec).POSTGRES_INITDB_ARGS).toBeUndefined();
});
