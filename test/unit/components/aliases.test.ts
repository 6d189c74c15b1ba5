/** components/aliases.ts: a moved component keeps the URN it had under its old type token. */
import type * as pulumi from "@pulumi/pulumi";
import { currentUrn, FORMER_TYPES, withFormerType, withOldType } from "../../../components/aliases";

test("no options: just the alias to the old type", () => {
  expect(withOldType(undefined, "pgs:index:TenantDatabase")).toEqual({ aliases: [{ type: "pgs:index:TenantDatabase" }] });
  expect(withOldType({}, "pgs:index:TenantDatabase")).toEqual({ aliases: [{ type: "pgs:index:TenantDatabase" }] });
});

test("the caller's other options are kept as they are", () => {
  const parent = { urn: "urn:pulumi:dev::pgs::pulumi:pulumi:Stack::pgs-dev" } as unknown as pulumi.Resource;
  const opts: pulumi.ComponentResourceOptions = { parent, protect: true, dependsOn: [parent], providers: {} };
  const out = withOldType(opts, "pgs:index:TraefikIngress");
  expect(out.parent).toBe(parent);
  expect(out.protect).toBe(true);
  expect(out.dependsOn).toEqual([parent]);
  expect(out.providers).toEqual({});
});

test("aliases the caller gave come first, the old type is added after them", () => {
  const opts: pulumi.ComponentResourceOptions = { aliases: [{ name: "old-name" }, "urn:pulumi:dev::pgs::x:y:Z::old"] };
  expect(withOldType(opts, "pgs:index:TenantBackup").aliases).toEqual([
    { name: "old-name" },
    "urn:pulumi:dev::pgs::x:y:Z::old",
    { type: "pgs:index:TenantBackup" },
  ]);
});

test("the caller's options object and its alias list are not changed", () => {
  const aliases = [{ name: "old-name" }];
  const opts: pulumi.ComponentResourceOptions = { aliases, protect: false };
  const out = withOldType(opts, "pgs:index:TenantDatabase");
  expect(out).not.toBe(opts);
  expect(out.aliases).not.toBe(aliases);
  expect(opts).toEqual({ aliases: [{ name: "old-name" }], protect: false });
});

test("applied twice (a type moved twice), both old types are aliases", () => {
  const once = withOldType(undefined, "pgs:index:TenantDatabase");
  expect(withOldType(once, "pgs:v0:TenantDatabase").aliases).toEqual([
    { type: "pgs:index:TenantDatabase" },
    { type: "pgs:v0:TenantDatabase" },
  ]);
});

test("withFormerType adds the former type recorded for a component's type, and refuses one with none", () => {
  expect(withFormerType(undefined, "pgs:docker:TenantDatabase")).toEqual({ aliases: [{ type: "pgs:index:TenantDatabase" }] });
  expect(() => withFormerType(undefined, "pgs:docker:Nothing")).toThrow("no former type recorded for pgs:docker:Nothing");
});

describe("currentUrn", () => {
  const prefix = "urn:pulumi:dev::pgs::";
  test("renames every former type token in a URN's type chain", () => {
    expect(currentUrn(`${prefix}pgs:index:TenantDatabase::acme`)).toBe(`${prefix}pgs:docker:TenantDatabase::acme`);
    expect(currentUrn(`${prefix}pgs:index:TenantDatabase$pgs:index:TenantBackup$docker:index/container:Container::acme-backup`)).toBe(
      `${prefix}pgs:docker:TenantDatabase$pgs:docker:TenantBackup$docker:index/container:Container::acme-backup`,
    );
    expect(currentUrn(`${prefix}pgs:index:TraefikIngress$pgs:index:IngressCertificate::ingress-tls`)).toBe(
      `${prefix}pgs:docker:TraefikIngress$pgs:index:IngressCertificate::ingress-tls`,
    );
  });

  test("leaves current URNs, other types and names that merely contain a former type as they are", () => {
    for (const urn of [
      `${prefix}pgs:docker:TenantDatabase::acme`,
      `${prefix}pgs:index:IngressCertificate::ingress-tls`,
      `${prefix}pgs:kubernetes:TenantDatabase::acme`,
      `${prefix}pgs:index:TenantDatabaseX::acme`,
    ])
      expect(currentUrn(urn)).toBe(urn);
  });

  test("every former type is a pgs:index token, renamed to a type of its own", () => {
    for (const [now, former] of Object.entries(FORMER_TYPES)) {
      expect(former).toMatch(/^pgs:index:[A-Z]\w+$/);
      expect(now).not.toBe(former);
    }
  });
});
