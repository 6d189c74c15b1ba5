/** lib/tenants/schemaKeys.ts: the keys tenants.yaml allows at a path, read off the schema (for "did you mean" hints). */
import { TenantSchema } from "../../../../lib/tenants/schema";
import { knownKeysAt } from "../../../../lib/tenants/schemaKeys";

test("the file's top level", () => {
  expect(knownKeysAt([])).toEqual(["apiVersion", "defaults", "tenants"]);
});

test("a tenant entry, at any index of the list: every key TenantSchema declares", () => {
  expect(knownKeysAt(["tenants", 0])).toEqual(Object.keys(TenantSchema.shape));
  expect(knownKeysAt(["tenants", 41])).toEqual(knownKeysAt(["tenants", 0]));
  expect(knownKeysAt(["tenants", 0])).toEqual(expect.arrayContaining(["id", "hostname", "database", "allowFrom", "postgres", "backup"]));
});

test("a tenant's postgres block allows upgradedFrom; the defaults' postgres block does not", () => {
  expect(knownKeysAt(["tenants", 0, "postgres"]).sort()).toEqual(["settings", "upgradedFrom", "version"]);
  expect(knownKeysAt(["defaults", "postgres"]).sort()).toEqual(["settings", "version"]);
});

test("optional blocks are looked through: resources and defaults", () => {
  expect(knownKeysAt(["tenants", 0, "resources"]).sort()).toEqual(["cpus", "memory", "shm", "storage"]);
  expect(knownKeysAt(["defaults"]).sort()).toEqual(["backup", "postgres", "resources"]);
});

test("backup is `off` or a mapping: its keys are the mapping's, in a tenant and in defaults", () => {
  expect(knownKeysAt(["tenants", 0, "backup"]).sort()).toEqual(["at", "every", "keep"]);
  expect(knownKeysAt(["defaults", "backup"]).sort()).toEqual(["at", "every", "keep"]);
});

test("free-form mappings (postgres.settings) and plain values have no known keys", () => {
  expect(knownKeysAt(["tenants", 0, "postgres", "settings"])).toEqual([]);
  expect(knownKeysAt(["tenants", 0, "postgres", "settings", "work_mem"])).toEqual([]);
  expect(knownKeysAt(["apiVersion"])).toEqual([]);
  expect(knownKeysAt(["tenants", 0, "id"])).toEqual([]);
  expect(knownKeysAt(["tenants", 0, "allowFrom"])).toEqual([]);
});

test("a path through keys the schema does not have has no known keys", () => {
  expect(knownKeysAt(["tenant"])).toEqual([]);
  expect(knownKeysAt(["tenants", 0, "postgress"])).toEqual([]);
  expect(knownKeysAt(["tenants", 0, "backup", "every", "x"])).toEqual([]);
  // A number where a mapping's key is expected.
  expect(knownKeysAt([0])).toEqual([]);
});
