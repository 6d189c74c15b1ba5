/**
 * backends/targets.ts: the engine's targets (URN globs) of a scoped run. Matched here with
 * Pulumi's own glob rules (helpers/urnGlob.ts) against URNs the components register.
 */
import type { ProgramScope } from "../../../lib/programScope";
import { ingressTargets, scopedTargets, stateUrns, tenantTargets, urnGlob, urnPrefix } from "../../../backends/targets";

const SETTINGS = { stack: "dev", project: "pgs" };
const PREFIX = "urn:pulumi:dev::pgs::";
const TENANT = "pgs:docker:TenantDatabase";
const INGRESS = "pgs:docker:TraefikIngress";
const SUFFIXES = ["data", "server", "password"] as const;

const matches = (targets: string[], urn: string) => targets.some((t) => urnGlob(t).test(urn));
const scope = (tenants: string[], ingress: boolean): ProgramScope => ({
  full: false,
  tenants,
  ingress,
  fingerprints: { ingress: "", tenants: {} },
});

test("the URN prefix is the stack's, then the project's", () => {
  expect(urnPrefix(SETTINGS)).toBe(PREFIX);
  expect(urnPrefix({ stack: "prod-eu", project: "acme-dbs" })).toBe("urn:pulumi:prod-eu::acme-dbs::");
});

describe("a tenant's targets", () => {
  const targets = tenantTargets(PREFIX, TENANT, "acme", SUFFIXES);

  test("match its component, components nested under the same name and its suffixed resources", () => {
    expect(matches(targets, `${PREFIX}${TENANT}::acme`)).toBe(true);
    expect(matches(targets, `${PREFIX}${TENANT}$pgs:docker:TenantBackup::acme`)).toBe(true);
    expect(matches(targets, `${PREFIX}${TENANT}$docker:index/volume:Volume::acme-data`)).toBe(true);
    expect(matches(targets, `${PREFIX}${TENANT}$pgs:docker:TenantBackup$docker:index/container:Container::acme-server`)).toBe(true);
    expect(matches(targets, `${PREFIX}${TENANT}$random:index/randomPassword:RandomPassword::acme-password`)).toBe(true);
  });

  test("never match tenant acme-2's resources, nor acme's under a suffix not listed", () => {
    expect(matches(targets, `${PREFIX}${TENANT}::acme-2`)).toBe(false);
    expect(matches(targets, `${PREFIX}${TENANT}$docker:index/volume:Volume::acme-2-data`)).toBe(false);
    expect(matches(targets, `${PREFIX}${TENANT}$docker:index/volume:Volume::acme-data-2`)).toBe(false);
    expect(matches(targets, `${PREFIX}${TENANT}$docker:index/volume:Volume::acme-backups`)).toBe(false);
  });

  test("never match the nested component of a tenant whose id is acme's plus a suffix (acme-data)", () => {
    expect(matches(targets, `${PREFIX}${TENANT}$pgs:docker:TenantBackup::acme-data`)).toBe(false);
    expect(matches(targets, `${PREFIX}${TENANT}$pgs:docker:TenantBackup::acme-server`)).toBe(false);
    expect(matches(targets, `${PREFIX}${TENANT}$pgs:docker:TenantBackup$docker:index/volume:Volume::acme-data`)).toBe(true);
    expect(matches(targets, `${PREFIX}pgs:kubernetes:TenantDatabase$kubernetes:core/v1:Secret::acme-data`)).toBe(false);
  });

  test("never match another stack's, another project's or another type's resources", () => {
    expect(matches(targets, `urn:pulumi:prod::pgs::${TENANT}::acme`)).toBe(false);
    expect(matches(targets, `urn:pulumi:dev::other::${TENANT}::acme`)).toBe(false);
    expect(matches(targets, `${PREFIX}pgs:kubernetes:TenantDatabase::acme`)).toBe(false);
    expect(matches(targets, `${PREFIX}${INGRESS}::ingress`)).toBe(false);
  });

  test("are the component, the nested components, then one per suffix", () => {
    expect(targets).toHaveLength(2 + SUFFIXES.length);
    expect(tenantTargets(PREFIX, TENANT, "acme", [])).toEqual([`${PREFIX}${TENANT}::acme`, `${PREFIX}${TENANT}$**::acme`]);
  });
});

test("the ingress's targets match its component and everything under it, and no tenant", () => {
  const targets = ingressTargets(PREFIX, INGRESS);
  expect(matches(targets, `${PREFIX}${INGRESS}::ingress`)).toBe(true);
  expect(matches(targets, `${PREFIX}${INGRESS}$docker:index/container:Container::ingress`)).toBe(true);
  expect(matches(targets, `${PREFIX}${INGRESS}$tls:index/privateKey:PrivateKey::ingress-ca-key`)).toBe(true);
  expect(matches(targets, `${PREFIX}${TENANT}::acme`)).toBe(false);
  expect(matches(targets, `${PREFIX}${INGRESS}::other`)).toBe(false);
});

describe("scopedTargets", () => {
  const tenant = { type: TENANT, suffixes: SUFFIXES };

  test("each tenant in scope, in order, then the ingress when in scope", () => {
    expect(scopedTargets(SETTINGS, scope(["acme", "globex"], true), tenant, INGRESS)).toEqual([
      ...tenantTargets(PREFIX, TENANT, "acme", SUFFIXES),
      ...tenantTargets(PREFIX, TENANT, "globex", SUFFIXES),
      ...ingressTargets(PREFIX, INGRESS),
    ]);
  });

  test("the ingress out of scope: no ingress target, its resources are left alone", () => {
    const targets = scopedTargets(SETTINGS, scope(["acme"], false), tenant, INGRESS);
    expect(matches(targets, `${PREFIX}${TENANT}::acme`)).toBe(true);
    expect(matches(targets, `${PREFIX}${INGRESS}::ingress`)).toBe(false);
  });

  test("a tenant out of scope is not targeted", () => {
    const targets = scopedTargets(SETTINGS, scope(["acme"], true), tenant, INGRESS);
    expect(matches(targets, `${PREFIX}${TENANT}::globex`)).toBe(false);
    expect(matches(targets, `${PREFIX}${TENANT}$docker:index/volume:Volume::globex-data`)).toBe(false);
  });

  test("nothing in scope: no targets", () => {
    expect(scopedTargets(SETTINGS, scope([], false), tenant, INGRESS)).toEqual([]);
  });
});

describe("stateUrns", () => {
  const targets = tenantTargets(PREFIX, TENANT, "acme", SUFFIXES);
  const formerComponent = `${PREFIX}pgs:index:TenantDatabase::acme`;
  const formerVolume = `${PREFIX}pgs:index:TenantDatabase$docker:index/volume:Volume::acme-data`;

  test("are the state's own URNs the targets select, literally", () => {
    const now = `${PREFIX}${TENANT}$docker:index/volume:Volume::acme-data`;
    const other = `${PREFIX}${TENANT}$docker:index/volume:Volume::acme-2-data`;
    expect(stateUrns(targets, [now, other])).toEqual([now]);
  });

  test("include a tenant's resources still under the type a renamed component had (a stack before its next full run)", () => {
    expect(stateUrns(targets, [formerComponent, formerVolume, `${PREFIX}pgs:index:TenantDatabase::acme-2`])).toEqual([
      formerComponent,
      formerVolume,
    ]);
  });

  test("are empty when the state has nothing the targets select", () => {
    expect(stateUrns(targets, [])).toEqual([]);
    expect(stateUrns(targets, [`${PREFIX}pgs:kubernetes:TenantDatabase::acme`])).toEqual([]);
  });
});
