/** lib/tenants/endpoint.ts: what the stack publishes per tenant (`tenantEndpoints`). */
import { tenantEndpoint } from "../../../../lib/tenants/endpoint";
import type { TenantEntry } from "../../../../lib/tenants/schema";
import { resolveTenant } from "../../../../lib/tenants/tenant";

const tenant = (entry: Partial<TenantEntry>, defaults?: Record<string, unknown>) =>
  resolveTenant({ id: "acme", ...entry }, { apiVersion: "pgs/v1", tenants: [], ...(defaults ? { defaults } : {}) }, "pgs.example.com");

test("a tenant written as just its id publishes its defaults: hostname under the base domain, PostgreSQL 18, no superuser", () => {
  expect(tenantEndpoint(tenant({}), 5432)).toEqual({
    hostname: "acme.pgs.example.com",
    port: 5432,
    database: "acme",
    user: "acme",
    access: "enabled",
    state: "running",
    postgresVersion: 18,
    superuser: false,
  });
});

test("what the entry sets is what is published; the port is the ingress's, not the tenant's", () => {
  const endpoint = tenantEndpoint(
    tenant({
      hostname: "db.acme.example.org",
      database: "acme_app",
      access: "disabled",
      state: "stopped",
      superuser: true,
      postgres: { version: 16 },
    }),
    6432,
  );
  expect(endpoint).toEqual({
    hostname: "db.acme.example.org",
    port: 6432,
    database: "acme_app",
    user: "acme_app",
    access: "disabled",
    state: "stopped",
    postgresVersion: 16,
    superuser: true,
  });
});

test("the published major follows the file's defaults when the tenant names none", () => {
  expect(tenantEndpoint(tenant({}, { postgres: { version: 17 } }), 5432).postgresVersion).toBe(17);
  expect(tenantEndpoint(tenant({ postgres: { version: 15 } }, { postgres: { version: 17 } }), 5432).postgresVersion).toBe(15);
});

test("nothing secret or internal is published: no password key, settings, resources, allowFrom or backups", () => {
  const endpoint = tenantEndpoint(
    tenant({
      passwordSecret: "acmePassword",
      passwordVersion: 3,
      allowFrom: ["10.0.0.0/8"],
      resources: { memory: "1Gi" },
      postgres: { version: 18, settings: { work_mem: "64MB" } },
      backup: { every: "24h", keep: 7 },
    }),
    5432,
  );
  expect(Object.keys(endpoint).sort()).toEqual(["access", "database", "hostname", "port", "postgresVersion", "state", "superuser", "user"]);
  expect(JSON.stringify(endpoint)).not.toMatch(/acmePassword|10\.0\.0\.0|work_mem|24h/);
});

test("an endpoint survives the trip through JSON that a stack output takes", () => {
  const endpoint = tenantEndpoint(tenant({ id: "globex-2" }), 5432);
  expect(JSON.parse(JSON.stringify(endpoint))).toEqual(endpoint);
  expect(endpoint.database).toBe("globex_2");
});
