/** Every physical name pgs gives things on the Docker host. */
import { defaultNamePrefix, imageLogicalName, isValidNamePrefix, Naming } from "../../../lib/naming";

describe("names", () => {
  test("physical names depend only on the prefix and the tenant id", () => {
    const naming = new Naming("prod", "pgs-prod-");
    expect([
      naming.container("acme"),
      naming.dataVolume("acme"),
      naming.network("acme"),
      naming.router("acme"),
      naming.ingressContainer(),
    ]).toEqual(["pgs-prod-acme", "pgs-prod-acme-data", "pgs-prod-acme-net", "pgs-prod-acme", "pgs-prod-traefik"]);
    expect(naming.tenantLabels("acme", "data")).toEqual({ "pgs.stack": "prod", "pgs.tenant": "acme", "pgs.role": "data" });
  });
  test("the default name prefix is pgs-<stack>-, made safe for Docker names", () => {
    expect(defaultNamePrefix("dev")).toBe("pgs-dev-");
    expect(defaultNamePrefix("Prod_EU.1")).toBe("pgs-prod-eu-1-");
    expect(defaultNamePrefix("___")).toBe("pgs-stack-");
    for (const stack of ["dev", "Prod_EU.1", "___", "a".repeat(80)]) expect(isValidNamePrefix(defaultNamePrefix(stack))).toBe(true);
    expect(() => new Naming("dev", "Bad_")).toThrow(/name prefix "Bad_"/);
  });
  test("an image reference gets a stable logical name", () => {
    expect(imageLogicalName("postgres:17")).toBe("image-postgres-17");
    expect(imageLogicalName("registry.local:5000/pg:17.6")).toBe("image-registry.local-5000-pg-17.6");
  });
});
