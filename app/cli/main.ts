/**
 * `pgs`: every command defined once, here; `--help` on every level, `pgs help CMD` and shell
 * completion are generated from these definitions. Heavy modules (the engine, Pulumi's runtime)
 * load only in the commands that need them, so `--help` and `validate` start fast.
 * Exit codes: 0 done, 1 invalid input or failed operation, 2 usage error.
 */
// Node.js's own modules are imported statically: bin/pgs.js runs the bundle as a vm.Script, in
// which a real dynamic import() has no loader.
import { createInterface } from "node:readline";
import { createInterface as createPromptInterface } from "node:readline/promises";
import { Writable } from "node:stream";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { findProjectDir, SOURCE_DIR, sourceFile } from "../../lib/sourceDir";
import type { Target } from "./context";
import { CliError, EXIT, exitQuietlyWhenOutputCloses, type Io, processIo } from "./io";

const DEFAULT_STACK = "dev";
/** Errors about the operator's input, printed as their message lines (no stack trace). */
const INPUT_ERRORS = new Set(["InvalidInputError", "StackConfigError", "TenantsEditError"]);

const VERSION = (JSON.parse(sourceFile("package.json")) as { version: string }).version;

const integer =
  (what: string) =>
  (value: string): number => {
    if (!/^[0-9]+$/.test(value)) throw new InvalidArgumentError(`${what} must be a whole number`);
    return Number(value);
  };
const positive = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("must be a number above 0, e.g. 1 or 0.5");
  return n;
};
const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Reads a password without echo at a terminal, or the first line of standard input. */
async function readPassword(io: Io, source: "stdin" | "prompt"): Promise<string> {
  if (source === "prompt") {
    if (!io.interactive) throw new CliError("--password-prompt needs a terminal; use --password-stdin in scripts", 2);
    let muted = false;
    const output = new Writable({
      write: (chunk, _enc, done) => {
        if (!muted) process.stderr.write(chunk);
        done();
      },
    });
    const rl = createInterface({ input: io.stdin, output, terminal: true });
    const ask = (q: string) =>
      new Promise<string>((resolve) => {
        rl.question(q, resolve);
        muted = true;
      });
    try {
      const first = await ask("Password for the tenant (not shown): ");
      muted = false;
      process.stderr.write("\n");
      const second = await ask("Again: ");
      process.stderr.write("\n");
      if (first !== second) throw new CliError("the two passwords differ; nothing was changed");
      return first;
    } finally {
      rl.close();
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0];
}

/** Asks for `expected` to be typed back; refuses without a terminal. */
async function confirmByTyping(io: Io, question: string, expected: string): Promise<boolean> {
  if (!io.interactive) throw new CliError("this needs confirmation: run it at a terminal, or pass --yes; nothing was changed");
  const rl = createPromptInterface({ input: io.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim() === expected;
  } finally {
    rl.close();
  }
}

/** The commands, their arguments and options: the one definition help and completion come from. */
export function program(io: Io): Command {
  const root = new Command("pgs")
    .description("One PostgreSQL per tenant behind one TLS port: tenants.yaml, applied with Pulumi.")
    .version(VERSION, "-V, --version")
    .option("-s, --stack <name>", `the stack to work on (default: $PGS_STACK or ${DEFAULT_STACK})`)
    .showSuggestionAfterError(true)
    // Options after a command belong to it (create's --version is not pgs's --version).
    .enablePositionalOptions()
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true })
    .addHelpText(
      "after",
      `
Editing commands change tenants.yaml only; apply with --apply or pgs up (or commit the file and open a pull request).
Exit codes: 0 done, 1 invalid input or failed operation, 2 usage error.`,
    );
  let command: Command | undefined;
  // The project above the working directory (as git and pulumi find theirs), else this checkout.
  const t = (): Target => ({
    projectDir: findProjectDir(process.cwd()) ?? SOURCE_DIR,
    stack: command?.opts<{ stack?: string }>().stack || root.opts<{ stack?: string }>().stack || process.env.PGS_STACK || DEFAULT_STACK,
  });
  /** An editing command's edit, then --apply's pgs up or the next step (app/cli/edits.ts). */
  const edit = async (change: (edits: typeof import("./edits")) => Promise<import("./edits").Edited>, apply: boolean | undefined) => {
    const edits = await import("./edits");
    await edits.applyOrSayNext(t(), io, await change(edits), apply);
  };
  const applyOption = () => new Option("--apply", "apply the change now (pgs up --yes)");

  root
    .command("setup")
    .description("create or update the stack and its Pulumi.<stack>.yaml (local file backend by default)")
    .option("--backend <url>", "where the stack's state lives, e.g. s3://bucket/pgs or https://api.pulumi.com (recorded in Pulumi.yaml)")
    .option("--secrets-provider <url>", "for a new stack: passphrase (default), awskms://…, gcpkms://…, hashivault://…")
    .option("--base-domain <domain>", "tenants get <id>.<domain>")
    .option("--publish <addr:port>", "where clients connect, e.g. 0.0.0.0:5432 or 127.0.0.1:5432")
    .addOption(new Option("--certificate <mode>", "TLS certificate").choices(["selfSigned", "provided"]))
    .option("--certificate-file <pem>", "provided mode: the certificate chain")
    .option("--key-file <pem>", "provided mode: its private key (stored as a secret)")
    .option("--ca-file <pem>", "provided mode: the CA clients should trust")
    .addOption(
      new Option("--images <which>", "local images (images/build.sh) or the registry's; auto picks local when only those are here")
        .choices(["auto", "local", "default"])
        .default("auto"),
    )
    .action(async (o) => (await import("./setup")).setup(t(), io, o));

  root
    .command("create")
    .argument("<id>", "tenant id (a DNS label)")
    .description("add a tenant to tenants.yaml")
    .option("--hostname <name>", "SNI hostname (default <id>.<baseDomain>)")
    .option("--database <name>", "database and login role (default: the id with - as _)")
    .option("--version <major>", "PostgreSQL major", integer("--version"))
    .option("--memory <quantity>", "memory limit, e.g. 512Mi")
    .option("--cpus <n>", "CPU limit, e.g. 1 or 0.5", positive)
    .option("--storage <quantity>", "disk limit for its data and backups, e.g. 10Gi (grows, never shrinks)")
    .option("--allow <cidr>", "a client address or CIDR allowed to connect (repeat for more)", collect)
    .addOption(new Option("--password-stdin", "read the tenant's own password from standard input").conflicts("passwordPrompt"))
    .addOption(new Option("--password-prompt", "ask for the tenant's own password (not echoed)"))
    .addOption(applyOption())
    .action(async (id: string, o) => {
      const source = o.passwordStdin ? "stdin" : o.passwordPrompt ? "prompt" : undefined;
      await edit((e) => e.createTenant(t(), io, id, { ...o, ...(source ? { password: () => readPassword(io, source) } : {}) }), o.apply);
    });

  root
    .command("remove")
    .argument("<id>", "tenant id")
    .description("remove a tenant from tenants.yaml; its data is kept unless --purge")
    .option("--purge", "delete its data too: sets onRemove: delete first (asks for the id to be typed)")
    .option("-y, --yes", "with --purge: do not ask")
    .addOption(applyOption())
    .action(async (id: string, o) =>
      (await import("./edits")).removeCommand(t(), io, id, o, (question, expected) => confirmByTyping(io, question, expected)),
    );

  const state = (name: "start" | "stop", value: "running" | "stopped", what: string) =>
    root
      .command(name)
      .argument("[ids...]", "tenant ids (default: every tenant)")
      .description(what)
      .addOption(applyOption())
      .action(async (ids: string[], o) => edit((e) => e.setState(t(), io, ids, value), o.apply));
  state("start", "running", "set state: running (the default) for tenants; the container is created again, data kept");
  state("stop", "stopped", "set state: stopped: the container is removed, its volume and network kept");

  const terminateOption = (what: string) => new Option("--terminate", `with --apply: then end ${what}`);
  /** --terminate needs --apply: ended before the routing changes, the sessions would simply come back. */
  const terminating = (o: { apply?: boolean; terminate?: boolean }) => {
    if (o.terminate && !o.apply)
      throw new CliError("--terminate needs --apply: the sessions are ended once the change is applied", EXIT.usage);
    return Boolean(o.terminate);
  };
  root
    .command("enable-access")
    .argument("<id>", "tenant id")
    .description("route the tenant's hostname again (access: enabled)")
    .addOption(applyOption())
    .action(async (id: string, o) => edit((e) => e.setAccess(t(), io, id, "enabled"), o.apply));
  root
    .command("disable-access")
    .argument("<id>", "tenant id")
    .description("refuse new connections to the tenant; the server and its open sessions keep running (access: disabled)")
    .addOption(applyOption())
    .addOption(terminateOption("the tenant's open sessions"))
    .action(async (id: string, o) => {
      const terminate = terminating(o);
      await edit((e) => e.setAccess(t(), io, id, "disabled"), o.apply);
      if (terminate) await (await import("./edits")).terminateSessions(t(), io, id, "access disabled");
    });

  root
    .command("allow")
    .argument("<id>", "tenant id")
    .argument("<cidrs...>", "addresses or CIDRs")
    .description("add client addresses to the tenant's allowFrom")
    .addOption(applyOption())
    .action(async (id: string, cidrs: string[], o) => edit((e) => e.allow(t(), io, id, cidrs), o.apply));
  root
    .command("deny")
    .argument("<id>", "tenant id")
    .argument("<cidrs...>", "addresses or CIDRs")
    .description("remove client addresses from the tenant's allowFrom (never the last one)")
    .addOption(applyOption())
    .addOption(terminateOption("every open session of the tenant (the server cannot see client addresses behind the ingress)"))
    .action(async (id: string, cidrs: string[], o) => {
      const terminate = terminating(o);
      await edit((e) => e.deny(t(), io, id, cidrs), o.apply);
      if (terminate) await (await import("./edits")).terminateSessions(t(), io, id, "all of them: allowed clients reconnect");
    });

  root
    .command("list")
    .description("every tenant: file, last deployment and Docker host side by side, with drift")
    .option("--json", "for scripts")
    .action(async (o) => (await import("./inspect")).list(t(), io, Boolean(o.json)));
  root
    .command("status")
    .argument("[id]", "one tenant (default: all)")
    .description("live detail: health, uptime, data size, connections, last backup; the ingress's health")
    .option("--json", "for scripts")
    .action(async (id: string | undefined, o) => (await import("./inspect")).status(t(), io, id, Boolean(o.json)));
  root
    .command("credentials")
    .argument("<id>", "tenant id")
    .description("the tenant's connection string (the only command that prints a password)")
    .addOption(new Option("--psql", "a ready-to-run psql command with sslmode=verify-full and the CA in a file").conflicts("password"))
    .option("--password", 'the password alone (for PGPASSWORD="$(pgs credentials ID --password)")')
    .option("--json", "for scripts")
    .action(async (id: string, o) =>
      (await import("./inspect")).credentials(t(), io, id, { psql: Boolean(o.psql), password: Boolean(o.password), json: Boolean(o.json) }),
    );

  root
    .command("preview")
    .description("what pgs up would change, resource by resource (what changed or drifted since it was applied)")
    .option("--all", "preview every resource, not only what changed since it was applied")
    .option("--refresh", "read every resource from the hosts first (implies --all)")
    .action(async (o) => {
      await (await import("./engine")).preview(t(), io, { all: Boolean(o.all), refresh: Boolean(o.refresh) });
    });
  root
    .command("up")
    .description("apply tenants.yaml and the stack config (pulumi up) where they changed or drifted, with progress")
    .option("-y, --yes", "do not ask (needed when not at a terminal)")
    .option("--all", "build and apply every resource, not only what changed since it was applied")
    .option("--refresh", "read every resource from the hosts first (implies --all): schedule it, e.g. nightly")
    .action(async (o) => {
      await (await import("./engine")).up(t(), io, { yes: Boolean(o.yes), all: Boolean(o.all), refresh: Boolean(o.refresh) });
    });

  root
    .command("validate")
    .argument("[file]", "a tenants file (default: the stack's)")
    .description("check a tenants file; FILE:LINE:COL lines and exit 1 when invalid")
    .action(async (file: string | undefined) => (await import("./check")).validate(t(), io, file));
  root
    .command("plan")
    .argument("[file]", "a tenants file (default: the stack's)")
    .description("offline: every resource the program would register (secrets as [secret]), no engine needed")
    .option("--json", "for scripts")
    .action(async (file: string | undefined, o) => (await import("./check")).plan(t(), io, file, Boolean(o.json)));
  root
    .command("schema")
    .description("print tenants.schema.json (the JSON Schema of tenants.yaml)")
    .action(async () => (await import("./check")).schema(io));

  root
    .command("upgrade")
    .argument("<id>", "tenant id")
    .description("move a tenant's data to a newer PostgreSQL major (dump and restore on the Docker host)")
    .requiredOption("--to <major>", "the new major", integer("--to"))
    .action(async (id: string, o) => (await import("./ops")).upgrade(t(), io, id, o.to));
  root
    .command("limit-storage")
    .argument("<id>", "tenant id")
    .argument("<size>", "the limit, e.g. 10Gi")
    .description("give a tenant made without resources.storage a limit: its data is copied into a limited filesystem (Docker)")
    .option("-y, --yes", "do not ask for the tenant id to be typed")
    .action(async (id: string, size: string, o) =>
      (await import("./ops")).limitStorage(t(), io, id, size, Boolean(o.yes), (question, expected) =>
        confirmByTyping(io, question, expected),
      ),
    );
  root
    .command("backup")
    .argument("<id>", "tenant id")
    .description("take a backup now (the tenant needs backup: in tenants.yaml)")
    .action(async (id: string) => (await import("./ops")).backup(t(), io, id));
  root
    .command("backups")
    .argument("<id>", "tenant id")
    .description("the tenant's backups: name, UTC time, size, checksum")
    .option("--json", "for scripts")
    .action(async (id: string, o) => (await import("./ops")).backups(t(), io, id, Boolean(o.json)));
  root
    .command("restore")
    .argument("<id>", "the tenant whose backup to restore")
    .description("restore the newest (or --from) backup into the tenant, or into --to-new-tenant")
    .option("--from <name>", "a backup's name (pgs backups lists them)")
    .option("--to-new-tenant <id>", "restore into this (running) tenant instead")
    .option("--from-s3", "read the backup from the stack's S3 target")
    .option("-y, --yes", "do not ask for the tenant id to be typed")
    .action(async (id: string, o) =>
      (await import("./ops")).restore(
        t(),
        io,
        id,
        { from: o.from, toNewTenant: o.toNewTenant, fromS3: Boolean(o.fromS3), yes: Boolean(o.yes) },
        (question, expected) => confirmByTyping(io, question, expected),
      ),
    );

  root
    .command("completion")
    .argument("<shell>", "bash or zsh")
    .description('a shell completion script: eval "$(pgs completion bash)"')
    .action(async (shell: string) => {
      if (shell !== "bash" && shell !== "zsh") throw new CliError(`no completion for ${shell}: bash or zsh`, 2);
      io.out((await import("./completion")).completionScript(root, shell));
    });
  for (const cmd of root.commands) {
    if (cmd.name() !== "schema" && cmd.name() !== "completion") cmd.option("-s, --stack <name>", "the stack to work on");
    cmd.hook("preAction", (_self, action) => {
      command = action;
    });
  }
  return root;
}

/** Runs `pgs` with `argv` (without node and the script); returns the exit code. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const root = program(io);
  root.exitOverride();
  root.configureOutput({
    writeOut: (s) => io.out(s.replace(/\n$/, "")),
    writeErr: (s) => io.err(s.replace(/\n$/, "")),
    outputError: (s, write) => write(`${s.trim()} (pgs --help)\n`),
  });
  for (const cmd of root.commands) {
    cmd.exitOverride();
    cmd.configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, "")),
      writeErr: (s) => io.err(s.replace(/\n$/, "")),
      outputError: (s, write) => write(`${s.trim()} (pgs ${cmd.name()} --help)\n`),
    });
  }
  try {
    await root.parseAsync(argv, { from: "user" });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with code 0; everything else commander rejects is a usage error.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof CliError) {
      io.err(err.message);
      return err.exitCode;
    }
    if (err instanceof Error && INPUT_ERRORS.has(err.name)) {
      io.err(err.message);
      return EXIT.failed;
    }
    io.err((err as Error).message ?? String(err));
    return EXIT.failed;
  }
}

/** A gRPC status of a call to an engine that is gone: UNAVAILABLE (14) or CANCELLED (1). */
function engineGone(reason: unknown): boolean {
  const code = (reason as { code?: unknown } | null)?.code;
  return code === 14 || code === 1;
}

/**
 * `pgs` as a process (bin/pgs.js); tests call main(). The SDK re-raises a failed resource RPC as
 * an unhandled rejection on purpose (@pulumi/pulumi runtime/resource.ts, runAsyncResourceOp), and
 * when the engine's CLI has died (killed, out of memory) each RPC still in flight fails that way
 * with gRPC UNAVAILABLE: without a listener Node would end pgs with a stack trace before it can
 * say what happened. Those add nothing to the failed run's own error; any other unhandled
 * rejection outside an engine run (whose language server then listens too) is a bug, reported
 * as one.
 */
export function runCommand(argv: string[]): void {
  exitQuietlyWhenOutputCloses();
  process.on("unhandledRejection", (reason) => {
    if (engineGone(reason) || process.listenerCount("unhandledRejection") > 1) return;
    process.stderr.write(`pgs: internal error (please report it): ${(reason as Error)?.stack ?? String(reason)}\n`);
    process.exit(EXIT.failed);
  });
  void main(argv).then((code) => {
    process.exitCode = code;
  });
}
