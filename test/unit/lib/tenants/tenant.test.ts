/** A tenant entry as the components see it: defaults applied, names derived, units converted. */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parseTenantsFile } from "../../../../lib/tenants/file";
import type { TenantEntry, TenantsFile } from "../../../../lib/tenants/schema";
import { defaultDatabaseName, defaultHostname, resolveBackup, resolveTenant, type Tenant } from "../../../../lib/tenants/tenant";

const BASE = "pgs.example.com";
const file = (tenants: TenantEntry[], defaults?: TenantsFile["defaults"]): TenantsFile => ({
  apiVersion: "pgs/v1",
  ...(defaults ? { defaults } : {}),
  tenants,
});
const resolve = (entry: TenantEntry, defaults?: TenantsFile["defaults"]) => resolveTenant(entry, file([entry], defaults), BASE);
const parse = (yaml: string) => parseTenantsFile(yaml, "tenants.yaml", { baseDomain: BASE, certificateNames: [`*.${BASE}`] });

describe("built-in defaults", () => {
  test("an entry with only an id gets every field filled in", () => {
    expect(resolve({ id: "acme" })).toEqual<Tenant>({
      id: "acme",
      hostname: "acme.pgs.example.com",
      database: "acme",
      user: "acme",
      access: "enabled",
      allowFrom: [],
      state: "running",
      postgres: { version: 18, settings: {} },
      resources: { memoryMiB: 512, cpus: 1, shmMiB: 128 },
      onRemove: "retain",
      superuser: false,
    });
  });

  test("are the defaults the README's tenants.yaml table documents", () => {
    const readme = readFileSync(path.resolve(__dirname, "../../../../README.md"), "utf8");
    const documented = (key: string) => new RegExp(`^\\| \`${key.replace(".", "\\.")}\` \\| ([^|]+) \\|`, "m").exec(readme)?.[1].trim();
    const t = resolve({ id: "acme" });
    expect({
      "postgres.version": documented("postgres.version"),
      resources: documented("resources"),
      access: documented("access"),
      state: documented("state"),
      onRemove: documented("onRemove"),
      superuser: documented("superuser"),
    }).toEqual({
      "postgres.version": `\`${t.postgres.version}\``,
      resources: `\`${t.resources.memoryMiB}Mi\`, \`${t.resources.cpus}\`, \`${t.resources.shmMiB}Mi\``,
      access: `\`${t.access}\``,
      state: `\`${t.state}\``,
      onRemove: `\`${t.onRemove}\``,
      superuser: `\`${t.superuser}\``,
    });
  });

  test("an entry that sets nothing but one field keeps every other built-in default", () => {
    expect(resolve({ id: "acme", resources: { memory: "1Gi" } }).resources).toEqual({ memoryMiB: 1024, cpus: 1, shmMiB: 128 });
    expect(resolve({ id: "acme", postgres: { settings: { work_mem: "8MB" } } }).postgres).toEqual({
      version: 18,
      settings: { work_mem: "8MB" },
    });
  });

  test("a tenant without passwordSecret has no passwordSecret key at all", () => {
    expect(resolve({ id: "acme" })).not.toHaveProperty("passwordSecret");
    expect(resolve({ id: "acme", passwordSecret: "acmePassword" }).passwordSecret).toBe("acmePassword");
  });
});

describe("defaults: merging", () => {
  const defaults: TenantsFile["defaults"] = {
    postgres: { version: 16, settings: { max_connections: 50, work_mem: "4MB", jit: true } },
    resources: { memory: "1Gi", cpus: 2 },
  };

  test("settings merge key by key: the entry overrides a key, keeps the others, adds its own", () => {
    const t = resolve({ id: "acme", postgres: { settings: { work_mem: "8MB", log_checkpoints: false } } }, defaults);
    expect(t.postgres.settings).toEqual({ max_connections: "50", work_mem: "8MB", jit: "true", log_checkpoints: "false" });
  });

  test("an entry with empty settings keeps every default setting", () => {
    expect(resolve({ id: "acme", postgres: { settings: {} } }, defaults).postgres.settings).toEqual({
      max_connections: "50",
      work_mem: "4MB",
      jit: "true",
    });
  });

  test("resources merge field by field, falling back to the built-in value for fields neither sets", () => {
    expect(resolve({ id: "acme", resources: { cpus: 0.5 } }, defaults).resources).toEqual({ memoryMiB: 1024, cpus: 0.5, shmMiB: 128 });
    expect(resolve({ id: "acme", resources: { shm: "64Mi" } }, defaults).resources).toEqual({ memoryMiB: 1024, cpus: 2, shmMiB: 64 });
  });

  test("version: the entry's, else the defaults', else 18", () => {
    expect(resolve({ id: "a", postgres: { version: 14 } }, defaults).postgres.version).toBe(14);
    expect(resolve({ id: "a" }, defaults).postgres.version).toBe(16);
    expect(resolve({ id: "a", postgres: { settings: { work_mem: "1MB" } } }, { resources: { cpus: 1 } }).postgres.version).toBe(18);
  });

  test("defaults in tenants.yaml reach every tenant that does not override them", () => {
    const tenants = parse(
      [
        "apiVersion: pgs/v1",
        "defaults:",
        "  postgres: { version: 17, settings: { max_connections: 50 } }",
        "  resources: { memory: 2Gi }",
        "tenants:",
        "  - id: acme",
        "  - id: globex",
        "    postgres: { version: 18, settings: { max_connections: 200 } }",
        "    resources: { memory: 256Mi, cpus: 4 }",
        "",
      ].join("\n"),
    );
    expect(tenants.map((t) => [t.id, t.postgres, t.resources])).toEqual([
      ["acme", { version: 17, settings: { max_connections: "50" } }, { memoryMiB: 2048, cpus: 1, shmMiB: 128 }],
      ["globex", { version: 18, settings: { max_connections: "200" } }, { memoryMiB: 256, cpus: 4, shmMiB: 128 }],
    ]);
  });
});

describe("derived names", () => {
  test("the default hostname is <id>.<baseDomain>", () => {
    expect(defaultHostname("acme", BASE)).toBe("acme.pgs.example.com");
    expect(resolve({ id: "acme", hostname: "db.pgs.example.com" }).hostname).toBe("db.pgs.example.com");
  });

  test("the default database is the id with hyphens turned into underscores, and the user is the database", () => {
    expect(defaultDatabaseName("pied-piper")).toBe("pied_piper");
    expect(defaultDatabaseName("a-b-c")).toBe("a_b_c");
    const t = resolve({ id: "pied-piper" });
    expect([t.database, t.user]).toEqual(["pied_piper", "pied_piper"]);
    const named = resolve({ id: "pied-piper", database: "pp_prod" });
    expect([named.database, named.user]).toEqual(["pp_prod", "pp_prod"]);
  });

  test("an id starting with a digit gets a database that is still an unquoted identifier", () => {
    expect(defaultDatabaseName("9lives")).toBe("_9lives");
  });

  test("a default database name never exceeds Postgres's 63-character identifier limit", () => {
    // A 63-character DNS label is a valid id; with a leading digit the "_" prefix makes 64.
    for (const id of [`1${"a".repeat(62)}`, `a${"-".repeat(61)}b`, "x".repeat(63)]) {
      expect({ id, database: defaultDatabaseName(id) }).toEqual({ id, database: expect.stringMatching(/^[a-z_][a-z0-9_]{0,62}$/) });
    }
  });
});

describe("the backup policy", () => {
  test("is off unless defaults or the tenant set it", () => {
    expect(parse("apiVersion: pgs/v1\ntenants:\n  - id: acme\n")[0].backup).toBeUndefined();
  });

  test("defaults apply to every tenant; a tenant's own value replaces them wholesale, and off disables", () => {
    const [acme, globex, initech] = parse(`apiVersion: pgs/v1
defaults:
  backup: { every: 24h, at: "03:00", keep: 7 }
tenants:
  - id: acme
  - id: globex
    backup: { every: 1h, keep: 3 }
  - id: initech
    backup: off
`);
    expect(acme.backup).toEqual({ every: "24h", everySeconds: 86400, at: "03:00", anchorSeconds: 10800, keep: 7 });
    expect(globex.backup).toEqual({ every: "1h", everySeconds: 3600, at: "00:00", anchorSeconds: 0, keep: 3 });
    expect(initech.backup).toBeUndefined();
  });

  test("minutes, hours and days are the units", () => {
    expect(resolveBackup(undefined, { every: "1m", keep: 1 })!.everySeconds).toBe(60);
    expect(resolveBackup(undefined, { every: "7d", keep: 1 })!.everySeconds).toBe(7 * 86400);
    expect(resolveBackup({ every: "1m", keep: 1 }, "off")).toBeUndefined();
  });

  test("a tenant without backups has no backup key at all", () => {
    expect("backup" in resolve({ id: "acme" })).toBe(false);
  });
});
