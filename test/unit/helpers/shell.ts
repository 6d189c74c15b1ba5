/**
 * Runs the real container scripts (lib/postgres/files/) on this machine with stand-ins for
 * the server programs they call (pg_dump, pg_isready, rclone, date, sleep …) placed first on
 * PATH: the scripts' own logic runs for real, only the programs around them are scripted.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export const SCRIPTS = path.resolve(__dirname, "../../../lib/postgres/files");

export interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

export class Sandbox {
  readonly dir = mkdtempSync(path.join(tmpdir(), "pgs-script-"));
  readonly bin = path.join(this.dir, "bin");

  constructor() {
    writeFileSync(path.join(this.dir, ".keep"), "");
    spawnSync("mkdir", ["-p", this.bin]);
  }

  /** A stand-in program named `name` on the script's PATH. */
  stub(name: string, body: string): void {
    const file = path.join(this.bin, name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
  }

  path(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  /** Runs `script` (a file name under lib/postgres/files) with sh, `args` and exactly `env` (+ PATH). */
  run(script: string, args: string[], env: Record<string, string>, input = ""): ScriptRun {
    const r = spawnSync("sh", [path.join(SCRIPTS, script), ...args], {
      env: { PATH: `${this.bin}:/usr/bin:/bin`, ...env },
      input,
      encoding: "utf8",
      timeout: 20_000,
      cwd: this.dir,
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
