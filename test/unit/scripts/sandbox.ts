/**
 * Runs the project's own scripts (scripts/, images/) on this machine with a PATH made of
 * stand-ins and of links to the few real programs a test allows: what a script finds, installs or
 * refuses is decided by that PATH, not by what this machine happens to have.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export const ROOT = path.resolve(__dirname, "../../..");

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Where a program is on this process's PATH (resolved through links and shims: the real binary). */
export function realProgram(name: string): string {
  const r = spawnSync("bash", ["-c", `readlink -f "$(command -v ${name})"`], { encoding: "utf8" });
  const found = r.stdout.trim();
  if (r.status !== 0 || !found) throw new Error(`${name} is not on PATH`);
  return found;
}

/** The python3 interpreter itself (not a version manager's shim, which needs its own PATH). */
export function realPython(): string {
  const r = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`python3 did not run: ${r.stderr}`);
  return r.stdout.trim();
}

export class ScriptBox {
  readonly dir = mkdtempSync(path.join(tmpdir(), "pgs-scripts-"));
  readonly bin = path.join(this.dir, "bin");

  /** `allow`: real programs linked into the box's PATH (the script's basic tools). */
  constructor(allow: string[]) {
    mkdirSync(this.bin);
    for (const name of allow) symlinkSync(realProgram(name), path.join(this.bin, name));
  }

  path(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  /** A stand-in program `name` (a bash script) on the box's PATH. */
  stub(name: string, body: string): string {
    const file = path.join(this.bin, name);
    writeFileSync(file, `#!${realProgram("bash")}\n${body}\n`);
    chmodSync(file, 0o755);
    return file;
  }

  /** Runs `script` (relative to the repository) with bash, only the box's PATH and `env`. */
  run(script: string, args: string[], env: Record<string, string> = {}): Ran {
    const r = spawnSync(realProgram("bash"), [path.join(ROOT, script), ...args], {
      env: { PATH: this.bin, HOME: this.path("home"), ...env },
      encoding: "utf8",
      timeout: 60_000,
      cwd: this.dir,
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
