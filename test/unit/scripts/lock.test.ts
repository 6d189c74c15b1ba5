/**
 * hold_lock (scripts/lib/common.sh), the machine-wide lock around the e2e entry points: a second
 * holder waits and says who has it, gets it as soon as the first exits although a daemon the
 * first started still runs (no child inherits the lock), and an outer holder makes it nest.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ROOT } from "./sandbox";

const COMMON = path.join(ROOT, "scripts/lib/common.sh");
let dir: string;
let lock: string;
const children: ChildProcess[] = [];
const daemons: number[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "pgs-lock-"));
  lock = path.join(dir, "locks", "e2e.lock");
});
afterEach(() => {
  for (const pid of daemons.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  for (const c of children.splice(0)) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

const script = (body: string) => `set -euo pipefail; LOG_TAG=$1; . ${COMMON}; ${body}`;

/** Starts `body` in bash; resolves with the child once it printed `ready`. */
function startHolder(tag: string, body: string): Promise<{ child: ChildProcess; out: () => string }> {
  const child = spawn("bash", ["-c", script(body), "_", tag], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("ready")) resolve({ child, out: () => out });
    });
    child.on("exit", (code) => reject(new Error(`${tag} exited (${code}) before it was ready: ${out}`)));
  });
}

/** The files a process has open. */
function openFiles(pid: number): string[] {
  const fds = path.join("/proc", String(pid), "fd");
  return readdirSync(fds).map((fd) => {
    try {
      return readlinkSync(path.join(fds, fd));
    } catch {
      return "";
    }
  });
}

test("a second holder waits, saying who holds it, and gets it once the first exits, though its daemon runs on", async () => {
  const first = await startHolder(
    "first",
    `hold_lock ${lock}; start_detached ${dir}/daemon.log sleep 60; echo "daemon $DETACHED_PID"; echo ready; sleep 2; echo leaving`,
  );
  const daemon = Number(/daemon (\d+)/.exec(first.out())![1]);
  daemons.push(daemon);
  expect(openFiles(daemon).filter((f) => f.startsWith(dir) && !f.endsWith("daemon.log"))).toEqual([]);

  const exited = new Promise((resolve) => first.child.on("exit", resolve));
  const started = Date.now();
  const second = spawnSync("bash", ["-c", script(`hold_lock ${lock}; echo got-it`), "_", "second"], { encoding: "utf8", timeout: 20_000 });
  const waited = Date.now() - started;
  await exited;
  expect(second.status).toBe(0);
  expect(second.stdout).toMatch(new RegExp(`waiting for ${lock.replace(/[.]/g, "\\.")}, held by: pid ${first.child.pid} in `));
  expect(second.stdout).toMatch(/got-it\n$/);
  // The first held it for about 2 s more; released within a second or so of its exit (tail --pid polls).
  expect(waited).toBeGreaterThan(1500);
  expect(waited).toBeLessThan(6000);
  expect(first.out()).toContain("leaving");
  // The daemon still runs and holds nothing of the lock.
  expect(() => process.kill(daemon, 0)).not.toThrow();
});

test("a holder that is killed releases the lock", async () => {
  const first = await startHolder("first", `hold_lock ${lock}; echo ready; sleep 60`);
  first.child.kill("SIGKILL");
  const started = Date.now();
  const second = spawnSync("bash", ["-c", script(`hold_lock ${lock}; echo got-it`), "_", "second"], { encoding: "utf8", timeout: 20_000 });
  expect(second.stdout).toMatch(/got-it\n$/);
  expect(Date.now() - started).toBeLessThan(5000);
});

test("an outer holder makes it nest: an entry point run inside does not wait for itself", async () => {
  const outer = spawnSync(
    "bash",
    ["-c", script(`hold_lock ${lock}; bash -c 'LOG_TAG=inner; . ${COMMON}; hold_lock ${lock}; echo inner-got-it'`), "_", "outer"],
    { encoding: "utf8", timeout: 10_000 },
  );
  expect(outer.status).toBe(0);
  expect(outer.stdout).toBe("inner-got-it\n");
});
