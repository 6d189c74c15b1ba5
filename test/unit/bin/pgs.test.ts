/**
 * bin/pgs.js and the bundle it runs (dist/pgs.js, `npm run build`; `npm test` builds it first):
 * one copy of Pulumi's SDK, and the process-wide handling of rejections an engine that died leaves.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
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

describe("the V8 code cache beside the bundle", () => {
  const BIN = path.join(ROOT, "bin", "pgs.js");
  const caches = () => readdirSync(path.dirname(BUNDLE)).filter((n) => /^pgs\.js\..*\.v8cache$/.test(n));
  const version = () => spawnSync(process.execPath, [BIN, "--version"], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });

  test("the first run writes one, named by the bundle's hash; the next runs use it", () => {
    for (const name of caches()) rmSync(path.join(path.dirname(BUNDLE), name));
    const first = version();
    expect({ status: first.status, stderr: first.stderr }).toEqual({ status: 0, stderr: "" });
    const sha = createHash("sha1").update(readFileSync(BUNDLE)).digest("hex").slice(0, 16);
    expect(caches()).toEqual([`pgs.js.${sha}.v8cache`]);
    const written = statSync(path.join(path.dirname(BUNDLE), caches()[0])).mtimeMs;
    expect(version().stdout).toBe(first.stdout);
    expect(statSync(path.join(path.dirname(BUNDLE), caches()[0])).mtimeMs).toBe(written);
  });

  test("one that V8 rejects is rewritten, and a stale one (another bundle's) removed", () => {
    version();
    const [current] = caches();
    const stale = path.join(path.dirname(BUNDLE), "pgs.js.0000000000000000.v8cache");
    writeFileSync(stale, "stale");
    writeFileSync(path.join(path.dirname(BUNDLE), current), "not a code cache");
    const r = version();
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
    expect(caches()).toEqual([current]);
    expect(readFileSync(path.join(path.dirname(BUNDLE), current)).length).toBeGreaterThan(100_000);
  });
});
