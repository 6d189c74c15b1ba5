/**
 * lib/hosts/dockerCli.ts: how the wrapper reads a docker command's end. `docker` here is a
 * stand-in script on PATH, since what is tested is the pipe handling, not Docker.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { docker, dockerStream, envArgs, labelArgs } from "../../../../lib/hosts/dockerCli";

let bin: string;
const path = process.env.PATH;

function stub(script: string): void {
  writeFileSync(join(bin, "docker"), `#!/bin/sh\n${script}\n`);
  chmodSync(join(bin, "docker"), 0o755);
}

beforeEach(() => {
  bin = mkdtempSync(join(tmpdir(), "pgs-dockercli-"));
  process.env.PATH = `${bin}:${path}`;
});
afterEach(() => {
  process.env.PATH = path;
  rmSync(bin, { recursive: true, force: true });
});

test("a command that exits before reading a large input gives its exit code, not EPIPE", async () => {
  stub('echo "no such container" >&2; exit 3');
  const input = "x".repeat(4 * 1024 * 1024);
  await expect(docker(["exec", "-i", "c"], { input, allowFailure: true })).resolves.toMatchObject({ code: 3 });
  await expect(docker(["exec", "-i", "c"], { input })).rejects.toThrow("docker exec failed (exit 3): no such container");
});

test("a command without input sees end of file at once, and its output is returned", async () => {
  stub('cat; echo "out $1"; echo warn >&2');
  await expect(docker(["volume", "inspect", "v"])).resolves.toEqual({ stdout: "out volume\n", stderr: "warn\n", code: 0 });
});

test("input reaches the command whole", async () => {
  stub("wc -c");
  const r = await docker(["exec", "-i", "c"], { input: "abc\n" });
  expect(r.stdout.trim()).toBe("4");
});

test("dockerStream: a command that exits before reading its input file rejects with its exit code", async () => {
  stub("exit 2");
  const file = join(bin, "dump");
  writeFileSync(file, "y".repeat(4 * 1024 * 1024));
  await expect(dockerStream(["exec", "-i", "c"], { stdinFile: file })).rejects.toThrow("exit 2");
});

test("argument helpers", () => {
  expect(labelArgs({ a: "1", b: "2" })).toEqual(["--label", "a=1", "--label", "b=2"]);
  expect(envArgs({ A: "1" })).toEqual(["-e", "A=1"]);
});

test("dockerStream: an input file that cannot be read rejects, and ends the command", async () => {
  stub("sleep 5");
  await expect(dockerStream(["exec", "-i", "c"], { stdinFile: join(bin, "missing") })).rejects.toThrow(/ENOENT/);
});
