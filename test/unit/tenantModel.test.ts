/** A tenant entry as the components see it: defaults applied, names derived, units converted. */
import { hostnameCoveredBy, selfSignedCertificateNames } from "../../lib/certificateNames";
import { defaultNamePrefix, dockerLabels, imageLogicalName, isValidNamePrefix, Naming } from "../../lib/naming";
import { quantityToMiB } from "../../lib/quantity";
import { BUILT_IN_DEFAULTS, defaultDatabaseName, defaultHostname, resolveTenant, Tenant } from "../../lib/tenant";
import { parseTenantsFile } from "../../lib/tenantsFile";
import type { TenantEntry, TenantsFile } from "../../lib/tenantSchema";

const BASE = "pgs.example.com";
const file = (tenants: TenantEntry[], defaults?: TenantsFile["defaults"]): TenantsFile =>
  ({ apiVersion: "pgs/v1", ...(defaults ? { defaults } : {}), tenants });
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

  test("are PostgreSQL 18, 512Mi of memory, one CPU and 128Mi of /dev/shm", () => {
    expect(BUILT_IN_DEFAULTS).toEqual({
      postgres: { version: 18, settings: {} },
      resources: { memory: "512Mi", cpus: 1, shm: "128Mi" },
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
    expect(resolve({ id: "acme", postgres: { settings: {} } }, defaults).postgres.settings)
      .toEqual({ max_connections: "50", work_mem: "4MB", jit: "true" });
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
    const tenants = parse([
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
    ].join("\n"));
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

  test("physical names depend only on the prefix and the tenant id", () => {
    const naming = new Naming("prod", "pgs-prod-");
    expect([naming.container("acme"), naming.dataVolume("acme"), naming.network("acme"), naming.router("acme"), naming.ingressContainer()])
      .toEqual(["pgs-prod-acme", "pgs-prod-acme-data", "pgs-prod-acme-net", "pgs-prod-acme", "pgs-prod-traefik"]);
    expect(naming.tenantLabels("acme", "data")).toEqual({ "pgs.stack": "prod", "pgs.tenant": "acme", "pgs.role": "data" });
  });

  test("the default name prefix is pgs-<stack>-, made safe for Docker names", () => {
    expect(defaultNamePrefix("dev")).toBe("pgs-dev-");
    expect(defaultNamePrefix("Prod_EU.1")).toBe("pgs-prod-eu-1-");
    expect(defaultNamePrefix("___")).toBe("pgs-stack-");
    for (const stack of ["dev", "Prod_EU.1", "___", "a".repeat(80)]) expect(isValidNamePrefix(defaultNamePrefix(stack))).toBe(true);
    expect(() => new Naming("dev", "Bad_")).toThrow(/name prefix "Bad_"/);
  });

  test("labels are sorted into the list form the docker provider takes", () => {
    expect(dockerLabels({ b: "2", a: "1" })).toEqual([{ label: "a", value: "1" }, { label: "b", value: "2" }]);
  });

  test("an image reference gets a stable logical name", () => {
    expect(imageLogicalName("postgres:17")).toBe("image-postgres-17");
    expect(imageLogicalName("registry.local:5000/pg:17.6")).toBe("image-registry.local-5000-pg-17.6");
  });
});

describe("quantities", () => {
  test.each([
    ["512Mi", 512], ["1Gi", 1024], ["2Gi", 2048], ["128Mi", 128], ["1024Ki", 1], ["2048Ki", 2],
  ])("%s is %d MiB", (quantity, mib) => {
    expect(quantityToMiB(quantity)).toBe(mib);
  });

  test("sizes that are not whole MiB round up, never down to zero", () => {
    expect(quantityToMiB("1Ki")).toBe(1);
    expect(quantityToMiB("1536Ki")).toBe(2);
  });

  test("anything but a whole number with Ki, Mi or Gi is refused", () => {
    for (const bad of ["512MB", "1.5Gi", "512", "Mi", "-1Mi", "1Ti"]) expect(() => quantityToMiB(bad)).toThrow(/not a quantity/);
  });
});

describe("certificate names", () => {
  test("a wildcard covers exactly one label under its domain", () => {
    expect(hostnameCoveredBy("acme.pgs.example.com", "*.pgs.example.com")).toBe(true);
    expect(hostnameCoveredBy("a-b.pgs.example.com", "*.pgs.example.com")).toBe(true);
    expect(hostnameCoveredBy("db.acme.pgs.example.com", "*.pgs.example.com")).toBe(false);
    expect(hostnameCoveredBy("pgs.example.com", "*.pgs.example.com")).toBe(false);
    expect(hostnameCoveredBy("acme.pgs.example.org", "*.pgs.example.com")).toBe(false);
    expect(hostnameCoveredBy("acmepgs.example.com", "*.pgs.example.com")).toBe(false);
  });

  test("a plain name covers only itself, compared without regard to the certificate's case", () => {
    expect(hostnameCoveredBy("db.example.org", "db.example.org")).toBe(true);
    expect(hostnameCoveredBy("db.example.org", "DB.Example.org")).toBe(true);
    expect(hostnameCoveredBy("x.db.example.org", "db.example.org")).toBe(false);
    expect(hostnameCoveredBy("acme.pgs.example.com", "*.PGS.example.com")).toBe(true);
  });

  test("the self-signed certificate carries *.<baseDomain>", () => {
    expect(selfSignedCertificateNames(BASE)).toEqual(["*.pgs.example.com"]);
  });

  test("validation accepts a hostname any certificate name covers", () => {
    const [t] = parseTenantsFile("apiVersion: pgs/v1\ntenants:\n  - id: acme\n    hostname: db.example.org\n", "f",
      { baseDomain: BASE, certificateNames: ["*.pgs.example.com", "db.example.org"] });
    expect(t.hostname).toBe("db.example.org");
  });
});
