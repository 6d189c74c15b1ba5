/**
 * scripts/lib/debian-mirror.sh: the Debian archive that images/build.sh (debootstrap) and
 * scripts/kubernetes.sh (trixie's etcd) fetch from is the one this machine's APT uses, read
 * from its sources in both formats; and no tracked file names a Debian mirror host.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ROOT } from "./sandbox";

const BOOKWORM = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "pgs-apt-"));
  mkdirSync(path.join(dir, "apt", "sources.list.d"), { recursive: true });
  writeFileSync(path.join(dir, "os-release"), BOOKWORM);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function source(name: string, text: string): void {
  writeFileSync(path.join(dir, "apt", name), text);
}

function mirror(env: Record<string, string> = {}) {
  const r = spawnSync("bash", [path.join(ROOT, "scripts/lib/debian-mirror.sh"), path.join(dir, "apt"), path.join(dir, "os-release")], {
    env: { PATH: process.env.PATH, ...env },
    encoding: "utf8",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("deb822 (.sources): the archive's URIs, not -security, not a commented line, not another repository, not a disabled file", () => {
  source(
    "sources.list.d/debian.sources",
    `Types: deb
# http://archive.example.org/debian/20250520T000000Z
URIs: http://mirror.example.com/debian/
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example.com/debian-security
Suites: bookworm-security
Components: main
`,
  );
  source(
    "sources.list.d/aaa-nodesource.sources",
    "Types: deb\nURIs: https://nodes.example.com/node_20.x\nSuites: nodistro\nComponents: main\n",
  );
  source("sources.list.d/00-first.sources.disabled", "Types: deb\nURIs: http://wrong.example.com/debian\nSuites: bookworm\n");
  expect(mirror()).toEqual({ code: 0, stdout: "http://mirror.example.com/debian\n", stderr: "" });
});

test("deb822: a disabled stanza and deb-src are skipped; several URIs, continuation lines and an inline key are read", () => {
  source(
    "sources.list.d/company.sources",
    `Types: deb
URIs: http://off.example.com/debian
Suites: bookworm
Enabled: no

Types: deb-src
URIs: http://src.example.com/debian
Suites: bookworm

types: deb
uris: https://proxy.example.com/debian
  http://second.example.com/debian
suites:
  bookworm-security
  bookworm
signed-by:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mQINBGPL0BUBEADmW5NdOOHwPIJlgPu6JDcKw/NZJPR8lsD9K7pgZGZ
 -----END PGP PUBLIC KEY BLOCK-----
`,
  );
  expect(mirror().stdout).toBe("https://proxy.example.com/debian\n");
});

test("one-line (sources.list): options in brackets, comments and the -security line skipped; sources.list before sources.list.d", () => {
  source(
    "sources.list",
    `# deb http://commented.example.com/debian bookworm main
deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://security.example.com/debian-security bookworm-security main
deb-src http://src.example.com/debian bookworm main
deb [ arch=amd64 ] http://one.example.com/debian/ bookworm main contrib # the company mirror
`,
  );
  source("sources.list.d/other.list", "deb http://later.example.com/debian bookworm main\n");
  expect(mirror().stdout).toBe("http://one.example.com/debian\n");
});

test("sources.list.d in name order across both formats; a file: mirror is fine, a cdrom: one is not", () => {
  source("sources.list.d/10-cd.list", "deb cdrom:[Debian GNU/Linux 12]/ bookworm main\n");
  source("sources.list.d/20-local.sources", "Types: deb\nURIs: file:/srv/debian\nSuites: bookworm\n");
  source("sources.list.d/30-net.list", "deb http://net.example.com/debian bookworm main\n");
  expect(mirror().stdout).toBe("file:/srv/debian\n");
});

test("PGS_DEBIAN_MIRROR is the answer when set, without its trailing slash", () => {
  source("sources.list", "deb http://one.example.com/debian bookworm main\n");
  expect(mirror({ PGS_DEBIAN_MIRROR: "http://override.example.com/debian/" })).toEqual({
    code: 0,
    stdout: "http://override.example.com/debian\n",
    stderr: "",
  });
});

test("no source for this release: a clear message naming PGS_DEBIAN_MIRROR", () => {
  source("sources.list", "deb http://one.example.com/debian trixie main\n");
  const r = mirror();
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/no 'deb' source for bookworm in .*sources\.list\.d\/ \(\*\.list, \*\.sources\): set PGS_DEBIAN_MIRROR/);
});

test("not Debian: a clear message naming PGS_DEBIAN_MIRROR", () => {
  writeFileSync(path.join(dir, "os-release"), "ID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=noble\n");
  source("sources.list", "deb http://archive.example.com/ubuntu noble main\n");
  const r = mirror();
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/not a Debian release .*ID=ubuntu.*: set PGS_DEBIAN_MIRROR/);
});

test("no tracked file names a Debian mirror host (the mirror comes from the machine's APT sources)", () => {
  const files = spawnSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" }).stdout.split("\0").filter(Boolean);
  expect(files.length).toBeGreaterThan(100);
  const host = /[a-z0-9.-]*debian\.(org|net)\b/i;
  const named = files.filter((f) => existsSync(path.join(ROOT, f)) && host.test(readFileSync(path.join(ROOT, f), "latin1")));
  expect(named).toEqual([]);
});
