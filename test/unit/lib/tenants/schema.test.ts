/**
 * tenants.schema.json is what editors validate tenants.yaml with; it must be exactly what the
 * zod schema generates (`npm run schema` regenerates it), and a real JSON Schema validator (Ajv,
 * draft 2020-12 as the file declares) must agree with pgs on real files.
 */
import { readdirSync, readFileSync } from "node:fs";
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

/** The tenants.yaml examples of the docs (README.md, docs/*.md): every yaml block that is a tenants file or its defaults. */
const DOCS = ["README.md", ...readdirSync(path.join(ROOT, "docs")).map((f) => `docs/${f}`)].filter((f) => f.endsWith(".md"));
function docExamples(): Array<{ doc: string; line: number; text: string }> {
  return DOCS.flatMap((doc) => {
    const markdown = readFileSync(path.join(ROOT, doc), "utf8");
    return [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .filter((m) => /^(apiVersion|defaults|tenants):/m.test(m[1]))
      .map((m) => {
        let text = m[1];
        if (!/^apiVersion:/m.test(text)) text = `apiVersion: pgs/v1\n${text}`;
        if (!/^tenants:/m.test(text)) text = `${text}tenants: []\n`;
        return { doc, line: markdown.slice(0, m.index).split("\n").length, text };
      });
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

test("every tenants.yaml example in the docs is valid for pgs and for editors", () => {
  const examples = docExamples();
  expect(examples.length).toBeGreaterThanOrEqual(3);
  expect(examples.some((e) => e.doc === "README.md")).toBe(true);
  for (const { doc, line, text } of examples) {
    // Problems would name the block: <doc>:<line of its fence>:LINE:COL.
    expect(() => parseTenantsFile(text, `${doc}:${line}`, CONTEXT)).not.toThrow();
    expect({ doc, line, errors: editorErrors(parse(text)) }).toEqual({ doc, line, errors: [] });
  }
});
