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
import { DUMP_NAME, dumpTime, LOG_TAG, parseLogLine, remoteFolder } from "../../lib/postgres/backup";
import { BackupError, type BackupHost, type RestoreTarget, type S3Source } from "../../backends/host";

export { BackupError } from "../../backends/host";

export interface BackupContext {
  /** Where the backups and servers are: the stack's backend's BackupHost. */
  host: BackupHost;
  log: (line: string) => void;
}

export interface BackupInfo {
  name: string;
  time: Date;
  bytes: number;
  checksum: "ok" | "BAD" | "missing";
}

/** `pgs backup <tenant>`: one backup now, where the tenant's scheduled backups run; returns its log line. */
export async function backupNow(ctx: BackupContext, tenantId: string): Promise<string> {
  const host = ctx.host;
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
  const host = ctx.host;
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

/** `pgs restore <tenant> [--from NAME] [--to-new-tenant ID] [--from-s3]`. */
export async function restoreTenant(request: RestoreRequest): Promise<{ name: string; seconds: number }> {
  const { source, target, log } = request;
  const host = request.host;
  const started = Date.now();
  const steps = request.s3 ? 4 : 3;
  let step = 0;
  const progress = (line: string) => log(`${++step}/${steps} ${line}`);

  let store: string | undefined;
  try {
    const server = await host.server(target.id);
    if (!server.running) {
      throw new BackupError(
        `tenant ${target.id}'s server ${server.name} is not running; nothing was changed (add it to tenants.yaml, apply, then restore)`,
      );
    }
    let name = request.from;
    if (request.s3) {
      progress(`fetching ${name ?? "the newest backup"} of ${source} from ${remoteFolder(request.s3, source)}`);
      ({ store, name } = await host.fetchFromS3(source, request.s3, name));
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
    await host.close();
  }
}
