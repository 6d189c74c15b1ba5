/**
 * bin/pgs.js and the bundle it runs (dist/pgs.js, `npm run build`; `npm test` builds it first):
 * one copy of Pulumi's SDK, and the process-wide handling of rejections an engine that died leaves.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../../..");
const BUNDLE = path.join(ROOT, "dist", "pgs.js");

test("the bundle leaves @pulumi/* to node_modules: the program and the provider SDKs share one runtime", () => {
  const text = readFileSync(BUNDLE, "utf8");
  // esbuild marks every module it inlines with a `// node_modules/<package>/...` comment.
  expect(text.match(/^\/\/ node_modules\/@pulumi\/.*$/m)).toBeNull();
  expect(text).toContain('require("@pulumi/pulumi/automation")');
  // zod and yaml are inlined: loading their 160 files one by one was most of validate's start-up.
  expect(text).toMatch(/^\/\/ node_modules\/zod\//m);
  expect(text).toMatch(/^\/\/ node_modules\/yaml\//m);
});

test("the bundle makes no real import(): bin/pgs.js runs it as a vm.Script, which has no loader for one", () => {
  const code = readFileSync(BUNDLE, "utf8").split("\n").map((line) => line.replace(/\/\/.*$/, ""));
  const calls = code.map((line, i) => ({ line: i + 1, text: line.trim() })).filter(({ text }) => /(^|[^\w.$])import\s*\(/.test(text));
  expect(calls).toEqual([]);
});

/** Runs the command with `--version`, after queueing an unhandled rejection of `reason`. */
function withRejection(reason: string) {
  const script = `require(${JSON.stringify(BUNDLE)}).runCommand(["--version"]); Promise.reject(${reason});`;
  return spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
}

test("a gRPC UNAVAILABLE rejection (an RPC to an engine whose CLI died) does not end pgs with a stack trace", () => {
  const r = withRejection(`Object.assign(new Error("14 UNAVAILABLE: Connection dropped"), { code: 14 })`);
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
  expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
});

test("any other unhandled rejection is reported as an internal error, exit 1", () => {
  const r = withRejection(`new Error("a bug")`);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("pgs: internal error (please report it): Error: a bug");
});

describe("the V8 code caches beside the bundle, one per command", () => {
  const BIN = path.join(ROOT, "bin", "pgs.js");
  const DIST = path.dirname(BUNDLE);
  // Other test files run bin/pgs.js meanwhile (validate, create, ...): only these commands' caches count.
  const caches = () => readdirSync(DIST).filter((n) => /^pgs\.js\.[^.]+\.(pgs|schema|no-such-command)\.v8cache$/.test(n) || n.startsWith("pgs.js.1-1.")).sort();
  const pgs = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
  const build = () => {
    const { size, mtimeMs } = statSync(BUNDLE);
    return `${size}-${Math.floor(mtimeMs)}`;
  };

  beforeEach(() => {
    for (const name of caches()) rmSync(path.join(DIST, name));
  });

  test("each command's first successful run writes its cache, named by the build; the next runs use it", () => {
    const first = pgs("--version");
    expect({ status: first.status, stderr: first.stderr }).toEqual({ status: 0, stderr: "" });
    expect(pgs("schema").status).toBe(0);
    expect(caches()).toEqual([`pgs.js.${build()}.pgs.v8cache`, `pgs.js.${build()}.schema.v8cache`]);
    const written = statSync(path.join(DIST, caches()[0])).mtimeMs;
    expect(pgs("--version").stdout).toBe(first.stdout);
    expect(statSync(path.join(DIST, caches()[0])).mtimeMs).toBe(written);
  });

  test("a failed command leaves none; one that V8 rejects is rewritten; another build's are removed", () => {
    expect(pgs("no-such-command").status).toBe(2);
    expect(caches()).toEqual([]);
    const current = `pgs.js.${build()}.pgs.v8cache`;
    const stale = "pgs.js.1-1.validate.v8cache";
    writeFileSync(path.join(DIST, stale), "stale");
    writeFileSync(path.join(DIST, current), "not a code cache");
    const r = pgs("--version");
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
    expect(caches()).toEqual([current]);
    expect(readFileSync(path.join(DIST, current)).length).toBeGreaterThan(100_000);
  });
});
