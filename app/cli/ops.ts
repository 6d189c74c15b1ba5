/**
 * The commands that work straight on the hosts: the backup, restore and upgrade operations of
 * app/ops, on the stack's backend's host (offline checks: check.ts).
 */
import type { S3Source } from "../../backends/host";
import { MIN_STORAGE_MIB } from "../../lib/tenants/file";
import { quantityToMiB } from "../../lib/tenants/quantity";
import { SECRET_KEYS, type StackSettings } from "../../lib/stackSettings";
import { BUILT_IN_DEFAULTS } from "../../lib/tenants/tenant";
import { type BackupContext, backupNow, formatBackups, listBackups, restoreTenant } from "../ops/backups";
import { loadOffline, type Target } from "./context";
import { CliError, type Io, printJson } from "./io";

export async function upgrade(t: Target, io: Io, id: string, to: number): Promise<void> {
  const { settings, tenantsFile, tenants, backend } = loadOffline(t);
  const { upgrade: run } = backend.host({ settings, projectDir: t.projectDir });
  if (typeof run === "string") throw new CliError(`${run}; stack ${t.stack} runs on ${settings.backend}`);
  const tenant = tenants.find((x) => x.id === id);
  if (!tenant) throw new CliError(`${tenantsFile}: no tenant "${id}"`);
  await run({ tenant, to, naming: settings.naming, targetImage: settings.postgresImage(to), tenantsFile, log: io.out });
}

/** `pgs limit-storage ID SIZE`: the plan, then (once the id is typed, or --yes) the host's step. */
export async function limitStorage(
  t: Target,
  io: Io,
  id: string,
  size: string,
  yes: boolean,
  confirm: (question: string, expected: string) => Promise<boolean>,
): Promise<void> {
  const { settings, tenantsFile, tenants, backend } = loadOffline(t);
  const { limitStorage: run } = backend.host({ settings, projectDir: t.projectDir });
  if (typeof run === "string") throw new CliError(run);
  const tenant = tenants.find((x) => x.id === id);
  if (!tenant) throw new CliError(`${tenantsFile}: no tenant "${id}"`);
  const storageMiB = /^[1-9][0-9]{0,6}(Mi|Gi|Ti)$/.test(size) ? quantityToMiB(size) : undefined;
  if (storageMiB === undefined)
    throw new CliError(`size ${JSON.stringify(size)} must be a whole number with a unit Mi, Gi or Ti, e.g. 10Gi`, 2);
  if (storageMiB < MIN_STORAGE_MIB) throw new CliError(`size ${size} is too small: a server needs at least ${MIN_STORAGE_MIB}Mi`, 2);
  await run({
    tenant,
    storage: size,
    storageMiB,
    naming: settings.naming,
    storageDir: settings.storageDir,
    image: settings.postgresImage(tenant.postgres.version),
    tenantsFile,
    confirm: async () => yes || confirm(`Type the tenant id (${id}) to go on: `, id),
    log: io.out,
  });
}

/** The S3 credentials: PGS_BACKUP_S3_ACCESS_KEY_ID / _SECRET_ACCESS_KEY, else the stack's secret config through the engine. */
async function s3Source(t: Target, settings: StackSettings): Promise<S3Source> {
  const s3 = settings.backupS3;
  if (!s3) throw new CliError(`--from-s3: stack ${t.stack} has no backupS3Endpoint`);
  const fromEnv = { accessKeyId: process.env.PGS_BACKUP_S3_ACCESS_KEY_ID, secretAccessKey: process.env.PGS_BACKUP_S3_SECRET_ACCESS_KEY };
  if (fromEnv.accessKeyId && fromEnv.secretAccessKey)
    return { ...s3, accessKeyId: fromEnv.accessKeyId, secretAccessKey: fromEnv.secretAccessKey };
  const { existingStack } = await import("./stack");
  const { stack } = await existingStack(t);
  return {
    ...s3,
    accessKeyId: (await stack.getConfig(SECRET_KEYS.backupS3AccessKeyId)).value,
    secretAccessKey: (await stack.getConfig(SECRET_KEYS.backupS3SecretAccessKey)).value,
  };
}

function backupContext(
  t: Target,
  io: Io,
  ids: string[],
): { ctx: BackupContext; settings: StackSettings; tenantsFile: string; tenants: ReturnType<typeof loadOffline>["tenants"] } {
  const { settings, tenantsFile, tenants, backend } = loadOffline(t);
  // A removed tenant's backups stay listable and restorable: its id is enough; its image is the default major's.
  const major =
    ids.map((id) => tenants.find((x) => x.id === id)?.postgres.version).find((m) => m !== undefined) ?? BUILT_IN_DEFAULTS.postgres.version;
  const host = backend.host({ settings, projectDir: t.projectDir }).backups(settings.postgresImage(major));
  return { ctx: { host, log: io.out }, settings, tenantsFile, tenants };
}

export async function backup(t: Target, io: Io, id: string): Promise<void> {
  const { ctx } = backupContext(t, io, [id]);
  io.out(await backupNow(ctx, id));
}

export async function backups(t: Target, io: Io, id: string, json: boolean): Promise<void> {
  const { ctx } = backupContext(t, io, [id]);
  const found = await listBackups(ctx, id);
  if (json) return printJson(io, found);
  for (const line of formatBackups(found)) io.out(line);
}

export interface RestoreOptions {
  from?: string;
  toNewTenant?: string;
  fromS3: boolean;
  yes: boolean;
}

export async function restore(
  t: Target,
  io: Io,
  id: string,
  o: RestoreOptions,
  confirm: (question: string, expected: string) => Promise<boolean>,
): Promise<void> {
  const targetId = o.toNewTenant ?? id;
  const { ctx, settings, tenantsFile, tenants } = backupContext(t, io, [targetId, id]);
  const target = tenants.find((x) => x.id === targetId);
  if (!target) throw new CliError(`${tenantsFile}: no tenant "${targetId}" to restore into (add it, apply, then restore)`);
  const s3 = o.fromS3 ? await s3Source(t, settings) : undefined;
  await restoreTenant({
    ...ctx,
    source: id,
    target: { id: target.id, user: target.user, database: target.database },
    ...(o.from ? { from: o.from } : {}),
    ...(s3 ? { s3 } : {}),
    ...(o.yes ? {} : { confirm: (question: string) => confirm(question, target.id) }),
  });
}
