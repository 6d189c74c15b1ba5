/**
 * tenants.schema.json is what editors validate tenants.yaml with; it must be exactly what the
 * zod schema generates (`npm run schema` regenerates it), and a real JSON Schema validator (Ajv,
 * draft 2020-12 as the file declares) must agree with pgs on real files.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { parse } from "yaml";
import { loadTenantsFile, parseTenantsFile } from "../../../../lib/tenants/file";
import { tenantsJsonSchema } from "../../../../lib/tenants/schema";

const ROOT = path.resolve(__dirname, "../../../..");
const shippedSchema = JSON.parse(readFileSync(path.join(ROOT, "tenants.schema.json"), "utf8")) as Record<string, unknown>;
const CONTEXT = { baseDomain: "pgs.example.com", certificateNames: ["*.pgs.example.com"] };

// Strict: a keyword Ajv does not know, or one it would ignore, fails the compile. Union types
// (`type: [string, number, boolean]`) are standard JSON Schema, used for setting values.
const validate = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true }).compile(shippedSchema);
/** Ajv's complaints about a document, one line each; [] when it is valid. */
const editorErrors = (document: unknown): string[] =>
  validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`);

/** The tenants.yaml examples of the README: every yaml block that is a tenants file or its defaults. */
function readmeExamples(): Array<{ line: number; text: string }> {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  return [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .filter((m) => /^(apiVersion|defaults|tenants):/m.test(m[1]))
    .map((m) => {
      let text = m[1];
      if (!/^apiVersion:/m.test(text)) text = `apiVersion: pgs/v1\n${text}`;
      if (!/^tenants:/m.test(text)) text = `${text}tenants: []\n`;
      return { line: readme.slice(0, m.index).split("\n").length, text };
    });
}

test("the shipped tenants.schema.json is exactly what the zod schema generates (regenerate with npm run schema)", () => {
  expect(shippedSchema).toEqual(JSON.parse(JSON.stringify(tenantsJsonSchema())));
});

test("the schema is draft 2020-12 and compiles under Ajv's strict mode", () => {
  expect(shippedSchema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
  expect(typeof validate).toBe("function");
});

test("the shipped tenants.yaml is valid for pgs and for editors", () => {
  const file = path.join(ROOT, "tenants.yaml");
  expect(loadTenantsFile(file, CONTEXT).length).toBeGreaterThan(0);
  expect(editorErrors(parse(readFileSync(file, "utf8")))).toEqual([]);
  expect(readFileSync(file, "utf8")).toMatch(/^# yaml-language-server: \$schema=\.\/tenants\.schema\.json$/m);
});

test("every tenants.yaml example in the README is valid for pgs and for editors", () => {
  const examples = readmeExamples();
  expect(examples.length).toBeGreaterThanOrEqual(3);
  for (const { line, text } of examples) {
    // Problems would name the block: README.md:<line of its fence>:LINE:COL.
    expect(() => parseTenantsFile(text, `README.md:${line}`, CONTEXT)).not.toThrow();
    expect({ line, errors: editorErrors(parse(text)) }).toEqual({ line, errors: [] });
  }
});

test("files pgs accepts are accepted by the editor schema too", () => {
  const valid = [
    "apiVersion: pgs/v1\ntenants: []\n",
    "apiVersion: pgs/v1\ndefaults:\n  postgres: { version: 14, settings: { jit: false, max_connections: 10, pg_stat_statements.max: 5000 } }\n  resources: { memory: 64Mi, cpus: 0.25, shm: 1Gi }\ntenants:\n" +
      "  - { id: a, hostname: x.pgs.example.com, database: a_db, access: disabled, allowFrom: ['::1/128'], state: stopped, onRemove: delete, passwordSecret: aPw }\n",
    "apiVersion: pgs/v1\ntenants:\n  - { id: a, backup: off }\n  - { id: b, backup: { every: 30m, at: '03:00', keep: 2 } }\n",
  ];
  for (const text of valid) {
    expect(() => parseTenantsFile(text, "tenants.yaml", CONTEXT)).not.toThrow();
    expect(editorErrors(parse(text))).toEqual([]);
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
    "{ id: acme, backup: daily }",
    "{ id: acme, backup: { every: 30s, keep: 1 } }",
    "{ hostname: acme.pgs.example.com }",
  ]) {
    expect(() => parseTenantsFile(`apiVersion: pgs/v1\ntenants:\n  - ${bad}\n`, "tenants.yaml", CONTEXT)).toThrow();
    expect({ bad, flagged: editorErrors(tenant(bad)).length > 0 }).toEqual({ bad, flagged: true });
  }
  expect(editorErrors(parse("apiVersion: pgs/v2\ntenants: []\n"))).not.toEqual([]);
  expect(editorErrors(parse("apiVersion: pgs/v1\ntenant: []\n"))).not.toEqual([]);
});
