import { hostnameCoveredBy, selfSignedCertificateNames } from "../../../../lib/tenants/certificateNames";
import { parseTenantsFile } from "../../../../lib/tenants/file";

const BASE = "pgs.example.com";

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
    const [t] = parseTenantsFile("apiVersion: pgs/v1\ntenants:\n  - id: acme\n    hostname: db.example.org\n", "f", {
      baseDomain: BASE,
      certificateNames: ["*.pgs.example.com", "db.example.org"],
    });
    expect(t.hostname).toBe("db.example.org");
  });
});
