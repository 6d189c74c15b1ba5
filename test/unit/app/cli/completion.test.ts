/**
 * app/cli/completion.ts: the bash and zsh completion scripts generated from the command
 * definitions. The bash script is run in a real bash (no terminal): COMP_WORDS in, COMPREPLY out.
 */
import { spawnSync } from "node:child_process";
import { Command } from "commander";
import { completionScript } from "../../../../app/cli/completion";
import type { Io } from "../../../../app/cli/io";
import { program } from "../../../../app/cli/main";

/** A small CLI of the same shape as pgs's: root options, commands with their own (some with short flags). */
function fixture(): Command {
  const root = new Command("pgs").version("1.0.0", "-V, --version").option("-s, --stack <name>", "stack");
  root.command("create").argument("<id>").option("--memory <size>").option("--version <major>").option("-y, --yes");
  root.command("list").option("--json");
  root.command("schema");
  return root;
}

/** What bash offers for `words` (the last one the word being completed). */
function complete(script: string, words: string[]): string[] {
  const r = spawnSync(
    "bash",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell script: ${COMPREPLY[@]} is its own
    ["-c", 'eval "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _pgs; printf "%s\\n" "${COMPREPLY[@]}"', "_", script, ...words],
    { encoding: "utf8", timeout: 10_000 },
  );
  if (r.status !== 0) throw new Error(`bash failed (${r.status}): ${r.stderr}`);
  return r.stdout.split("\n").filter(Boolean);
}

const BASH = completionScript(fixture(), "bash");

test("the bash script is valid bash and registers _pgs for pgs", () => {
  const syntax = spawnSync("bash", ["-n"], { input: BASH, encoding: "utf8" });
  expect({ status: syntax.status, stderr: syntax.stderr }).toEqual({ status: 0, stderr: "" });
  const registered = spawnSync("bash", ["-c", 'eval "$1"; complete -p pgs', "_", BASH], { encoding: "utf8" });
  expect(registered.stdout.trim()).toBe("complete -F _pgs pgs");
});

test("the first word completes to the commands, help and the global flags", () => {
  expect(complete(BASH, ["pgs", ""]).sort()).toEqual(["--help", "--stack", "--version", "-V", "-s", "create", "help", "list", "schema"]);
  expect(complete(BASH, ["pgs", "cr"])).toEqual(["create"]);
  expect(complete(BASH, ["pgs", "--st"])).toEqual(["--stack"]);
});

test("a root option's value is not taken for the command", () => {
  expect(complete(BASH, ["pgs", "--stack", "dev", "li"])).toEqual(["list"]);
  expect(complete(BASH, ["pgs", "-s", "prod", "list", "--j"])).toEqual(["--json"]);
});

test("the root's own options are not offered after a command that does not take them", () => {
  expect(complete(BASH, ["pgs", "list", "-"]).sort()).toEqual(["--help", "--json"]);
});

test("after a command: its own options, long and short, and --help", () => {
  const offered = complete(BASH, ["pgs", "create", "-"]);
  expect(offered).toEqual(expect.arrayContaining(["--memory", "--version", "--yes", "-y", "--help"]));
  expect(offered).not.toContain("--json");
  expect(complete(BASH, ["pgs", "list", "--j"])).toEqual(["--json"]);
});

test("the command is found past its arguments and earlier options", () => {
  expect(complete(BASH, ["pgs", "create", "acme", "--yes", "--mem"])).toEqual(["--memory"]);
  expect(complete(BASH, ["pgs", "-V", "create", "--mem"])).toEqual(["--memory"]);
});

test("a word that matches nothing offers nothing; an unknown command offers no options", () => {
  expect(complete(BASH, ["pgs", "zz"])).toEqual([]);
  expect(complete(BASH, ["pgs", "frobnicate", "--"])).toEqual([]);
});

test("the zsh script loads bashcompinit first, then runs the same completion", () => {
  const zsh = completionScript(fixture(), "zsh");
  const lines = zsh.split("\n");
  expect(lines[0]).toBe('# pgs completion for zsh: eval "$(pgs completion zsh)"');
  expect(lines[1]).toBe("autoload -U +X bashcompinit && bashcompinit");
  expect(lines.slice(2).join("\n")).toBe(BASH);
  expect(BASH.split("\n")[0]).toBe('# pgs completion for bash: eval "$(pgs completion bash)"');
});

test("pgs's own commands each get their options, --stack included where the command takes it", () => {
  const io: Io = { out: () => {}, err: () => {}, interactive: false, color: false, stdin: process.stdin };
  const root = program(io);
  const script = completionScript(root, "bash");
  const commands = complete(script, ["pgs", ""]);
  for (const cmd of root.commands) expect(commands).toContain(cmd.name());
  expect(complete(script, ["pgs", "create", "--stack"])).toEqual(expect.arrayContaining(["--stack"]));
  expect(complete(script, ["pgs", "restore", "--from"])).toEqual(expect.arrayContaining(["--from", "--from-s3"]));
});
