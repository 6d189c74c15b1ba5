/**
 * The fingerprints a run records as applied (app/engine/scope.ts): an edit changes the fingerprint
 * of what it reaches and of nothing else, so that pgs up builds exactly that.
 */
import * as path from "node:path";
import { appliedRecord, changesSince, fingerprints } from "../../../../app/engine/scope";
import { stackConfig } from "../../../../lib/project";
import { readStackSettings } from "../../../../lib/stackSettings";
import type { TenantEntry } from "../../../../lib/tenants/schema";
import { resolveTenant } from "../../../../lib/tenants/tenant";

const ROOT = path.resolve(__dirname, "../../../..");
const file = { apiVersion: "pgs/v1" as const, tenants: [] };

function settings(overrides: Record<string, string> = {}) {
  const { project, config } = stackConfig(ROOT, "unit", overrides);
  return readStackSettings((key) => config[`${project}:${key}`], project, "unit");
}
const tenants = (...entries: TenantEntry[]) => entries.map((e) => resolveTenant(e, file, "pgs.example.com"));
const BASE = tenants({ id: "acme" }, { id: "globex", passwordSecret: "globexPassword" });
const SECRETS = { globexPassword: "v1:ciphertext-one", tlsPrivateKey: "v1:key-one" };

test("the same file, settings and secrets give the same fingerprints", () => {
  expect(fingerprints(settings(), BASE, SECRETS)).toEqual(fingerprints(settings(), BASE, SECRETS));
});

test("an edit of one entry changes that tenant's fingerprint only", () => {
  const before = fingerprints(settings(), BASE, SECRETS);
  const after = fingerprints(
    settings(),
    tenants({ id: "acme", access: "disabled" }, { id: "globex", passwordSecret: "globexPassword" }),
    SECRETS,
  );
  expect(changesSince(before, after)).toEqual({ changed: ["acme"], removed: [], ingress: false });
});

test("a new value of a tenant's own password secret changes that tenant only", () => {
  const before = fingerprints(settings(), BASE, SECRETS);
  const after = fingerprints(settings(), BASE, { ...SECRETS, globexPassword: "v1:ciphertext-two" });
  expect(changesSince(before, after)).toEqual({ changed: ["globex"], removed: [], ingress: false });
});

test("a stack setting reaches every tenant and the ingress; the TLS key reaches the ingress only", () => {
  const before = fingerprints(settings(), BASE, SECRETS);
  expect(changesSince(before, fingerprints(settings({ publishPort: "6543" }), BASE, SECRETS))).toEqual({
    changed: ["acme", "globex"],
    removed: [],
    ingress: true,
  });
  expect(changesSince(before, fingerprints(settings(), BASE, { ...SECRETS, tlsPrivateKey: "v1:key-two" }))).toEqual({
    changed: [],
    removed: [],
    ingress: true,
  });
});

test("a removed entry is reported as removed", () => {
  const before = fingerprints(settings(), BASE, SECRETS);
  expect(changesSince(before, fingerprints(settings(), BASE.slice(0, 1), SECRETS))).toMatchObject({ changed: [], removed: ["globex"] });
});

test("a recorded applied output is read back; anything else is no record", () => {
  expect(appliedRecord({ tenants: { acme: "x" }, ingress: "y" })).toEqual({ tenants: { acme: "x" }, ingress: "y" });
  expect(appliedRecord(undefined)).toBeUndefined();
  expect(appliedRecord({ ingress: "y" })).toBeUndefined();
});
