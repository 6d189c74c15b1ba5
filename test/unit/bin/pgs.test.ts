/**
 * bin/pgs, bin/pgs.js and the bundle it runs (dist/pgs.js, `npm run build`; `npm test` builds it first):
 * one copy of Pulumi's SDK, and the process-wide handling of rejections an engine that died leaves.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
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
  const code = readFileSync(BUNDLE, "utf8")
    .split("\n")
    .map((line) => line.replace(/\/\/.*$/, ""));
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
  const caches = () =>
    readdirSync(DIST)
      .filter((n) => /^pgs\.js\.[^.]+\.(pgs|schema|no-such-command)\.v8cache$/.test(n) || n.startsWith("pgs.js.1-1."))
      .sort();
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

describe("bin/pgs, the command operators run", () => {
  const LAUNCHER = path.join(ROOT, "bin", "pgs");
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "pgs-launcher-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("runs through a symlink elsewhere, as node_modules/.bin/pgs is", () => {
    const link = path.join(dir, "pgs");
    symlinkSync(LAUNCHER, link);
    const r = spawnSync(link, ["--version"], { cwd: dir, encoding: "utf8", timeout: 30_000 });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).version);
  });

  // Node reports a NODE_EXTRA_CA_CERTS it cannot read as it loads it: the warning shows whether it did.
  const NOT_A_FILE = "/nonexistent/extra-ca.pem";
  const WARNING = `Ignoring extra certs from \`${NOT_A_FILE}\``;

  test("Node does not load NODE_EXTRA_CA_CERTS in pgs's process (bin/pgs.js run directly does)", () => {
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: NOT_A_FILE };
    const launched = spawnSync(LAUNCHER, ["--version"], { cwd: ROOT, encoding: "utf8", env, timeout: 30_000 });
    expect({ status: launched.status, stderr: launched.stderr }).toEqual({ status: 0, stderr: "" });
    const direct = spawnSync(process.execPath, [path.join(ROOT, "bin", "pgs.js"), "--version"], {
      cwd: ROOT,
      encoding: "utf8",
      env,
      timeout: 30_000,
    });
    expect(direct.stderr).toContain(WARNING);
  });

  /** pgs's process.env once bin/pgs.js has run (what child_process passes on), seen from a --require probe. */
  function envOfPgs(env: NodeJS.ProcessEnv): { extra: string | null; aside: string | null } {
    const probe = path.join(dir, "probe.js");
    const seen = path.join(dir, "seen.json");
    rmSync(seen, { force: true });
    writeFileSync(
      probe,
      `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(seen)},
      JSON.stringify({ extra: process.env.NODE_EXTRA_CA_CERTS ?? null, aside: process.env.PGS_NODE_EXTRA_CA_CERTS ?? null })));`,
    );
    const r = spawnSync(LAUNCHER, ["--version"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...env, NODE_OPTIONS: `--require ${probe}` },
      timeout: 30_000,
    });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
    return JSON.parse(readFileSync(seen, "utf8"));
  }

  test("the processes pgs starts get NODE_EXTRA_CA_CERTS back, as it was", () => {
    expect(envOfPgs({ ...process.env, NODE_EXTRA_CA_CERTS: NOT_A_FILE })).toEqual({ extra: NOT_A_FILE, aside: null });
  });

  test("without NODE_EXTRA_CA_CERTS, none appears", () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS;
    expect(envOfPgs(env)).toEqual({ extra: null, aside: null });
  });

  test("the bundle's one TLS client is the reachability check, which sets its trust itself (so bin/pgs may set the CA bundle aside)", () => {
    const text = readFileSync(BUNDLE, "utf8");
    expect(text.match(/require\("(node:)?(https|http2)"\)/g)).toBeNull();
    expect(text).not.toMatch(/(^|[^\w.$])fetch\s*\(/m);
    // Of the project's own sources, only app/ops/reachability.ts opens TLS connections (through pg), each with ingressTrust().
    const walk = (dir: string): string[] =>
      readdirSync(path.join(ROOT, dir)).flatMap((n) => {
        const rel = path.join(dir, n);
        return statSync(path.join(ROOT, rel)).isDirectory() ? walk(rel) : rel.endsWith(".ts") ? [rel] : [];
      });
    const sources = ["app", "lib", "backends", "components"].flatMap(walk).concat("index.ts");
    const tlsClients = sources.filter((f) => /from "(node:tls|pg)"/.test(readFileSync(path.join(ROOT, f), "utf8")));
    expect(tlsClients).toEqual(["app/ops/reachability.ts"]);
    expect(readFileSync(path.join(ROOT, "app/ops/reachability.ts"), "utf8")).toContain("ca: ingressTrust(probe.ca)");
  });

  test("with no stack CA, the check trusts the system's roots and NODE_EXTRA_CA_CERTS, which Node did not load", () => {
    const { ingressTrust } = require("../../../app/ops/reachability") as typeof import("../../../app/ops/reachability");
    const dir = mkdtempSync(path.join(tmpdir(), "pgs-ca-"));
    const file = path.join(dir, "extra.pem");
    writeFileSync(file, "-----BEGIN CERTIFICATE-----\nextra\n-----END CERTIFICATE-----\n");
    const trust = ingressTrust("", { NODE_EXTRA_CA_CERTS: file }) as string[];
    expect(trust.length).toBeGreaterThan(100);
    expect(trust[trust.length - 1]).toContain("extra");
    expect(ingressTrust("STACK CA", { NODE_EXTRA_CA_CERTS: file })).toBe("STACK CA");
    rmSync(dir, { recursive: true });
  });
});

test("output cut short by its reader (pgs plan | head -1): pgs exits quietly with 141, as tools killed by SIGPIPE do", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "pgs-epipe-"));
  try {
    writeFileSync(path.join(dir, "Pulumi.yaml"), readFileSync(path.join(ROOT, "Pulumi.yaml")));
    // Ten tenants: a plan far longer than a pipe's 64 KiB, so a write meets the closed pipe.
    writeFileSync(
      path.join(dir, "tenants.yaml"),
      `apiVersion: pgs/v1\ntenants:\n${[...Array(10).keys()].map((i) => `  - id: t${i}\n`).join("")}`,
    );
    const r = spawnSync(
      "bash",
      ["-c", `node ${JSON.stringify(path.join(ROOT, "bin", "pgs.js"))} plan | head -1; echo "pgs exit \${PIPESTATUS[0]}" >&2`],
      {
        cwd: dir,
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    expect(r.stdout).toMatch(/^Plan for stack dev/);
    expect(r.stderr).toBe("pgs exit 141\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
