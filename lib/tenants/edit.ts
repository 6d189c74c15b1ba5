/** Edits of tenants.yaml that keep the operator's comments and layout. */
import { readFileSync, writeFileSync } from "node:fs";
import { isMap, isSeq, parseDocument, YAMLMap } from "yaml";

/** Sets `postgres.version` (and `postgres.upgradedFrom`) of one tenant entry in place. */
export function setTenantMajor(file: string, tenantId: string, version: number, upgradedFrom: number): void {
  const doc = parseDocument(readFileSync(file, "utf8"));
  const tenants = doc.get("tenants");
  if (!isSeq(tenants)) throw new Error(`${file}: no tenants list`);
  const entry = tenants.items.find((item) => isMap(item) && item.get("id") === tenantId) as YAMLMap | undefined;
  if (!entry) throw new Error(`${file}: no tenant "${tenantId}"`);
  if (!isMap(entry.get("postgres"))) entry.set("postgres", doc.createNode({}, { flow: true }));
  const postgres = entry.get("postgres") as YAMLMap;
  postgres.set("version", version);
  postgres.set("upgradedFrom", upgradedFrom);
  writeFileSync(file, doc.toString());
}
