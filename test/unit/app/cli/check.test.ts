/** The offline checks, `pgs validate` and `pgs plan`, on a project of an operator's. */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Io } from "../../../../app/cli/io";
import { main } from "../../../../app/cli/main";

const ROOT = path.resolve(__dirname, "../../../..");

let dir: string;
let cwd: string;

function capture(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { out: (l) => lines.push(l), err: (l) => errors.push(l), interactive: false, color: false, stdin: process.stdin, lines, errors };
}

async function pgs(...argv: string[]) {
  const io = capture();
  const code = await main(argv, io);
  return { code, out: io.lines, err: io.errors.join("\n").split("\n") };
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "pgs-check-"));
  copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  writeFileSync(path.join(dir, "tenants.yaml"), "apiVersion: pgs/v1\ntenants:\n  - id: acme\n");
  writeFileSync(path.join(dir, "Pulumi.dev.yaml"), 'config:\n  pgs:publishAddress: 127.0.0.1\n  pgs:publishPrt: "6432"\n');
  cwd = process.cwd();
  process.chdir(dir);
});
afterEach(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

const MISSPELT = () => `${path.join(dir, "Pulumi.dev.yaml")}:3:3: unknown stack setting "pgs:publishPrt" (did you mean "pgs:publishPort"?)`;

test("pgs validate refuses a misspelt stack setting: exit 1, the file, the key and a guess", async () => {
  expect(await pgs("validate")).toEqual({ code: 1, out: [], err: [MISSPELT()] });
});

test("pgs plan refuses it too, before registering anything", async () => {
  const r = await pgs("plan");
  expect(r.code).toBe(1);
  expect(r.out).toEqual([]);
  expect(r.err).toContain(MISSPELT());
}, 60_000);

test("with the key spelt right both pass", async () => {
  writeFileSync(path.join(dir, "Pulumi.dev.yaml"), 'config:\n  pgs:publishAddress: 127.0.0.1\n  pgs:publishPort: "6432"\n');
  expect(await pgs("validate")).toEqual({ code: 0, out: ["tenants.yaml: valid, 1 tenant (1 running)"], err: [""] });
  expect((await pgs("plan")).code).toBe(0);
}, 60_000);
