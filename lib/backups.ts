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
import { BACKUP_DIR, BACKUP_FILES, dumpNameEre, dumpTime, DUMP_NAME, rcloneS3Env, remoteFolder } from "./backupScripts";
import { docker, labelArgs, stderrTail } from "./dockerCli";
import { Naming } from "./naming";

export class BackupError extends Error {}

export interface BackupContext {
  naming: Naming;
  /** An image with sh, sha256sum and pg_restore (the tenant's PostgreSQL image) for throwaway containers. */
  image: string;
  log: (line: string) => void;
}

/** The tenant a restore writes into: its server container runs `pg_restore` as `user`. */
export interface RestoreTarget { id: string; user: string; database: string }

export interface S3Source {
  endpoint: string;
  bucket: string;
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
  rcloneImage: string;
  /** A Docker network to reach the endpoint from; "" for Docker's default bridge. */
  network: string;
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

/** Runs `script` with sh in a throwaway, network-less container of `image` with `volume` at /backups (read-only). */
function inBackupVolume(ctx: BackupContext, tenantId: string, volume: string, script: string, args: string[] = []) {
  return docker(["run", "--rm", "--network", "none", ...labelArgs(ctx.naming.tenantLabels(tenantId, "backup")),
    "-v", `${volume}:${BACKUP_DIR}:ro`, "--entrypoint", "sh", ctx.image, "-c", script, "sh", ...args], { allowFailure: true });
}

/** `pgs backup <tenant>`: one backup now, in the tenant's backup container; returns its log line. */
export async function backupNow(ctx: BackupContext, tenantId: string): Promise<string> {
  const container = ctx.naming.backupContainer(tenantId);
  if (!(await isRunning(container))) {
    throw new BackupError(`tenant ${tenantId} has no running backup container ${container}: set backup: in tenants.yaml for it and apply (pulumi up)`);
  }
  ctx.log(`taking a backup of ${tenantId} now (pg_dump -Fc in ${container}) ...`);
  const r = await docker(["exec", container, BACKUP_FILES.now, "manual"], { allowFailure: true });
  const line = r.stdout.split("\n").filter((l) => l.startsWith("pgs-backup: ")).pop();
  if (r.code !== 0 || !line?.startsWith("pgs-backup: ok")) {
    throw new BackupError(line ?? `the backup of ${tenantId} failed: ${r.stderr.trim()}`);
  }
  return line;
}

const LIST_SCRIPT = `cd ${BACKUP_DIR} || exit 1
for f in *.dump; do
  [ -f "$f" ] || continue
  if [ ! -f "$f.sha256" ]; then status=missing
  elif sha256sum -c --status "$f.sha256" 2>/dev/null; then status=ok
  else status=BAD; fi
  printf '%s\\t%s\\t%s\\n' "$f" "$(wc -c <"$f" | tr -d ' ')" "$status"
done`;

/** `pgs backups <tenant>`: the tenant's dumps, oldest first, each with its checksum verified. */
export async function listBackups(ctx: BackupContext, tenantId: string): Promise<BackupInfo[]> {
  return listVolume(ctx, tenantId, ctx.naming.backupVolume(tenantId));
}

async function listVolume(ctx: BackupContext, tenantId: string, volume: string): Promise<BackupInfo[]> {
  if (!(await volumeExists(volume))) throw new BackupError(`tenant ${tenantId} has no backup volume ${volume}`);
  const r = await inBackupVolume(ctx, tenantId, volume, LIST_SCRIPT);
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
 * Fetches one dump (and its checksum) of `source` from S3 into a fresh temporary volume.
 * The credentials go to rclone on stdin: never on a command line or in the container's env.
 */
async function fetchFromS3(request: RestoreRequest, s3: S3Source, volume: string): Promise<string> {
  const { naming, source } = request;
  const remote = remoteFolder(s3.bucket, s3.prefix, source);
  await docker(["volume", "create", ...labelArgs(naming.tenantLabels(source, "backups")), volume]);
  const script = `set -eu
read -r RCLONE_CONFIG_S3_ACCESS_KEY_ID; read -r RCLONE_CONFIG_S3_SECRET_ACCESS_KEY
export RCLONE_CONFIG_S3_ACCESS_KEY_ID RCLONE_CONFIG_S3_SECRET_ACCESS_KEY
name=\${1:-}
if [ -z "$name" ]; then
  name=$(rclone lsf --files-only --include '${source}-*.dump' ${remote} | grep -E '${dumpNameEre(source)}' | sort | tail -n 1)
  [ -n "$name" ] || { echo "no backups of ${source} in ${remote}" >&2; exit 3; }
fi
rclone copy --include "$name" --include "$name.sha256" ${remote} ${BACKUP_DIR}
[ -f ${BACKUP_DIR}/"$name" ] || { echo "no backup named $name in ${remote}" >&2; exit 3; }
echo "$name"`;
  const r = await docker(["run", "--rm", "-i", ...(s3.network ? ["--network", s3.network] : []),
    ...labelArgs(naming.tenantLabels(source, "offsite")),
    ...rcloneS3Env(s3.endpoint).flatMap((e) => ["-e", e]),
    "-v", `${volume}:${BACKUP_DIR}`, "--entrypoint", "sh", s3.rcloneImage, "-c", script, "sh", ...(request.from ? [request.from] : [])],
  { input: `${s3.accessKeyId}\n${s3.secretAccessKey}\n`, allowFailure: true });
  if (r.code !== 0) throw new BackupError(`fetching from ${remote} failed; nothing was changed: ${stderrTail(r.stderr)}`);
  return r.stdout.trim().split("\n").pop()!;
}

const VERIFY_SCRIPT = `cd ${BACKUP_DIR} || exit 1
[ -f "$1" ] || exit 3
[ -f "$1.sha256" ] || exit 4
sha256sum -c --status "$1.sha256" || exit 5
pg_restore -l "$1" >/dev/null || exit 6`;

/** Streams the dump out of its volume into pg_restore in the target's server container. */
function pipeRestore(request: RestoreRequest, volume: string, name: string): Promise<void> {
  const { naming, target } = request;
  const reader = spawn("docker", ["run", "--rm", "--network", "none", ...labelArgs(naming.tenantLabels(request.source, "backup")),
    "-v", `${volume}:${BACKUP_DIR}:ro`, "--entrypoint", "cat", request.image, `${BACKUP_DIR}/${name}`], { stdio: ["ignore", "pipe", "pipe"] });
  // Loopback and the socket are trusted inside the tenant's own container (lib/postgresBootstrap.ts hbaConf).
  const restorer = spawn("docker", ["exec", "-i", naming.container(target.id), "pg_restore", "--clean", "--if-exists", "--no-owner",
    ...(target.id !== request.source ? ["--no-acl"] : []), "--single-transaction", "--exit-on-error",
    "-h", "/var/run/postgresql", "-U", target.user, "-d", target.database], { stdio: ["pipe", "pipe", "pipe"] });
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
      progress(`fetching ${name ?? "the newest backup"} of ${source} from ${remoteFolder(request.s3.bucket, request.s3.prefix, source)}`);
      name = await fetchFromS3(request, request.s3, temporary);
      volume = temporary;
    } else if (!name) {
      const all = await listVolume(request, source, volume);
      if (all.length === 0) throw new BackupError(`tenant ${source} has no backups in ${volume}; nothing was changed`);
      name = all[all.length - 1].name;
    }
    if (!(await volumeExists(volume))) throw new BackupError(`tenant ${source} has no backup volume ${volume}; nothing was changed`);

    progress(`verifying ${name} (sha256 and archive table of contents)`);
    const check = await inBackupVolume(request, source, volume, VERIFY_SCRIPT, [name]);
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
