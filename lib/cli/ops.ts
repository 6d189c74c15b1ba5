/**
 * The commands that work offline or straight on the Docker host: validate, plan, schema, and the
 * backup and upgrade operations of lib/ops.
 */
import * as path from "node:path";
import type { RunResult } from "../offline/programRunner";
import { BackupContext, BackupError, backupNow, formatBackups, listBackups, restoreTenant, S3Source } from "../ops/backups";
import { kubernetesBackupHost } from "../ops/kubernetesBackups";
import { UpgradeError, upgradeTenant } from "../ops/upgrade";
import { SECRET_KEYS, StackSettings } from "../stackSettings";
import { tenantsJsonSchema } from "../tenants/schema";
import { BUILT_IN_DEFAULTS } from "../tenants/tenant";
import { loadOffline, Target } from "./context";
import { CliError, Io, printJson } from "./io";

export function validate(t: Target, io: Io, file: string | undefined): void {
  const { tenantsFile, tenants } = loadOffline(t, { ...(file ? { tenantsFile: file } : {}), checkSecrets: true });
  const running = tenants.filter((x) => x.state === "running").length;
  io.out(`${path.relative(process.cwd(), tenantsFile) || tenantsFile}: valid, ${tenants.length} tenant${tenants.length === 1 ? "" : "s"} (${running} running)`);
}

export function schema(io: Io): void {
  printJson(io, tenantsJsonSchema());
}

/** Registration order regrouped as a tree: each resource right after its parent, as `pulumi preview` shows them. */
function treeOrder(resources: RunResult["resources"]): RunResult["resources"] {
  const children = new Map<string | undefined, RunResult["resources"]>();
  const urns = new Set(resources.map((r) => r.urn));
  for (const r of resources) {
    const parent = r.parent && urns.has(r.parent) ? r.parent : undefined;
    const siblings = children.get(parent);
    if (siblings) siblings.push(r);
    else children.set(parent, [r]);
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

/** `pgs plan`: the program under Pulumi's mock runtime; every resource with its inputs, secrets shown as [secret]. */
export async function plan(t: Target, io: Io, file: string | undefined, json: boolean): Promise<void> {
  const { runProgram } = await import("../offline/programRunner");
  const { planMocks } = await import("../offline/planMocks");
  const result = await runProgram({
    projectDir: t.projectDir, stack: t.stack, mocks: planMocks, preview: true, ...(file ? { config: { tenantsFile: path.resolve(file) } } : {}),
  });
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
  if (json) return printJson(io, rows);
  io.out(`Plan for stack ${result.stack} (offline, under Pulumi's mock runtime; nothing is changed):`);
  for (const row of rows) {
    io.out(`\n+ ${row.type} ${row.name}${row.parent ? `  (parent: ${row.parent})` : ""}`);
    if ("options" in row && row.options) io.out(`    options: ${JSON.stringify(row.options)}`);
    for (const [key, value] of Object.entries(row.inputs)) {
      if (key === "__defaults") continue;
      io.out(`    ${key}: ${JSON.stringify(value)}`);
    }
  }
  io.out("\nOutputs:");
  for (const [key, value] of Object.entries(result.displayOutputs)) io.out(`    ${key}: ${JSON.stringify(value)}`);
  io.out(`\n${rows.length} resources.`);
}

export async function upgrade(t: Target, io: Io, id: string, to: number): Promise<void> {
  const { settings, tenantsFile, tenants } = loadOffline(t);
  if (settings.backend !== "docker") {
    throw new CliError(`pgs upgrade works on the Docker backend only; stack ${t.stack} runs on ${settings.backend} (docs/kubernetes.md: major versions)`);
  }
  const tenant = tenants.find((x) => x.id === id);
  if (!tenant) throw new CliError(`${tenantsFile}: no tenant "${id}"`);
  try {
    await upgradeTenant({ tenant, to, naming: settings.naming, targetImage: settings.postgresImage(to), tenantsFile, log: io.out });
  } catch (err) {
    if (err instanceof UpgradeError) throw new CliError(err.message);
    throw err;
  }
}

/** The S3 credentials: PGS_BACKUP_S3_ACCESS_KEY_ID / _SECRET_ACCESS_KEY, else the stack's secret config through the engine. */
async function s3Source(t: Target, settings: StackSettings): Promise<S3Source> {
  const s3 = settings.backupS3;
  if (!s3) throw new CliError(`--from-s3: stack ${t.stack} has no backupS3Endpoint`);
  const fromEnv = { accessKeyId: process.env.PGS_BACKUP_S3_ACCESS_KEY_ID, secretAccessKey: process.env.PGS_BACKUP_S3_SECRET_ACCESS_KEY };
  if (fromEnv.accessKeyId && fromEnv.secretAccessKey) return { ...s3, accessKeyId: fromEnv.accessKeyId, secretAccessKey: fromEnv.secretAccessKey };
  const { existingStack } = await import("./engine");
  const { stack } = await existingStack(t);
  return {
    ...s3,
    accessKeyId: (await stack.getConfig(SECRET_KEYS.backupS3AccessKeyId)).value,
    secretAccessKey: (await stack.getConfig(SECRET_KEYS.backupS3SecretAccessKey)).value,
  };
}

function backupContext(t: Target, io: Io, ids: string[]): { ctx: BackupContext; settings: StackSettings; tenantsFile: string; tenants: ReturnType<typeof loadOffline>["tenants"] } {
  const { settings, tenantsFile, tenants } = loadOffline(t);
  // A removed tenant's backups stay listable and restorable: its id is enough; its image is the default major's.
  const major = ids.map((id) => tenants.find((x) => x.id === id)?.postgres.version).find((m) => m !== undefined) ?? BUILT_IN_DEFAULTS.postgres.version;
  const image = settings.postgresImage(major);
  // On Kubernetes the same scripts run through kubectl, in the stack's cluster.
  const { kubeconfig } = settings.kubernetes;
  const host = settings.backend === "kubernetes"
    ? kubernetesBackupHost({ naming: settings.naming, image, ...(kubeconfig ? { kubeconfig: path.resolve(t.projectDir, kubeconfig) } : {}) })
    : undefined;
  return { ctx: { naming: settings.naming, image, log: io.out, ...(host ? { host } : {}) }, settings, tenantsFile, tenants };
}

async function backupErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof BackupError) throw new CliError(err.message);
    throw err;
  }
}

export async function backup(t: Target, io: Io, id: string): Promise<void> {
  const { ctx } = backupContext(t, io, [id]);
  io.out(await backupErrors(() => backupNow(ctx, id)));
}

export async function backups(t: Target, io: Io, id: string, json: boolean): Promise<void> {
  const { ctx } = backupContext(t, io, [id]);
  const found = await backupErrors(() => listBackups(ctx, id));
  if (json) return printJson(io, found);
  for (const line of formatBackups(found)) io.out(line);
}

export interface RestoreOptions { from?: string; toNewTenant?: string; fromS3: boolean; yes: boolean }

export async function restore(t: Target, io: Io, id: string, o: RestoreOptions, confirm: (question: string, expected: string) => Promise<boolean>): Promise<void> {
  const targetId = o.toNewTenant ?? id;
  const { ctx, settings, tenantsFile, tenants } = backupContext(t, io, [targetId, id]);
  const target = tenants.find((x) => x.id === targetId);
  if (!target) throw new CliError(`${tenantsFile}: no tenant "${targetId}" to restore into (add it, apply, then restore)`);
  const s3 = o.fromS3 ? await s3Source(t, settings) : undefined;
  await backupErrors(() => restoreTenant({
    ...ctx, source: id, target: { id: target.id, user: target.user, database: target.database },
    ...(o.from ? { from: o.from } : {}),
    ...(s3 ? { s3 } : {}),
    ...(o.yes ? {} : { confirm: (question: string) => confirm(question, target.id) }),
  }));
}
