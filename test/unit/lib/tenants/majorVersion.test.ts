import { tenantEndpoint } from "../../../../lib/tenants/endpoint";
import { majorChangeProblem, previousMajors } from "../../../../lib/tenants/majorVersion";
import { resolveTenant } from "../../../../lib/tenants/tenant";

const tenant = (entry: Record<string, unknown>) =>
  resolveTenant({ id: "acme", ...entry }, { apiVersion: "pgs/v1", tenants: [] }, "pgs.example.com");

describe("major versions", () => {
  test("an unchanged or first-seen major is fine", () => {
    expect(majorChangeProblem(tenant({ postgres: { version: 18 } }), 18, "dev")).toBeUndefined();
    expect(majorChangeProblem(tenant({ postgres: { version: 18 } }), undefined, "dev")).toBeUndefined();
  });
  test("a new major over old data is refused with the tenant, both majors and the command to run", () => {
    expect(majorChangeProblem(tenant({ postgres: { version: 18 } }), 17, "prod")).toBe(
      'tenant "acme": postgres.version changed from 17 to 18, but its data directory is PostgreSQL 17 and a PostgreSQL 18 server ' +
        "cannot start on it. Nothing was changed for this tenant. Move the data first: npx pgs upgrade acme --to 18 --stack prod " +
        "(it keeps a copy of the old data and records postgres.upgradedFrom: 17); or set postgres.version back to 17.",
    );
  });
  test("a downgrade is refused", () => {
    expect(majorChangeProblem(tenant({ postgres: { version: 17 } }), 18, "dev")).toMatch(/cannot downgrade a data directory/);
  });
  test("upgradedFrom, as written by pgs upgrade, allows exactly that change", () => {
    expect(majorChangeProblem(tenant({ postgres: { version: 18, upgradedFrom: 17 } }), 17, "dev")).toBeUndefined();
    expect(majorChangeProblem(tenant({ postgres: { version: 18, upgradedFrom: 16 } }), 17, "dev")).toMatch(/changed from 17 to 18/);
  });
  test("the majors come back from what the last deployment published: either side renaming its field fails here", () => {
    const published = {
      acme: tenantEndpoint(tenant({ postgres: { version: 17 } }), 5432),
      globex: tenantEndpoint(tenant({ id: "globex" }), 5432),
    };
    // Through JSON, as a StackReference reads the stack's outputs.
    expect(previousMajors(JSON.parse(JSON.stringify(published)))).toEqual({ acme: 17, globex: 18 });
  });

  test("a first deployment has nothing to compare with", () => {
    expect(previousMajors(undefined)).toEqual({});
    expect(previousMajors({ acme: null })).toEqual({});
  });
});
