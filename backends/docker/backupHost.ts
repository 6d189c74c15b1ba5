/**
 * The BackupHost of a Docker stack, through the docker CLI (DOCKER_HOST and contexts honoured):
 * a backup now runs in the tenant's backup container; its backup volume is read by throwaway,
 * network-less containers of the tenant's image; a restore streams a dump into pg_restore in the
 * server container, over its trusted local socket; a dump from S3 is fetched by offsite.sh into
 * a scratch volume.
 */
import { docker, envArgs, labelArgs, stderrTail } from "../../lib/hosts/dockerCli";
import { pipe } from "../../lib/hosts/process";
import type { Naming } from "../../lib/naming";
import {
  BACKUP_DIR,
  BACKUP_FILES,
  backupVolumeEnv,
  backupVolumeScript,
  offsiteEnv,
  offsiteScript,
  remoteFolder,
  s3CredentialLines,
} from "../../lib/postgres/backup";
import { BackupError, type BackupHost } from "../host";

async function isRunning(container: string): Promise<boolean> {
  const r = await docker(["inspect", "--format", "{{.State.Running}}", container], { allowFailure: true });
  return r.code === 0 && r.stdout.trim() === "true";
}

async function volumeExists(volume: string): Promise<boolean> {
  return (await docker(["volume", "inspect", volume], { allowFailure: true })).code === 0;
}

/** The stack's Docker host: backup containers, backup volumes, throwaway containers, server containers. */
export function dockerBackupHost(naming: Naming, image: string): BackupHost {
  const scratch: string[] = [];
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
          image,
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
            image,
            `${BACKUP_DIR}/${name}`,
          ],
        ],
        // The socket is trusted inside the tenant's own container (lib/postgres/files/pg_hba.conf).
        ["docker", ["exec", "-i", naming.container(target.id), "pg_restore", ...pgRestoreArgs]],
      );
    },
    // offsite.sh fetch, in the rclone image; the credentials go to it on stdin: never on a command
    // line or in an environment.
    async fetchFromS3(source, s3, name) {
      const volume = naming.restoreScratchVolume(source, Date.now());
      await docker(["volume", "create", ...labelArgs(naming.tenantLabels(source, "backups")), volume]);
      scratch.push(volume);
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
          ...(name ? [name] : []),
        ],
        { input: s3CredentialLines(s3.accessKeyId, s3.secretAccessKey), allowFailure: true },
      );
      if (r.code !== 0)
        throw new BackupError(`fetching from ${remoteFolder(s3, source)} failed; nothing was changed: ${stderrTail(r.stderr)}`);
      return { store: volume, name: r.stdout.trim().split("\n").pop()! };
    },
    async close() {
      for (const volume of scratch.splice(0)) await docker(["volume", "rm", "-f", volume], { allowFailure: true });
    },
  };
}
