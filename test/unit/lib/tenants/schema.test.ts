/**
 * tenants.schema.json is what editors validate tenants.yaml with; it must be exactly what the
 * zod schema generates (`npm run schema` regenerates it), and agree with pgs on real files.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { loadTenantsFile, parseTenantsFile } from "../../../../lib/tenants/file";
import { tenantsJsonSchema } from "../../../../lib/tenants/schema";

const ROOT = path.resolve(__dirname, "../../../..");
const shippedSchema = JSON.parse(readFileSync(path.join(ROOT, "tenants.schema.json"), "utf8")) as JsonSchema;
const CONTEXT = { baseDomain: "pgs.example.com", certificateNames: ["*.pgs.example.com"] };

interface JsonSchema {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
}

/** The subset of JSON Schema 2020-12 that tenants.schema.json uses; returns the paths that fail. */
function schemaErrors(schema: JsonSchema, value: unknown, at = "$"): string[] {
  const kind = value === null ? "null" : Array.isArray(value) ? "array" : Number.isInteger(value) ? "integer" : typeof value;
  const errors: string[] = [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const ok = types.some((t) => t === kind || (t === "number" && kind === "integer"));
    if (!ok) return [`${at}: expected ${types.join("|")}, got ${kind}`];
  }
  if ("const" in schema && value !== schema.const) errors.push(`${at}: expected ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${at}: not one of ${schema.enum.join(", ")}`);
  if (typeof value === "string" && schema.pattern && !new RegExp(schema.pattern, "u").test(value))
    errors.push(`${at}: does not match ${schema.pattern}`);
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${at}: below minimum`);
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${at}: above maximum`);
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) errors.push(`${at}: not above exclusiveMinimum`);
  }
  if (kind === "object") {
    const record = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in record)) errors.push(`${at}: missing ${key}`);
    for (const [key, child] of Object.entries(record)) {
      if (schema.propertyNames) errors.push(...schemaErrors(schema.propertyNames, key, `${at}[key ${key}]`));
      const property = schema.properties?.[key];
      if (property) errors.push(...schemaErrors(property, child, `${at}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${at}: unknown key ${key}`);
      else if (typeof schema.additionalProperties === "object")
        errors.push(...schemaErrors(schema.additionalProperties, child, `${at}.${key}`));
    }
  }
  if (kind === "array" && schema.items) {
    for (const [i, item] of (value as unknown[]).entries()) errors.push(...schemaErrors(schema.items, item, `${at}[${i}]`));
  }
  return errors;
}

const KNOWN_KEYWORDS = new Set([
  "$schema",
  "$id",
  "title",
  "description",
  "type",
  "const",
  "enum",
  "pattern",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "properties",
  "required",
  "additionalProperties",
  "propertyNames",
  "items",
]);
function keywordsIn(schema: JsonSchema): string[] {
  const children = [
    ...Object.values(schema.properties ?? {}),
    ...[schema.items, schema.propertyNames, schema.additionalProperties].filter((c): c is JsonSchema => typeof c === "object"),
  ];
  return [...Object.keys(schema), ...children.flatMap(keywordsIn)];
}

test("the shipped tenants.schema.json is exactly what the zod schema generates (regenerate with npm run schema)", () => {
  expect(shippedSchema).toEqual(JSON.parse(JSON.stringify(tenantsJsonSchema())));
});

test("the schema only uses keywords the subset checker here understands", () => {
  expect(keywordsIn(shippedSchema).filter((k) => !KNOWN_KEYWORDS.has(k))).toEqual([]);
});

test("the shipped tenants.yaml is valid for pgs and for editors", () => {
  const file = path.join(ROOT, "tenants.yaml");
  expect(loadTenantsFile(file, CONTEXT).length).toBeGreaterThan(0);
  expect(schemaErrors(shippedSchema, parse(readFileSync(file, "utf8")))).toEqual([]);
  expect(readFileSync(file, "utf8")).toMatch(/^# yaml-language-server: \$schema=\.\/tenants\.schema\.json$/m);
});

test("files pgs accepts are accepted by the editor schema too", () => {
  const valid = [
    "apiVersion: pgs/v1\ntenants: []\n",
    "apiVersion: pgs/v1\ndefaults:\n  postgres: { version: 14, settings: { jit: false, max_connections: 10, pg_stat_statements.max: 5000 } }\n  resources: { memory: 64Mi, cpus: 0.25, shm: 1Gi }\ntenants:\n" +
      "  - { id: a, hostname: x.pgs.example.com, database: a_db, access: disabled, allowFrom: ['::1/128'], state: stopped, onRemove: delete, passwordSecret: aPw }\n",
  ];
  for (const text of valid) {
    expect(() => parseTenantsFile(text, "tenants.yaml", CONTEXT)).not.toThrow();
    expect(schemaErrors(shippedSchema, parse(text))).toEqual([]);
  }
});

test("the editor schema flags the mistakes it can express: unknown keys, wrong types, enums, patterns, ranges", () => {
  const tenant = (entry: string) => parse(`apiVersion: pgs/v1\ntenants:\n  - ${entry}\n`);
  for (const bad of [
    "{ id: acme, acess: disabled }",
    "{ id: acme, password: x }",
    "{ id: acme, access: enable }",
    "{ id: acme, state: stop }",
    "{ id: acme, onRemove: keep }",
    "{ id: Acme }",
    "{ id: acme, resources: { cpus: '2' } }",
    "{ id: acme, resources: { memory: 512MB } }",
    "{ id: acme, postgres: { version: 13 } }",
    "{ id: acme, postgres: { version: '17' } }",
    "{ id: acme, postgres: { settings: { 'work_mem -c x': 1 } } }",
    "{ id: acme, postgres: { settings: { work_mem: [1] } } }",
    "{ id: acme, database: acme-prod }",
    "{ hostname: acme.pgs.example.com }",
  ]) {
    expect({ bad, flagged: schemaErrors(shippedSchema, tenant(bad)).length > 0 }).toEqual({ bad, flagged: true });
  }
  expect(schemaErrors(shippedSchema, parse("apiVersion: pgs/v2\ntenants: []\n"))).not.toEqual([]);
  expect(schemaErrors(shippedSchema, parse("apiVersion: pgs/v1\ntenant: []\n"))).not.toEqual([]);
});
