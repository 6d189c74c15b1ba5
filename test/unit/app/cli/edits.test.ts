/**
 * The editing commands on a tenants.yaml of an operator's: each changes only its own lines
 * (every comment, blank line and quote elsewhere byte for byte), refuses an invalid result
 * without touching the file, and two editors at once both get their change in.
 */
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { main } from "../../../../app/cli/main";
import type { Io } from "../../../../app/cli/io";

const ROOT = path.resolve(__dirname, "../../../..");

/** An operator's file: comments everywhere, flow and block styles, quotes, blank lines. */
const ORIGINAL = `# yaml-language-server: $schema=./tenants.schema.json
# Our tenants. Reviewed in pull requests.
apiVersion: pgs/v1

defaults:
  postgres: { version: 18, settings: { max_connections: "50" } }   # keep it small

tenants:
  # the first customer
  - id: acme
    allowFrom: [203.0.113.0/24, '198.51.100.7']
    postgres: { version: 17, settings: { work_mem: "8MB" } }

  - id: globex        # pays on time
    database: globex_prod
    state: stopped    # until March
  - id: initech
`;

let dir: string;
let cwd: string;
const file = () => path.join(dir, "tenants.yaml");
const read = () => readFileSync(file(), "utf8");

function capture(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { out: (l) => lines.push(l), err: (l) => errors.push(l), interactive: false, color: false, stdin: process.stdin, lines, errors };
}

async function pgs(...argv: string[]) {
  const io = capture();
  const code = await main(argv, io);
  return { code, out: io.lines.join("\n"), err: io.errors.join("\n") };
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "pgs-cli-"));
  copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  writeFileSync(file(), ORIGINAL);
  cwd = process.cwd();
  process.chdir(dir);
});
afterEach(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

/** The file after an edit must be the original with exactly `from` replaced by `to`. */
function expectOnly(from: string, to: string): void {
  expect(ORIGINAL.split(from)).toHaveLength(2);
  expect(read()).toBe(ORIGINAL.replace(from, to));
}

test("create appends the entry in the list's own style and says the next step", async () => {
  const r = await pgs(
    "create",
    "hooli",
    "--version",
    "17",
    "--memory",
    "1Gi",
    "--cpus",
    "0.5",
    "--storage",
    "20Gi",
    "--allow",
    "10.0.0.0/8",
    "--allow",
    "192.0.2.1",
  );
  expect(r.code).toBe(0);
  expectOnly(
    "  - id: initech\n",
    "  - id: initech\n  - id: hooli\n    allowFrom: [10.0.0.0/8, 192.0.2.1]\n    postgres: { version: 17 }\n    resources: { memory: 1Gi, cpus: 0.5, storage: 20Gi }\n",
  );
  expect(r.out).toContain("+   - id: hooli");
  expect(r.out).toContain("Next: pgs up --stack dev");
});

test("remove takes the entry and the comment written above it, and says the volume is kept", async () => {
  const r = await pgs("remove", "acme");
  expect(r.code).toBe(0);
  expectOnly(
    `  # the first customer
  - id: acme
    allowFrom: [203.0.113.0/24, '198.51.100.7']
    postgres: { version: 17, settings: { work_mem: "8MB" } }
`,
    "",
  );
  expect(r.out).toContain(
    "When applied, the data volume pgs-dev-acme-data is kept: pgs create acme brings the tenant back with its data; docker volume rm pgs-dev-acme-data deletes it.",
  );
});

test("start removes state: stopped (running is the default); stop of every tenant adds it where missing", async () => {
  expect((await pgs("start", "globex")).code).toBe(0);
  expectOnly("    state: stopped    # until March\n", "");
  writeFileSync(file(), ORIGINAL);
  expect((await pgs("stop")).code).toBe(0);
  expect(read()).toBe(
    ORIGINAL.replace(
      `    postgres: { version: 17, settings: { work_mem: "8MB" } }\n`,
      `    postgres: { version: 17, settings: { work_mem: "8MB" } }\n    state: stopped\n`,
    ).replace("  - id: initech\n", "  - id: initech\n    state: stopped\n"),
  );
});

test("disable-access adds access: disabled; enable-access takes it away again, back to the original bytes", async () => {
  expect((await pgs("disable-access", "globex")).code).toBe(0);
  expectOnly("    state: stopped    # until March\n", "    state: stopped    # until March\n    access: disabled\n");
  expect((await pgs("enable-access", "globex")).code).toBe(0);
  expect(read()).toBe(ORIGINAL);
});

test("--terminate without --apply is a usage error and changes nothing: ended first, the sessions would come back", async () => {
  for (const argv of [
    ["disable-access", "globex", "--terminate"],
    ["deny", "acme", "203.0.113.0/24", "--terminate"],
  ]) {
    const r = await pgs(...argv);
    expect({ argv, code: r.code, err: r.err }).toEqual({
      argv,
      code: 2,
      err: expect.stringContaining("--terminate needs --apply: the sessions are ended once the change is applied"),
    });
    expect(read()).toBe(ORIGINAL);
  }
});

test("allow adds to allowFrom in place; deny removes, but never the last address", async () => {
  expect((await pgs("allow", "acme", "10.1.0.0/16")).code).toBe(0);
  expectOnly("[203.0.113.0/24, '198.51.100.7']", "[203.0.113.0/24, 198.51.100.7, 10.1.0.0/16]");
  expect((await pgs("deny", "acme", "203.0.113.0/24", "198.51.100.7")).code).toBe(0);
  expectOnly("[203.0.113.0/24, '198.51.100.7']", "[10.1.0.0/16]");
  const last = await pgs("deny", "acme", "10.1.0.0/16");
  expect(last).toMatchObject({ code: 1, err: expect.stringContaining("admits every address") });
  expectOnly("[203.0.113.0/24, '198.51.100.7']", "[10.1.0.0/16]");
  expect((await pgs("allow", "initech", "::1")).code).toBe(0);
  expect(read()).toContain("  - id: initech\n    allowFrom: [::1]\n");
});

test("an edit whose result is invalid is refused with FILE:LINE:COL lines and the file is untouched", async () => {
  const r = await pgs("create", "globex-db", "--hostname", "globex.elsewhere.example");
  expect(r.code).toBe(1);
  expect(r.err).toMatch(
    new RegExp(
      `^${file().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:19:15: tenant "globex-db": hostname globex\\.elsewhere\\.example is not covered by the ingress certificate`,
    ),
  );
  expect(read()).toBe(ORIGINAL);
  expect((await pgs("create", "acme")).err).toBe('tenant "acme" already exists in the tenants file');
  expect(read()).toBe(ORIGINAL);
  expect((await pgs("stop", "nobody")).err).toBe('no tenant "nobody" in the tenants file (pgs list shows them)');
  expect(read()).toBe(ORIGINAL);
});

test.each([
  [["frobnicate"], "error: unknown command 'frobnicate' (pgs --help)"],
  [["create"], "error: missing required argument 'id' (pgs create --help)"],
  [
    ["create", "x", "--cpus", "zero"],
    "error: option '--cpus <n>' argument 'zero' is invalid. must be a number above 0, e.g. 1 or 0.5 (pgs create --help)",
  ],
  [
    ["create", "x", "--version", "eighteen"],
    "error: option '--version <major>' argument 'eighteen' is invalid. --version must be a whole number (pgs create --help)",
  ],
  [["restore", "acme", "--from"], "error: option '--from <name>' argument missing (pgs restore --help)"],
  [["allow", "acme", "not-an-address"], "not an IPv4/IPv6 address or CIDR: not-an-address"],
  [["upgrade", "acme"], "error: required option '--to <major>' not specified (pgs upgrade --help)"],
  [["list", "--bogus"], "error: unknown option '--bogus' (pgs list --help)"],
])("usage error %p exits 2 with one line", async (argv, line) => {
  const r = await pgs(...argv);
  expect({ code: r.code, err: r.err }).toEqual({ code: 2, err: line });
  expect(read()).toBe(ORIGINAL);
});

test("--help works on every command, from one definition", async () => {
  const top = await pgs("--help");
  expect(top.code).toBe(0);
  const commands = [...top.out.matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]).filter((c) => c !== "help");
  expect(commands).toEqual(
    expect.arrayContaining([
      "setup",
      "create",
      "remove",
      "start",
      "stop",
      "enable-access",
      "disable-access",
      "allow",
      "deny",
      "list",
      "status",
      "credentials",
      "preview",
      "up",
      "validate",
      "plan",
      "schema",
      "upgrade",
      "backup",
      "backups",
      "restore",
      "completion",
    ]),
  );
  for (const command of commands) {
    const [own, viaHelp] = [await pgs(command, "--help"), await pgs("help", command)];
    expect({ command, code: own.code, usage: own.out.split("\n")[0] }).toEqual({
      command,
      code: 0,
      usage: expect.stringMatching(new RegExp(`^Usage: pgs ${command} `)),
    });
    expect(viaHelp.out).toBe(own.out);
  }
});

test("completion knows every command and its options", async () => {
  const r = await pgs("completion", "bash");
  expect(r.code).toBe(0);
  expect(r.out).toContain("complete -F _pgs pgs");
  expect(r.out).toMatch(/create\) opts="[^"]*--password-stdin[^"]*--apply/);
});

test("two editors at once: both changes are in the file", async () => {
  const bin = path.join(ROOT, "bin", "pgs");
  const run = (...argv: string[]) =>
    new Promise<number>((resolve) => {
      spawn(bin, argv, { cwd: dir, stdio: "ignore" }).on("exit", (code) => resolve(code ?? 1));
    });
  const codes = await Promise.all([
    run("create", "one"),
    run("create", "two"),
    run("stop", "acme"),
    run("allow", "initech", "10.9.0.0/16"),
  ]);
  expect(codes).toEqual([0, 0, 0, 0]);
  const text = read();
  for (const piece of ["  - id: one\n", "  - id: two\n", "    state: stopped\n", "  - id: initech\n    allowFrom: [10.9.0.0/16]\n"])
    expect(text).toContain(piece);
  expect(
    text.startsWith(ORIGINAL.split("  - id: initech")[0].replace(`work_mem: "8MB" } }\n`, `work_mem: "8MB" } }\n    state: stopped\n`)),
  ).toBe(true);
}, 60_000);
