/**
 * Every repository path the documentation names (README.md, docs/*.md, each folder's README.md)
 * exists: a file moved without its docs fails here.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const SKIP = new Set(["node_modules", ".git", "dist", ".pgs", ".e2e", ".ci"]);

function markdown(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (SKIP.has(name)) return [];
    if (statSync(full).isDirectory()) return markdown(full);
    return name.endsWith(".md") ? [full] : [];
  });
}

// A path in backticks that starts at one of the repository's own top-level folders.
const PATH = /`((?:app|lib|backends|components|test|scripts|images|docs|bin|kubernetes)\/[A-Za-z0-9_./-]+)`/g;

const named = markdown(ROOT).flatMap((file) =>
  [...readFileSync(file, "utf8").matchAll(PATH)].map((m) => ({ doc: path.relative(ROOT, file), path: m[1].replace(/[.:]$/, "") })),
);

test("the docs name repository paths (the finder works)", () => {
  expect(named.map((n) => n.path)).toEqual(expect.arrayContaining(["test/unit/layout.test.ts", "scripts/engine.sh"]));
});

test("every path the docs name exists", () => {
  expect(named.filter((n) => !existsSync(path.join(ROOT, n.path)))).toEqual([]);
});
