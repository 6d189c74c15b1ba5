/**
 * `pgs backup`, `pgs backups` and `pgs restore`: on-demand backups, listing with checksum
 * status, and restores. They take resolved settings, so the CLI and the end-to-end tests share
 * them. Where the backups and servers are is a BackupHost: the stack's Docker host through the
 * docker CLI (DOCKER_HOST honoured; the default here), or a Kubernetes cluster through kubectl
 * (backends/kubernetes/backupHost.ts).
 *
 * A restore verifies the chosen dump's checksum (and that pg_restore can read it) before
 * anything else, and runs as one transaction in the target's own server as the target's role:
 * a missing, corrupt or failing backup leaves the tenant exactly as it was.
 */
import { spawn } from "node:child_process";
import type { Naming } from "../../lib/naming";
import {
  BACKUP_DIR,
  BACKUP_FILES,
  backupVolumeEnv,
  backupVolumeScript,
  DUMP_NAME,
  dumpTime,
  LOG_TAG,
  offsiteEnv,
  offsiteScript,
  parseLogLine,
  remoteFolder,
  s3CredentialLines,
} from "../../lib/postgres/backup";
import type { BackupS3Settings } from "../../lib/stackSettings";
import { docker, envArgs, labelArgs, stderrTail } from "../../lib/hosts/dockerCli";

export class BackupError extends Error {}

export interface BackupContext {
  naming: Naming;
  /** An image with sh, sha256sum and pg_restore (the tenant's PostgreSQL image) for throwaway containers. */
  image: string;
  log: (line: string) => void;
  /** Where the backups and servers are; the Docker host when absent. */
  host?: BackupHost;
}

/** What a command run on a BackupHost printed, and how it ended. */
export interface HostRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Where a stack's backups and tenant servers are. A "store" is a tenant's backup volume or claim;
 * `store` arguments name another one (a scratch volume of a restore from S3) where a host has them.
 */
export interface BackupHost {
  /** Runs backup-now.sh manual where the tenant's scheduled backups run; throws BackupError when that cannot start. */
  takeBackup(tenantId: string, log: (line: string) => void): Promise<HostRun>;
  /** The tenant's backup store, in words for messages, and whether it exists. */
  backupStore(tenantId: string, store?: string): Promise<{ name: string; exists: boolean }>;
  /** backup-volume.sh ARGS with the store mounted read-only. */
  inBackupStore(tenantId: string, args: string[], store?: string): Promise<HostRun>;
  /** The tenant's server, in words for messages, and whether it runs. */
  server(tenantId: string): Promise<{ name: string; running: boolean }>;
  /** Streams dump `name` of `source`'s store into `pg_restore ARGS` run in the target's server as `target.user`. */
  pipeRestore(source: string, name: string, target: RestoreTarget, pgRestoreArgs: string[], store?: string): Promise<HostRun>;
  /** Removes what the host set up for this command. */
  close(): Promise<void>;
}

/** The tenant a restore writes into: its server container runs `pg_restore` as `user`. */
export interface RestoreTarget {
  id: string;
  user: string;
  database: string;
}

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

/** The stack's Docker host: backup containers, backup volumes, throwaway containers, server containers. */
export function dockerBackupHost(ctx: Pick<BackupContext, "naming" | "image">): BackupHost {
  const { naming } = ctx;
  return {
    async takeBackup(tenantId, log) {
      const container = naming.backupContainer(tenantId);
      if (!(await isRunning(container))) {
        throw new BackupError(
          `tenant ${tenantId} has no running backup container ${container}: set backup: in tenants.yaml for it and apply (pulumi up)`,
        );
      }
      log(`taking a backup of ${tenantId} now (pg_dump -Fc in ${container}) ...`);
      return docker(["exec", container, BACKUP_FILES.now, "manual"], { allowFailure: true });
    },
    async backupStore(tenantId, store) {
      const volume = store ?? naming.backupVolume(tenantId);
      return { name: `backup volume ${volume}`, exists: await volumeExists(volume) };
    },
    // A throwaway, network-less container of the image with the volume mounted read-only (`--rm`
    // also removes the image's anonymous VOLUME).
    inBackupStore(tenantId, args, store) {
      const volume = store ?? naming.backupVolume(tenantId);
      return docker(
        [
          "run",
          "--rm",
          "--network",
          "none",
          ...labelArgs(naming.tenantLabels(tenantId, "backup")),
          ...envArgs(backupVolumeEnv()),
          "-v",
          `${volume}:${BACKUP_DIR}:ro`,
          "--entrypoint",
          "sh",
          ctx.image,
          "-c",
          backupVolumeScript(),
          "backup-volume.sh",
          ...args,
        ],
        { allowFailure: true },
      );
    },
    async server(tenantId) {
      const container = naming.container(tenantId);
      return { name: container, running: await isRunning(container) };
    },
    pipeRestore(source, name, target, pgRestoreArgs, store) {
      const volume = store ?? naming.backupVolume(source);
      return pipe(
        [
          "docker",
          [
            "run",
            "--rm",
            "--network",
            "none",
            ...labelArgs(naming.tenantLabels(source, "backup")),
            "-v",
            `${volume}:${BACKUP_DIR}:ro`,
            "--entrypoint",
            "cat",
            ctx.image,
            `${BACKUP_DIR}/${name}`,
          ],
        ],
        // The socket is trusted inside the tenant's own container (lib/postgres/files/pg_hba.conf).
        ["docker", ["exec", "-i", naming.container(target.id), "pg_restore", ...pgRestoreArgs]],
      );
    },
    async close() {},
  };
}

/** Runs `reader | writer`: both commands' exit codes (the writer's if the reader succeeded) and their stderr. */
export function pipe(reader: [string, string[]], writer: [string, string[]]): Promise<HostRun> {
  const from = spawn(reader[0], reader[1], { stdio: ["ignore", "pipe", "pipe"] });
  const to = spawn(writer[0], writer[1], { stdio: ["pipe", "pipe", "pipe"] });
  from.stdout.pipe(to.stdin);
  const errors: Buffer[] = [];
  from.stderr.on("data", (c: Buffer) => errors.push(c));
  to.stderr.on("data", (c: Buffer) => errors.push(c));
  to.stdout.resume();
  const done = (child: ReturnType<typeof spawn>) =>
    new Promise<number>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code) => resolve(code ?? 1));
    });
  return Promise.all([done(from), done(to)]).then(([a, b]) => ({
    code: a !== 0 ? a : b,
    stdout: "",
    stderr: Buffer.concat(errors).toString(),
  }));
}

const hostOf = (ctx: BackupContext): BackupHost => ctx.host ?? dockerBackupHost(ctx);

/** `pgs backup <tenant>`: one backup now, where the tenant's scheduled backups run; returns its log line. */
export async function backupNow(ctx: BackupContext, tenantId: string): Promise<string> {
  const host = hostOf(ctx);
  try {
    const r = await host.takeBackup(tenantId, ctx.log);
    const line = r.stdout
      .split("\n")
      .filter((l) => parseLogLine(l)?.tag === LOG_TAG.backup)
      .pop();
    if (r.code !== 0 || !line || !parseLogLine(line)?.ok) {
      throw new BackupError(line ?? `the backup of ${tenantId} failed: ${r.stderr.trim()}`);
    }
    return line;
  } finally {
    await host.close();
  }
}

/** `pgs backups <tenant>`: the tenant's dumps, oldest first, each with its checksum verified. */
export async function listBackups(ctx: BackupContext, tenantId: string): Promise<BackupInfo[]> {
  const host = hostOf(ctx);
  try {
    return await listStore(host, tenantId);
  } finally {
    await host.close();
  }
}

async function listStore(host: BackupHost, tenantId: string, store?: string): Promise<BackupInfo[]> {
  const found = await host.backupStore(tenantId, store);
  if (!found.exists) throw new BackupError(`tenant ${tenantId} has no ${found.name}`);
  const r = await host.inBackupStore(tenantId, ["list"], store);
  if (r.code !== 0) throw new BackupError(`cannot list ${found.name}: ${r.stderr.trim()}`);
  return r.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [name, bytes, checksum] = line.split("\t");
      return { name, time: dumpTime(name) ?? new Date(0), bytes: Number(bytes), checksum: checksum as BackupInfo["checksum"] };
    })
    .filter((b) => DUMP_NAME.test(b.name))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function formatBackups(backups: BackupInfo[]): string[] {
  if (backups.length === 0) return ["no backups"];
  const rows = backups.map((b) => [
    b.name,
    b.time.toISOString().replace(".000Z", "Z"),
    `${(b.bytes / 1024 / 1024).toFixed(1)} MiB`,
    b.checksum,
  ]);
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
  const r = await docker(
    [
      "run",
      "--rm",
      "-i",
      ...(s3.network ? ["--network", s3.network] : []),
      ...labelArgs(naming.tenantLabels(source, "offsite")),
      ...envArgs(offsiteEnv(s3, source, 1)),
      "-v",
      `${volume}:${BACKUP_DIR}`,
      "--entrypoint",
      "sh",
      s3.rcloneImage,
      "-c",
      offsiteScript(),
      "offsite.sh",
      "fetch",
      ...(request.from ? [request.from] : []),
    ],
    { input: s3CredentialLines(s3.accessKeyId, s3.secretAccessKey), allowFailure: true },
  );
  if (r.code !== 0) throw new BackupError(`fetching from ${remoteFolder(s3, source)} failed; nothing was changed: ${stderrTail(r.stderr)}`);
  return r.stdout.trim().split("\n").pop()!;
}

/** `pgs restore <tenant> [--from NAME] [--to-new-tenant ID] [--from-s3]`. */
export async function restoreTenant(request: RestoreRequest): Promise<{ name: string; seconds: number }> {
  const { naming, source, target, log } = request;
  const host = hostOf(request);
  const started = Date.now();
  const steps = request.s3 ? 4 : 3;
  let step = 0;
  const progress = (line: string) => log(`${++step}/${steps} ${line}`);

  let store: string | undefined;
  let temporary: string | undefined;
  try {
    const server = await host.server(target.id);
    if (!server.running) {
      throw new BackupError(
        `tenant ${target.id}'s server ${server.name} is not running; nothing was changed (add it to tenants.yaml, apply, then restore)`,
      );
    }
    let name = request.from;
    if (request.s3) {
      temporary = naming.restoreScratchVolume(source, Date.now());
      progress(`fetching ${name ?? "the newest backup"} of ${source} from ${remoteFolder(request.s3, source)}`);
      name = await fetchFromS3(request, request.s3, temporary);
      store = temporary;
    } else if (!name) {
      const all = await listStore(host, source);
      if (all.length === 0)
        throw new BackupError(`tenant ${source} has no backups in its ${(await host.backupStore(source)).name}; nothing was changed`);
      name = all[all.length - 1].name;
    }
    const found = await host.backupStore(source, store);
    if (!found.exists) throw new BackupError(`tenant ${source} has no ${found.name}; nothing was changed`);

    progress(`verifying ${name} (sha256 and archive table of contents)`);
    const check = await host.inBackupStore(source, ["verify", name], store);
    if (check.code !== 0) {
      const reason =
        {
          3: "does not exist",
          4: "has no checksum file",
          5: "is corrupt: its sha256 does not match",
          6: "is not a readable pg_dump archive",
        }[check.code] ?? `could not be checked (${check.stderr.trim()})`;
      const available =
        check.code === 3 && !request.s3 ? ` (available: ${(await listStore(host, source)).map((b) => b.name).join(", ") || "none"})` : "";
      throw new BackupError(`backup ${name} of ${source} ${reason}${available}; refusing to restore, nothing was changed`);
    }

    if (request.confirm) {
      const ok = await request.confirm(
        `restore ${name} into tenant ${target.id}: objects in database ${target.database} are replaced by the backup's. Type the tenant id (${target.id}) to confirm: `,
      );
      if (!ok) throw new BackupError("not confirmed; nothing was changed");
    }

    progress(`restoring ${name} into ${target.id} (database ${target.database}, as ${target.user}, one transaction)`);
    const restored = await host.pipeRestore(
      source,
      name,
      target,
      [
        "--clean",
        "--if-exists",
        "--no-owner",
        ...(target.id !== source ? ["--no-acl"] : []),
        "--single-transaction",
        "--exit-on-error",
        "-U",
        target.user,
        "-d",
        target.database,
      ],
      store,
    );
    if (restored.code !== 0) {
      throw new BackupError(
        `pg_restore failed and was rolled back; ${target.id} is unchanged:\n${restored.stderr.trim().split("\n").slice(-5).join("\n")}`,
      );
    }
    const seconds = (Date.now() - started) / 1000;
    progress(`done in ${seconds.toFixed(1)} s: ${target.id} holds the data of ${name}`);
    return { name, seconds };
  } finally {
    if (temporary) await docker(["volume", "rm", "-f", temporary], { allowFailure: true });
    await host.close();
  }
}
