/**
 * `pgs`: offline commands over the same code the Pulumi program runs.
 *   pgs validate [FILE] [--stack NAME]
 *   pgs plan [FILE] [--stack NAME] [--json]
 *   pgs schema
 *   pgs upgrade TENANT --to MAJOR [--stack NAME]
 *   pgs backup TENANT | pgs backups TENANT | pgs restore TENANT [--from NAME] [--to-new-tenant ID] [--from-s3] [--yes]
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { createInterface } from "node:readline/promises";
import * as pulumi from "@pulumi/pulumi";
import { BackupContext, BackupError, backupNow, formatBackups, listBackups, restoreTenant, S3Source } from "./backups";
import { planMocks } from "../offline/planMocks";
import { RunResult, runProgram, stackConfig } from "../offline/programRunner";
import { LoadedStack, loadStack as loadProjectStack, SOURCE_DIR } from "../project";
import { SECRET_KEYS, StackConfigError, StackSettings } from "../stackSettings";
import { InvalidInputError } from "../tenants/problems";
import { tenantsJsonSchema } from "../tenants/schema";
import { BUILT_IN_DEFAULTS } from "../tenants/tenant";
import { upgradeTenant } from "./upgrade";

const USAGE = `usage:
  pgs validate [FILE] [--stack NAME]          check tenants.yaml; exit 1 with FILE:LINE:COL lines if invalid
  pgs plan [FILE] [--stack NAME] [--json]     every resource the program would register (secrets as [secret])
  pgs schema                                  print tenants.schema.json (the JSON Schema of tenants.yaml)
  pgs upgrade TENANT --to MAJOR [--stack NAME]
                                              move a tenant's data to a newer PostgreSQL major (dump and
                                              restore on the stack's Docker host; DOCKER_HOST honoured)
  pgs backup TENANT [--stack NAME]            take a backup now (the tenant needs backup: in tenants.yaml)
  pgs backups TENANT [--stack NAME]           list the tenant's backups: name, UTC time, size, checksum ok/BAD
  pgs restore TENANT [--from NAME] [--to-new-tenant ID] [--from-s3] [--yes] [--stack NAME]
                                              restore the newest (or NAME) backup of TENANT into TENANT, or into
                                              the running tenant ID; --from-s3 reads it from the S3 target;
                                              asks to type the tenant id unless --yes`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

interface Parsed {
  command?: string; file?: string; stack: string; json: boolean; to?: number;
  from?: string; toNewTenant?: string; yes: boolean; fromS3: boolean;
}

function parseArgs(argv: string[]): Parsed {
  const parsed: Parsed = { stack: "dev", json: false, yes: false, fromS3: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--json") parsed.json = true;
    else if (arg === "--stack") parsed.stack = argv[++i] ?? "";
    else if (arg.startsWith("--stack=")) parsed.stack = arg.slice("--stack=".length);
    else if (arg === "--to") parsed.to = Number(argv[++i]);
    else if (arg === "--from") parsed.from = argv[++i] ?? "";
    else if (arg === "--to-new-tenant") parsed.toNewTenant = argv[++i] ?? "";
    else if (arg === "--yes" || arg === "-y") parsed.yes = true;
    else if (arg === "--from-s3") parsed.fromS3 = true;
    else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else if (!parsed.command) parsed.command = arg;
    else if (!parsed.file) parsed.file = arg;
    else throw new UsageError(`unexpected argument ${arg}`);
  }
  if (!parsed.stack) throw new UsageError("--stack needs a name");
  return parsed;
}

class UsageError extends Error {}

export async function main(argv: string[], io: CliIo, projectDir = SOURCE_DIR): Promise<number> {
  let args: Parsed;
  try {
    args = parseArgs(argv);
  } catch (err) {
    io.err(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const overrides: Record<string, string> = args.file ? { tenantsFile: path.resolve(args.file) } : {};
  try {
    switch (args.command) {
      case "validate":
        return validate(projectDir, args.stack, overrides, io);
      case "schema":
        io.out(JSON.stringify(tenantsJsonSchema(), null, 2));
        return 0;
      case "upgrade":
        return await upgrade(projectDir, args, io);
      case "backup":
      case "backups":
      case "restore":
        return await backups(projectDir, args, io);
      case "plan":
        return printPlan(await runProgram({ projectDir, stack: args.stack, config: overrides, mocks: planMocks }), args.json, io);
      default:
        io.err(USAGE);
        return args.command === undefined || args.command === "help" ? 0 : 2;
    }
  } catch (err) {
    if (err instanceof InvalidInputError || err instanceof StackConfigError || err instanceof pulumi.RunError) {
      io.err(err.message);
      return 1;
    }
    throw err;
  }
}

async function upgrade(projectDir: string, args: Parsed, io: CliIo): Promise<number> {
  const tenantId = args.file;
  if (!tenantId || args.to === undefined || !Number.isInteger(args.to)) {
    io.err(`pgs upgrade needs a tenant and --to MAJOR\n${USAGE}`);
    return 2;
  }
  const { settings, tenantsFile, tenants } = loadStack(projectDir, args.stack);
  const tenant = tenants.find((t) => t.id === tenantId);
  if (!tenant) {
    io.err(`${tenantsFile}: no tenant "${tenantId}"`);
    return 1;
  }
  try {
    await upgradeTenant({
      tenant, to: args.to, naming: settings.naming, targetImage: settings.postgresImage(args.to), tenantsFile, log: io.out,
    });
    return 0;
  } catch (err) {
    io.err((err as Error).message);
    return 1;
  }
}

/** The S3 credentials: PGS_BACKUP_S3_ACCESS_KEY_ID / _SECRET_ACCESS_KEY, else the stack's secret config via the pulumi CLI. */
function s3Source(settings: StackSettings, stack: string, projectDir: string): S3Source {
  const s3 = settings.backupS3;
  if (!s3) throw new BackupError(`--from-s3: the stack ${stack} has no backupS3Endpoint`);
  const secret = (env: string, key: string) => process.env[env] ?? execFileSync("pulumi", ["config", "get", key, "--stack", stack, "--cwd", projectDir], { encoding: "utf8" }).trim();
  return {
    ...s3,
    accessKeyId: secret("PGS_BACKUP_S3_ACCESS_KEY_ID", SECRET_KEYS.backupS3AccessKeyId),
    secretAccessKey: secret("PGS_BACKUP_S3_SECRET_ACCESS_KEY", SECRET_KEYS.backupS3SecretAccessKey),
  };
}

async function backups(projectDir: string, args: Parsed, io: CliIo): Promise<number> {
  const tenantId = args.file;
  if (!tenantId) {
    io.err(`pgs ${args.command} needs a tenant\n${USAGE}`);
    return 2;
  }
  const { settings, tenantsFile, tenants } = loadStack(projectDir, args.stack);
  // A removed tenant's backups are still listed and restorable: its id is enough for the source.
  const source = tenants.find((t) => t.id === tenantId);
  const targetId = args.toNewTenant ?? tenantId;
  const target = tenants.find((t) => t.id === targetId);
  const image = settings.postgresImage(target?.postgres.version ?? source?.postgres.version ?? BUILT_IN_DEFAULTS.postgres.version);
  const ctx: BackupContext = { naming: settings.naming, image, log: io.out };
  try {
    if (args.command === "backup") {
      io.out(await backupNow(ctx, tenantId));
    } else if (args.command === "backups") {
      for (const line of formatBackups(await listBackups(ctx, tenantId))) io.out(line);
    } else {
      if (!target) {
        io.err(`${tenantsFile}: no tenant "${targetId}" to restore into (add it, apply, then restore)`);
        return 1;
      }
      await restoreTenant({
        ...ctx, source: tenantId, target: { id: target.id, user: target.user, database: target.database },
        ...(args.from ? { from: args.from } : {}),
        ...(args.fromS3 ? { s3: s3Source(settings, args.stack, projectDir) } : {}),
        ...(args.yes ? {} : { confirm: (question: string) => confirmByTyping(question, target.id) }),
      });
    }
    return 0;
  } catch (err) {
    if (err instanceof BackupError) {
      io.err(err.message);
      return 1;
    }
    throw err;
  }
}

async function confirmByTyping(question: string, expected: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new BackupError("restore needs confirmation: run it in a terminal, or pass --yes; nothing was changed");
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim() === expected;
  } finally {
    rl.close();
  }
}

/**
 * The stack's settings and tenants, read as the program reads them. `checkSecrets` also
 * checks that the secrets they name are set; the operator commands skip that.
 */
function loadStack(projectDir: string, stack: string, options: { overrides?: Record<string, string>; checkSecrets?: boolean } = {}): LoadedStack {
  const { project, config, secretKeys } = stackConfig(projectDir, stack, options.overrides);
  const plain = (key: string) => config[`${project}:${key}`];
  return loadProjectStack({
    projectDir, project, stack, config: plain,
    ...(options.checkSecrets ? { secretConfig: (key: string) => (secretKeys.includes(`${project}:${key}`) ? plain(key) : undefined) } : {}),
  });
}

function validate(projectDir: string, stack: string, overrides: Record<string, string>, io: CliIo): number {
  const { tenantsFile: file, tenants } = loadStack(projectDir, stack, { overrides, checkSecrets: true });
  const running = tenants.filter((t) => t.state === "running").length;
  io.out(`${path.relative(process.cwd(), file) || file}: valid, ${tenants.length} tenant${tenants.length === 1 ? "" : "s"} (${running} running)`);
  return 0;
}

/** Registration order regrouped as a tree: each resource right after its parent, as `pulumi preview` shows them. */
function treeOrder(resources: RunResult["resources"]): RunResult["resources"] {
  const children = new Map<string | undefined, RunResult["resources"]>();
  const urns = new Set(resources.map((r) => r.urn));
  for (const r of resources) {
    const parent = r.parent && urns.has(r.parent) ? r.parent : undefined;
    children.set(parent, [...(children.get(parent) ?? []), r]);
  }
  const ordered: RunResult["resources"] = [];
  const visit = (parent: string | undefined) => {
    for (const r of children.get(parent) ?? []) {
      ordered.push(r);
      visit(r.urn);
    }
  };
  visit(undefined);
  return ordered;
}

function printPlan(result: RunResult, json: boolean, io: CliIo): number {
  const rows = treeOrder(result.resources).map((r) => ({
    type: r.type,
    name: r.name,
    parent: r.parent ? r.parent.split("::").pop() : null,
    inputs: r.displayInputs,
    ...(r.options.retainOnDelete || r.options.deleteBeforeReplace || r.options.replaceOnChanges.length > 0
      ? { options: {
        ...(r.options.retainOnDelete ? { retainOnDelete: true } : {}),
        ...(r.options.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
        ...(r.options.replaceOnChanges.length > 0 ? { replaceOnChanges: r.options.replaceOnChanges } : {}),
      } } : {}),
  }));
  if (json) {
    io.out(JSON.stringify(rows, null, 2));
    return 0;
  }
  io.out(`Plan for stack ${result.stack} (offline, under Pulumi's mock runtime; nothing is changed):`);
  for (const row of rows) {
    io.out(`\n+ ${row.type} ${row.name}${row.parent ? `  (parent: ${row.parent})` : ""}`);
    if ("options" in row && row.options) io.out(`    options: ${JSON.stringify(row.options)}`);
    for (const [key, value] of Object.entries(row.inputs)) {
      if (key === "__defaults") continue;
      io.out(`    ${key}: ${JSON.stringify(value)}`);
    }
  }
  io.out(`\nOutputs:`);
  for (const [key, value] of Object.entries(result.displayOutputs)) io.out(`    ${key}: ${JSON.stringify(value)}`);
  io.out(`\n${rows.length} resources.`);
  return 0;
}
