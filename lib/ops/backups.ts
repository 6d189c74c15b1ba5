/**
 * `pgs backup`, `pgs backups` and `pgs restore`: on-demand backups, listing with checksum
 * status, and restores, on the stack's Docker host (DOCKER_HOST honoured) through the
 * docker CLI. They take resolved settings, so the CLI and the end-to-end tests share them.
 *
 * A restore verifies the chosen dump's checksum (and that pg_restore can read it) before
 * anything else, and runs as one transaction in the target's own server container as the
 * target's role: a missing, corrupt or failing backup leaves the tenant exactly as it was.
 */
import { spawn } from "node:child_process";
import { Naming } from "../naming";
import {
  BACKUP_DIR, BACKUP_FILES, backupVolumeEnv, backupVolumeScript, DUMP_NAME, dumpTime, LOG_TAG, offsiteEnv, offsiteScript, parseLogLine,
  remoteFolder, s3CredentialLines,
} from "../postgres/backup";
import type { BackupS3Settings } from "../stackSettings";
import { docker, envArgs, labelArgs, stderrTail } from "./dockerCli";

export class BackupError extends Error {}

export interface BackupContext {
  naming: Naming;
  /** An image with sh, sha256sum and pg_restore (the tenant's PostgreSQL image) for throwaway containers. */
  image: string;
  log: (line: string) => void;
}

/** The tenant a restore writes into: its server container runs `pg_restore` as `user`. */
export interface RestoreTarget { id: string; user: string; database: string }

/** The stack's S3 target and its credentials (`network` "" means Docker's default bridge). */
export interface S3Source extends BackupS3Settings {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface BackupInfo {
  name: string;
  time: Date;
  bytes: number;
  checksum: "ok" | "BAD" | "missing";
}


async function isRunning(container: string): Promise<boolean> {
  const r = await docker(["inspect", "--format", "{{.State.Running}}", container], { allowFailure: true });
  return r.code === 0 && r.stdout.trim() === "true";
}

async function volumeExists(volume: string): Promise<boolean> {
  return (await docker(["volume", "inspect", volume], { allowFailure: true })).code === 0;
}

/**
 * Runs backup-volume.sh with `args` in a throwaway, network-less container of `image` with
 * `volume` mounted read-only (`--rm` also removes the image's anonymous VOLUME).
 */
function inBackupVolume(ctx: BackupContext, tenantId: string, volume: string, args: string[]) {
  return docker(["run", "--rm", "--network", "none", ...labelArgs(ctx.naming.tenantLabels(tenantId, "backup")),
    ...envArgs(backupVolumeEnv()), "-v", `${volume}:${BACKUP_DIR}:ro`, "--entrypoint", "sh", ctx.image,
    "-c", backupVolumeScript(), "backup-volume.sh", ...args], { allowFailure: true });
}

/** `pgs backup <tenant>`: one backup now, in the tenant's backup container; returns its log line. */
export async function backupNow(ctx: BackupContext, tenantId: string): Promise<string> {
  const container = ctx.naming.backupContainer(tenantId);
  if (!(await isRunning(container))) {
    throw new BackupError(`tenant ${tenantId} has no running backup container ${container}: set backup: in tenants.yaml for it and apply (pulumi up)`);
  }
  ctx.log(`taking a backup of ${tenantId} now (pg_dump -Fc in ${container}) ...`);
  const r = await docker(["exec", container, BACKUP_FILES.now, "manual"], { allowFailure: true });
  const line = r.stdout.split("\n").filter((l) => parseLogLine(l)?.tag === LOG_TAG.backup).pop();
  if (r.code !== 0 || !line || !parseLogLine(line)?.ok) {
    throw new BackupError(line ?? `the backup of ${tenantId} failed: ${r.stderr.trim()}`);
  }
  return line;
}

/** `pgs backups <tenant>`: the tenant's dumps, oldest first, each with its checksum verified. */
export async function listBackups(ctx: BackupContext, tenantId: string): Promise<BackupInfo[]> {
  return listVolume(ctx, tenantId, ctx.naming.backupVolume(tenantId));
}

async function listVolume(ctx: BackupContext, tenantId: string, volume: string): Promise<BackupInfo[]> {
  if (!(await volumeExists(volume))) throw new BackupError(`tenant ${tenantId} has no backup volume ${volume}`);
  const r = await inBackupVolume(ctx, tenantId, volume, ["list"]);
  if (r.code !== 0) throw new BackupError(`cannot list ${volume}: ${r.stderr.trim()}`);
  return r.stdout.split("\n").filter(Boolean).map((line) => {
    const [name, bytes, checksum] = line.split("\t");
    return { name, time: dumpTime(name) ?? new Date(0), bytes: Number(bytes), checksum: checksum as BackupInfo["checksum"] };
  }).filter((b) => DUMP_NAME.test(b.name)).sort((a, b) => a.name.localeCompare(b.name));
}

export function formatBackups(backups: BackupInfo[]): string[] {
  if (backups.length === 0) return ["no backups"];
  const rows = backups.map((b) => [b.name, b.time.toISOString().replace(".000Z", "Z"), `${(b.bytes / 1024 / 1024).toFixed(1)} MiB`, b.checksum]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length), ["NAME", "TIME (UTC)", "SIZE"][i].length));
  const line = (r: string[]) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c)).join("  ");
  return [line(["NAME", "TIME (UTC)", "SIZE", "CHECKSUM"]), ...rows.map(line)];
}

export interface RestoreRequest extends BackupContext {
  /** Whose backups to restore from. */
  source: string;
  /** Where to restore into: the source itself, or another (new) tenant for an independent copy. */
  target: RestoreTarget;
  /** A dump name; default the newest. */
  from?: string;
  /** Read the dump from the S3 target instead of the local backup volume. */
  s3?: S3Source;
  /** Asked before anything changes; absent means --yes. Returns false to stop. */
  confirm?: (question: string) => Promise<boolean>;
}

/**
 * Fetches one dump (and its checksum) of `source` from S3 into a fresh temporary volume with
 * offsite.sh. The credentials go to it on stdin: never on a command line or in an environment.
 */
async function fetchFromS3(request: RestoreRequest, s3: S3Source, volume: string): Promise<string> {
  const { naming, source } = request;
  await docker(["volume", "create", ...labelArgs(naming.tenantLabels(source, "backups")), volume]);
  const r = await docker(["run", "--rm", "-i", ...(s3.network ? ["--network", s3.network] : []),
    ...labelArgs(naming.tenantLabels(source, "offsite")), ...envArgs(offsiteEnv(s3, source, 1)),
    "-v", `${volume}:${BACKUP_DIR}`, "--entrypoint", "sh", s3.rcloneImage,
    "-c", offsiteScript(), "offsite.sh", "fetch", ...(request.from ? [request.from] : [])],
  { input: s3CredentialLines(s3.accessKeyId, s3.secretAccessKey), allowFailure: true });
  if (r.code !== 0) throw new BackupError(`fetching from ${remoteFolder(s3, source)} failed; nothing was changed: ${stderrTail(r.stderr)}`);
  return r.stdout.trim().split("\n").pop()!;
}

/** Streams the dump out of its volume into pg_restore in the target's server container. */
function pipeRestore(request: RestoreRequest, volume: string, name: string): Promise<void> {
  const { naming, target } = request;
  const reader = spawn("docker", ["run", "--rm", "--network", "none", ...labelArgs(naming.tenantLabels(request.source, "backup")),
    "-v", `${volume}:${BACKUP_DIR}:ro`, "--entrypoint", "cat", request.image, `${BACKUP_DIR}/${name}`], { stdio: ["ignore", "pipe", "pipe"] });
  // The socket is trusted inside the tenant's own container (lib/postgres/files/pg_hba.conf).
  const restorer = spawn("docker", ["exec", "-i", naming.container(target.id), "pg_restore", "--clean", "--if-exists", "--no-owner",
    ...(target.id !== request.source ? ["--no-acl"] : []), "--single-transaction", "--exit-on-error",
    "-U", target.user, "-d", target.database], { stdio: ["pipe", "pipe", "pipe"] });
  reader.stdout.pipe(restorer.stdin);
  const errors: Buffer[] = [];
  reader.stderr.on("data", (c: Buffer) => errors.push(c));
  restorer.stderr.on("data", (c: Buffer) => errors.push(c));
  restorer.stdout.resume();
  const done = (child: ReturnType<typeof spawn>) => new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? 1));
  });
  return Promise.all([done(reader), done(restorer)]).then(([a, b]) => {
    if (a !== 0 || b !== 0) {
      throw new BackupError(`pg_restore failed and was rolled back; ${target.id} is unchanged:\n${Buffer.concat(errors).toString().trim().split("\n").slice(-5).join("\n")}`);
    }
  });
}

/** `pgs restore <tenant> [--from NAME] [--to-new-tenant ID] [--from-s3]`. */
export async function restoreTenant(request: RestoreRequest): Promise<{ name: string; seconds: number }> {
  const { naming, source, target, log } = request;
  const started = Date.now();
  const steps = request.s3 ? 4 : 3;
  let step = 0;
  const progress = (line: string) => log(`${++step}/${steps} ${line}`);
  if (!(await isRunning(naming.container(target.id)))) {
    throw new BackupError(`tenant ${target.id}'s server ${naming.container(target.id)} is not running; nothing was changed (add it to tenants.yaml, apply, then restore)`);
  }

  let volume = naming.backupVolume(source);
  let temporary: string | undefined;
  try {
    let name = request.from;
    if (request.s3) {
      temporary = naming.restoreScratchVolume(source, Date.now());
      progress(`fetching ${name ?? "the newest backup"} of ${source} from ${remoteFolder(request.s3, source)}`);
      name = await fetchFromS3(request, request.s3, temporary);
      volume = temporary;
    } else if (!name) {
      const all = await listVolume(request, source, volume);
      if (all.length === 0) throw new BackupError(`tenant ${source} has no backups in ${volume}; nothing was changed`);
      name = all[all.length - 1].name;
    }
    if (!(await volumeExists(volume))) throw new BackupError(`tenant ${source} has no backup volume ${volume}; nothing was changed`);

    progress(`verifying ${name} (sha256 and archive table of contents)`);
    const check = await inBackupVolume(request, source, volume, ["verify", name]);
    if (check.code !== 0) {
      const reason = {
        3: "does not exist", 4: "has no checksum file", 5: "is corrupt: its sha256 does not match", 6: "is not a readable pg_dump archive",
      }[check.code] ?? `could not be checked (${check.stderr.trim()})`;
      const available = check.code === 3 && !request.s3
        ? ` (available: ${(await listVolume(request, source, volume)).map((b) => b.name).join(", ") || "none"})` : "";
      throw new BackupError(`backup ${name} of ${source} ${reason}${available}; refusing to restore, nothing was changed`);
    }

    if (request.confirm) {
      const ok = await request.confirm(`restore ${name} into tenant ${target.id}: objects in database ${target.database} are replaced by the backup's. Type the tenant id (${target.id}) to confirm: `);
      if (!ok) throw new BackupError("not confirmed; nothing was changed");
    }

    progress(`restoring ${name} into ${target.id} (database ${target.database}, as ${target.user}, one transaction)`);
    await pipeRestore(request, volume, name);
    const seconds = (Date.now() - started) / 1000;
    progress(`done in ${seconds.toFixed(1)} s: ${target.id} holds the data of ${name}`);
    return { name, seconds };
  } finally {
    if (temporary) await docker(["volume", "rm", "-f", temporary], { allowFailure: true });
  }
}
