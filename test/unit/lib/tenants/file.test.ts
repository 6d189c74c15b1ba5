/**
 * Every file under test/invalid/ is a tenants.yaml with something wrong in it. Its first
 * comment lines say exactly what the operator must be told:
 *   # expect: {file}:LINE:COL: message (hint)
 * where {file} stands for the path the file was read from.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { InvalidInputError } from "../../../../lib/tenants/problems";
import { loadTenantsFile, parseTenantsFile, type ValidationContext } from "../../../../lib/tenants/file";
import { MAX_FILE_BYTES } from "../../../../lib/tenants/schema";

const ROOT = path.resolve(__dirname, "../../../..");
const CORPUS = path.join(__dirname, "invalid");
const CONTEXT: ValidationContext = { baseDomain: "pgs.example.com", certificateNames: ["*.pgs.example.com"] };

const corpusFiles = readdirSync(CORPUS)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

function expectedLines(file: string): string[] {
  const text = readFileSync(path.join(CORPUS, file), "utf8");
  const lines: string[] = [];
  for (const line of text.split("\n")) {
    const match = /^# expect: (.*)$/.exec(line);
    if (!match) break;
    lines.push(match[1]);
  }
  return lines;
}

/** The problem lines a load reports; fails the test if it does not throw InvalidInputError. */
function problemLines(load: () => unknown): string[] {
  let thrown: unknown;
  try {
    load();
  } catch (err) {
    thrown = err;
  }
  if (!(thrown instanceof InvalidInputError)) {
    throw new Error(`expected an InvalidInputError, got ${thrown === undefined ? "no error" : String((thrown as Error).stack ?? thrown)}`);
  }
  return thrown.message.split("\n");
}

const withFile = (lines: string[], file: string) => lines.map((l) => l.split("{file}").join(file));

interface Cli {
  code: number | null;
  stdout: string;
  stderr: string;
}
function pgs(args: string[], cwd = ROOT): Promise<Cli> {
  return new Promise((resolve) => {
    execFile(path.join(ROOT, "bin", "pgs"), args, { cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr });
    });
  });
}
const nonEmptyLines = (text: string) => text.split("\n").filter((l) => l.trim() !== "");

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), "pgs-invalid-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("the invalid corpus", () => {
  test("holds at least 35 files, each declaring the errors it must produce", () => {
    expect(corpusFiles.length).toBeGreaterThanOrEqual(35);
    for (const file of corpusFiles) {
      expect({ file, declared: expectedLines(file).length > 0 }).toEqual({ file, declared: true });
      for (const line of expectedLines(file)) expect(line).toMatch(/^\{file\}:[0-9]+:[0-9]+: \S/);
    }
  });

  test.each(corpusFiles)("%s is rejected with exactly the declared FILE:LINE:COL lines", (file) => {
    const full = path.join(CORPUS, file);
    expect(problemLines(() => loadTenantsFile(full, CONTEXT))).toEqual(withFile(expectedLines(file), full));
  });

  test("parsing text reports the same lines as loading the file, under the name it is given", () => {
    for (const file of ["unknown-key-acess.yaml", "several-problems.yaml", "setting-key-injection.yaml"]) {
      const text = readFileSync(path.join(CORPUS, file), "utf8");
      expect(problemLines(() => parseTenantsFile(text, "tenants.yaml", CONTEXT))).toEqual(withFile(expectedLines(file), "tenants.yaml"));
    }
  });
});

describe("input that cannot carry its own expectation", () => {
  test("a zero-byte file is empty", () => {
    const file = path.join(tmp, "zero.yaml");
    writeFileSync(file, "");
    expect(problemLines(() => loadTenantsFile(file, CONTEXT))).toEqual([
      `${file}:1:1: file is empty (start with "apiVersion: pgs/v1" and "tenants: []")`,
    ]);
  });

  test("a file over 1 MiB is refused before it is parsed", () => {
    const file = path.join(tmp, "huge.yaml");
    const text = `apiVersion: pgs/v1\ntenants: []\n${"#".repeat(MAX_FILE_BYTES)}\n`;
    writeFileSync(file, text);
    const size = Buffer.byteLength(text);
    expect(MAX_FILE_BYTES).toBe(1024 * 1024);
    expect(problemLines(() => loadTenantsFile(file, CONTEXT))).toEqual([
      `${file}:1:1: file is ${size} bytes, over the 1048576-byte limit (is this the right file?)`,
    ]);
    expect(problemLines(() => parseTenantsFile(text, "big.yaml", CONTEXT))).toEqual([
      "big.yaml:1:1: file is over the 1048576-byte limit (is this the right file?)",
    ]);
  });

  test("a file of exactly 1 MiB is still read", () => {
    const head = "apiVersion: pgs/v1\ntenants: []\n";
    const text = `${head + "#".repeat(MAX_FILE_BYTES - Buffer.byteLength(head) - 1)}\n`;
    expect(Buffer.byteLength(text)).toBe(MAX_FILE_BYTES);
    const file = path.join(tmp, "exact.yaml");
    writeFileSync(file, text);
    expect(loadTenantsFile(file, CONTEXT)).toEqual([]);
  });

  test("a missing file is reported at its path with a hint", () => {
    const file = path.join(tmp, "nope.yaml");
    const [line, ...rest] = problemLines(() => loadTenantsFile(file, CONTEXT));
    expect(rest).toEqual([]);
    expect(line).toMatch(
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:1:1: cannot read the tenants file: .*ENOENT.* \\(set pgs:tenantsFile or create tenants\\.yaml\\)$`,
      ),
    );
  });

  test("CRLF line endings do not shift reported positions", () => {
    const text = "apiVersion: pgs/v1\r\ntenants:\r\n  - id: acme\r\n    acess: disabled\r\n";
    expect(problemLines(() => parseTenantsFile(text, "f", CONTEXT))).toEqual([
      'f:4:5: unknown key "acess" in tenant "acme" (did you mean "access"?)',
    ]);
  });

  test("a passwordSecret that is not in the stack config names the tenant and the command that sets it", () => {
    const text = "apiVersion: pgs/v1\ntenants:\n  - id: acme\n    passwordSecret: acmePassword\n";
    const context = { ...CONTEXT, secretConfig: (key: string) => (key === "other" ? "a-long-enough-password" : undefined), stack: "prod" };
    expect(problemLines(() => parseTenantsFile(text, "f", context))).toEqual([
      'f:4:21: tenant "acme": passwordSecret "acmePassword" is not set as a secret in the stack config ' +
        "(run: pulumi config set --secret acmePassword <password> --stack prod)",
    ]);
    expect(
      parseTenantsFile(text, "f", { ...context, secretConfig: (key) => (key === "acmePassword" ? "a-long-enough-password" : undefined) })[0]
        .passwordSecret,
    ).toBe("acmePassword");
  });
});

describe("library settings and the stack's own images", () => {
  const text =
    "apiVersion: pgs/v1\ntenants:\n  - id: acme\n    postgres:\n      version: 17\n      settings:\n        shared_preload_libraries: timescaledb\n  - id: globex\n    postgres:\n      settings:\n        shared_preload_libraries: timescaledb\n";

  test("a library the image does not ship is refused; with postgresImages naming that major's image it passes there only", () => {
    const notShipped = (major: number, line: number) =>
      `f:${line}:35: tenant "${major === 17 ? "acme" : "globex"}": postgres.settings.shared_preload_libraries: "timescaledb" is not a library of the PostgreSQL ${major} image ` +
      `(the libraries it ships are listed in lib/tenants/postgres-settings/${major}.json)`;
    expect(problemLines(() => parseTenantsFile(text, "f", CONTEXT))).toEqual([notShipped(17, 7), notShipped(18, 11)]);
    expect(problemLines(() => parseTenantsFile(text, "f", { ...CONTEXT, customPostgresImage: (major) => major === 17 }))).toEqual([
      notShipped(18, 11),
    ]);
  });

  test("a path is refused even with the stack's own image, saying that image's libraries could not be checked", () => {
    const evil = "apiVersion: pgs/v1\ntenants:\n  - id: acme\n    postgres: { settings: { session_preload_libraries: /tmp/evil.so } }\n";
    expect(problemLines(() => parseTenantsFile(evil, "f", { ...CONTEXT, customPostgresImage: () => true }))).toEqual([
      'f:4:56: tenant "acme": postgres.settings.session_preload_libraries: "/tmp/evil.so" is a path; only a library name is allowed ' +
        "(name a library the image ships, such as pg_stat_statements: names are looked up in $libdir; " +
        "postgresImages names this major's image, so which libraries it ships cannot be checked offline)",
    ]);
  });
});

describe("valid edge cases pass", () => {
  const parse = (text: string) => parseTenantsFile(text, "tenants.yaml", CONTEXT);

  test("no tenants at all: tenants: []", () => {
    expect(parse("apiVersion: pgs/v1\ntenants: []\n")).toEqual([]);
  });

  test("IPv6 addresses and CIDRs in allowFrom, and the widest prefixes", () => {
    const [t] = parse(
      "apiVersion: pgs/v1\ntenants:\n  - id: acme\n    allowFrom: ['2001:db8::/32', '::1', 0.0.0.0/0, 10.1.2.3/32, '::/0', '2001:db8::1/128']\n",
    );
    expect(t.allowFrom).toEqual(["2001:db8::/32", "::1", "0.0.0.0/0", "10.1.2.3/32", "::/0", "2001:db8::1/128"]);
  });

  test("settings with numbers and booleans become their Postgres text", () => {
    const [t] = parse(
      [
        "apiVersion: pgs/v1",
        "tenants:",
        "  - id: acme",
        "    postgres:",
        "      settings: { max_connections: 200, jit: false, log_checkpoints: true, random_page_cost: 1.1, work_mem: 8MB }",
        "",
      ].join("\n"),
    );
    expect(t.postgres.settings).toEqual({
      max_connections: "200",
      jit: "false",
      log_checkpoints: "true",
      random_page_cost: "1.1",
      work_mem: "8MB",
    });
  });

  test("extension parameter names such as pg_stat_statements.max are plain names", () => {
    const [t] = parse(
      "apiVersion: pgs/v1\ntenants:\n  - id: acme\n    postgres:\n      settings:\n        pg_stat_statements.max: 10000\n        auto_explain.log_min_duration: 250ms\n",
    );
    expect(t.postgres.settings).toEqual({ "pg_stat_statements.max": "10000", "auto_explain.log_min_duration": "250ms" });
  });

  test("a few YAML aliases are fine", () => {
    const tenants = parse(
      "apiVersion: pgs/v1\ntenants:\n  - id: acme\n    allowFrom: &office [203.0.113.0/24]\n  - id: globex\n    allowFrom: *office\n",
    );
    expect(tenants.map((t) => t.allowFrom)).toEqual([["203.0.113.0/24"], ["203.0.113.0/24"]]);
  });

  test("ids at the limits: one character, 63 characters, digits first, inner hyphens", () => {
    const long = `a${"b".repeat(61)}c`;
    const tenants = parse(`apiVersion: pgs/v1\ntenants:\n  - id: a\n  - id: ${long}\n  - id: 9lives\n  - id: a-b-c\n`);
    expect(tenants.map((t) => t.id)).toEqual(["a", long, "9lives", "a-b-c"]);
  });
});

describe("pgs validate", () => {
  const cases = ["unknown-key-acess.yaml", "several-problems.yaml", "yaml-syntax-tab-indentation.yaml"];

  test("exits 1 and prints exactly the problem lines on stderr for invalid files, exits 0 with one line for the shipped file", async () => {
    const huge = path.join(tmp, "cli-huge.yaml");
    writeFileSync(huge, `apiVersion: pgs/v1\ntenants: []\n${"#".repeat(MAX_FILE_BYTES)}\n`);
    const [shipped, oversize, ...invalid] = await Promise.all([
      pgs(["validate"]),
      pgs(["validate", huge]),
      ...cases.map((file) => pgs(["validate", path.join(CORPUS, file)])),
    ]);

    cases.forEach((file, i) => {
      const full = path.join(CORPUS, file);
      expect({ file, code: invalid[i].code, stdout: invalid[i].stdout, stderr: nonEmptyLines(invalid[i].stderr) }).toEqual({
        file,
        code: 1,
        stdout: "",
        stderr: withFile(expectedLines(file), full),
      });
    });

    expect(oversize.code).toBe(1);
    expect(nonEmptyLines(oversize.stderr)).toEqual([
      `${huge}:1:1: file is ${MAX_FILE_BYTES + 32} bytes, over the 1048576-byte limit (is this the right file?)`,
    ]);

    const tenants = loadTenantsFile(path.join(ROOT, "tenants.yaml"), CONTEXT);
    const running = tenants.filter((t) => t.state === "running").length;
    expect({ code: shipped.code, stderr: shipped.stderr, stdout: nonEmptyLines(shipped.stdout) }).toEqual({
      code: 0,
      stderr: "",
      stdout: [`tenants.yaml: valid, ${tenants.length} tenant${tenants.length === 1 ? "" : "s"} (${running} running)`],
    });
  }, 120_000);
});
