/**
 * `pgs`: offline commands over the same code the Pulumi program runs.
 *   pgs validate [FILE] [--stack NAME]
 *   pgs plan [FILE] [--stack NAME] [--json]
 *   pgs schema
 *   pgs upgrade TENANT --to MAJOR [--stack NAME]
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { InvalidInputError } from "./problems";
import { planMocks } from "./planMocks";
import { RunResult, runProgram, stackConfig } from "./programRunner";
import { readStackSettings, StackConfigError } from "./stackSettings";
import { loadTenantsFile } from "./tenantsFile";
import { tenantsJsonSchema } from "./tenantSchema";
import { upgradeTenant } from "./upgrade";

const USAGE = `usage:
  pgs validate [FILE] [--stack NAME]          check tenants.yaml; exit 1 with FILE:LINE:COL lines if invalid
  pgs plan [FILE] [--stack NAME] [--json]     every resource the program would register (secrets as [secret])
  pgs schema                                  print tenants.schema.json (the JSON Schema of tenants.yaml)
  pgs upgrade TENANT --to MAJOR [--stack NAME]
                                              move a tenant's data to a newer PostgreSQL major (dump and
                                              restore on the stack's Docker host; DOCKER_HOST honoured)`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

interface Parsed { command?: string; file?: string; stack: string; json: boolean; to?: number }

function parseArgs(argv: string[]): Parsed {
  const parsed: Parsed = { stack: "dev", json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--json") parsed.json = true;
    else if (arg === "--stack") parsed.stack = argv[++i] ?? "";
    else if (arg.startsWith("--stack=")) parsed.stack = arg.slice("--stack=".length);
    else if (arg === "--to") parsed.to = Number(argv[++i]);
    else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else if (!parsed.command) parsed.command = arg;
    else if (!parsed.file) parsed.file = arg;
    else throw new UsageError(`unexpected argument ${arg}`);
  }
  if (!parsed.stack) throw new UsageError("--stack needs a name");
  return parsed;
}

class UsageError extends Error {}

export async function main(argv: string[], io: CliIo, projectDir = path.resolve(__dirname, "..")): Promise<number> {
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
  const { project, config } = stackConfig(projectDir, args.stack);
  const settings = readStackSettings((key) => config[`${project}:${key}`], project, args.stack);
  const tenantsFile = path.resolve(projectDir, settings.tenantsFile);
  const tenant = loadTenantsFile(tenantsFile, { baseDomain: settings.baseDomain, certificateNames: settings.certificateNames })
    .find((t) => t.id === tenantId);
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

function validate(projectDir: string, stack: string, overrides: Record<string, string>, io: CliIo): number {
  const { project, config } = stackConfig(projectDir, stack, overrides);
  const settings = readStackSettings((key) => config[`${project}:${key}`], project, stack);
  const file = path.resolve(projectDir, settings.tenantsFile);
  const tenants = loadTenantsFile(file, {
    baseDomain: settings.baseDomain,
    certificateNames: settings.certificateNames,
    secretConfig: (key) => config[key.includes(":") ? key : `${project}:${key}`],
    stack,
  });
  const running = tenants.filter((t) => t.state === "running").length;
  io.out(`${path.relative(process.cwd(), file) || file}: valid, ${tenants.length} tenant${tenants.length === 1 ? "" : "s"} (${running} running)`);
  return 0;
}

function printPlan(result: RunResult, json: boolean, io: CliIo): number {
  const rows = result.resources.map((r) => ({
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
