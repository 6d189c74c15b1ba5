/** What a tenant's server container is given: its files verbatim, its environment, its command. */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { POSTGRES_PORT, SUPERUSER } from "../../../../lib/postgres/container";
import { SERVER_FILES, serverCommand, serverEnv, serverFiles } from "../../../../lib/postgres/server";

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

test("settings become -c name=value in name order after pgs's own hba_file", () => {
  expect(serverCommand({ work_mem: "8MB", jit: "off" })).toEqual([
    "postgres",
    "-c",
    `hba_file=${SERVER_FILES.hba}`,
    "-c",
    "jit=off",
    "-c",
    "work_mem=8MB",
  ]);
});
