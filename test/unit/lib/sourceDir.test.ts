/** lib/sourceDir.ts: finding the folder with Pulumi.yaml upwards, and reading this checkout's files. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { findProjectDir, SOURCE_DIR, sourceFile } from "../../../lib/sourceDir";

const ROOT = path.resolve(__dirname, "../../..");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "pgs-sourcedir-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("the folder itself, when it holds Pulumi.yaml", () => {
  writeFileSync(path.join(dir, "Pulumi.yaml"), "name: pgs\n");
  expect(findProjectDir(dir)).toBe(dir);
});

test("the nearest folder above with Pulumi.yaml, not a further one", () => {
  writeFileSync(path.join(dir, "Pulumi.yaml"), "name: outer\n");
  const inner = path.join(dir, "projects", "inner");
  mkdirSync(path.join(inner, "deep", "er"), { recursive: true });
  writeFileSync(path.join(inner, "Pulumi.yaml"), "name: inner\n");
  expect(findProjectDir(path.join(inner, "deep", "er"))).toBe(inner);
  expect(findProjectDir(path.join(dir, "projects"))).toBe(dir);
});

test("a relative start is taken from the working directory, and `..` is resolved", () => {
  writeFileSync(path.join(dir, "Pulumi.yaml"), "name: pgs\n");
  mkdirSync(path.join(dir, "a", "b"), { recursive: true });
  expect(findProjectDir(path.relative(process.cwd(), path.join(dir, "a", "b")))).toBe(dir);
  expect(findProjectDir(path.join(dir, "a", "b", "..", ".."))).toBe(dir);
});

test("a start that does not exist still finds the project around it", () => {
  writeFileSync(path.join(dir, "Pulumi.yaml"), "name: pgs\n");
  expect(findProjectDir(path.join(dir, "not", "made", "yet"))).toBe(dir);
});

test("no Pulumi.yaml up to the root: undefined, not an endless loop", () => {
  const nested = path.join(dir, "x", "y");
  mkdirSync(nested, { recursive: true });
  // The temp folder's ancestors (/tmp, /) hold no Pulumi.yaml.
  expect(findProjectDir(nested)).toBeUndefined();
  expect(findProjectDir(path.parse(dir).root)).toBeUndefined();
});

test("a similarly named file is not a project file", () => {
  writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config: {}\n");
  writeFileSync(path.join(dir, "pulumi.yml"), "name: pgs\n");
  const inside = path.join(dir, "inside");
  mkdirSync(inside);
  writeFileSync(path.join(inside, "Pulumi.yaml"), "name: pgs\n");
  // Pulumi.yaml below the start does not count either.
  expect(findProjectDir(dir)).toBeUndefined();
});

test("a link to a project's Pulumi.yaml makes the linking folder the project", () => {
  const real = path.join(dir, "real");
  mkdirSync(real);
  writeFileSync(path.join(real, "Pulumi.yaml"), "name: pgs\n");
  const linked = path.join(dir, "linked");
  mkdirSync(linked);
  symlinkSync(path.join(real, "Pulumi.yaml"), path.join(linked, "Pulumi.yaml"));
  expect(findProjectDir(linked)).toBe(linked);
});

test("SOURCE_DIR is this checkout: the folder with its Pulumi.yaml and package.json", () => {
  expect(SOURCE_DIR).toBe(ROOT);
  expect(JSON.parse(readFileSync(path.join(SOURCE_DIR, "package.json"), "utf8")).name).toBe("pgs");
});

test("sourceFile reads a file of this checkout whatever the working directory", () => {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    expect(sourceFile("Pulumi.yaml")).toBe(readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
    expect(sourceFile("images/local-images.json")).toMatch(/"postgres"/);
  } finally {
    process.chdir(cwd);
  }
});

test("sourceFile of a file that is not there fails with its path", () => {
  expect(() => sourceFile("lib/no-such-file.sql")).toThrow(/ENOENT.*lib\/no-such-file\.sql/);
});
