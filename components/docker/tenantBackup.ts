import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { dockerLabels, envList } from "../../lib/docker/inputs";
import type { Naming } from "../../lib/naming";
import { dataMountPath } from "../../lib/postgres/container";
import {
  BACKUP_DIR,
  BACKUP_FILES,
  backupEnv,
  backupScripts,
  OFFSITE_FILES,
  offsiteEnv,
  offsiteScripts,
  s3CredentialLines,
} from "../../lib/postgres/backup";
import type { BackupS3Settings } from "../../lib/stackSettings";
import type { Tenant } from "../../lib/tenants/tenant";
import { CONTAINER_LOGS, TENANT_CONTAINER_HARDENING } from "../../lib/docker/hardening";
import { withFormerType } from "../aliases";

export interface OffsiteArgs {
  settings: BackupS3Settings;
  /** The rclone image's id (RemoteImage.imageId). */
  imageId: pulumi.Input<string>;
  accessKeyId: pulumi.Output<string>;
  secretAccessKey: pulumi.Output<string>;
}

export interface TenantBackupArgs {
  /** A tenant with `backup` set. */
  tenant: Tenant;
  naming: Naming;
  /** The tenant's PostgreSQL image id: the same pg_dump as the server. Needed while running. */
  imageId?: pulumi.Input<string>;
  /** The tenant's private network; the only one the backup container joins. */
  networkName: pulumi.Input<string>;
  /** The tenant role's password; uploaded as a file, never in env, labels or a command line. */
  password: pulumi.Output<string>;
  /** The tenant's server container, which the first backup needs; absent while stopped. */
  server?: pulumi.Resource;
  /** Off-host copies, when the stack configures an S3 target. */
  offsite?: OffsiteArgs;
  /** With a storage limit: the volume is this bind volume in the tenant's filesystem. */
  storage?: { volume: { driver: string; driverOpts: Record<string, string> }; dependsOn: pulumi.Resource };
}

/**
 * A tenant's backups: a volume of `pg_dump -Fc` files with checksums, a container on the
 * tenant's private network that writes them on schedule as the tenant's own role, and,
 * with an S3 target, a container that copies them off the host. The volume is kept when
 * the tenant is removed unless `onRemove: delete`, like the data volume.
 */
export class TenantBackup extends pulumi.ComponentResource {
  readonly volume: docker.Volume;
  /** Absent while the tenant is `state: stopped` (the volume stays). */
  readonly container?: docker.Container;
  readonly offsite?: docker.Container;

  constructor(name: string, args: TenantBackupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgs:docker:TenantBackup", name, {}, withFormerType(opts, "pgs:docker:TenantBackup"));
    const { tenant, naming } = args;
    const policy = tenant.backup;
    if (!policy) throw new Error(`TenantBackup ${name}: tenant ${tenant.id} has no \`backup\` policy.`);
    if (tenant.state === "running" && (args.imageId === undefined || args.server === undefined)) {
      throw new Error(`TenantBackup ${name}: a running tenant needs \`imageId\` and \`server\`.`);
    }

    this.volume = new docker.Volume(
      `${name}-backups`,
      {
        name: naming.backupVolume(tenant.id),
        labels: dockerLabels(naming.tenantLabels(tenant.id, "backups")),
        ...args.storage?.volume,
      },
      {
        parent: this,
        retainOnDelete: tenant.onRemove !== "delete",
        // As the data volume: replaced only once pgs limit-storage has moved its dumps out.
        deleteBeforeReplace: true,
        ...(args.storage ? { dependsOn: [args.storage.dependsOn] } : {}),
      },
    );

    if (tenant.state !== "running") {
      this.registerOutputs({ volume: this.volume.name });
      return;
    }

    // The image declares its data path a VOLUME; without a mount there Docker would leave an
    // unnamed, unlabelled volume behind for this container.
    const noAnonymousVolume = {
      mounts: [{ type: "tmpfs", target: dataMountPath(tenant.postgres.version), tmpfsOptions: { sizeBytes: 1024 * 1024 } }],
    };

    this.container = new docker.Container(
      `${name}-backup`,
      {
        name: naming.backupContainer(tenant.id),
        image: args.imageId!,
        entrypoints: [BACKUP_FILES.loop],
        envs: envList(backupEnv(tenant, policy, naming.serverAlias())),
        uploads: [
          ...backupScripts().map((f) => ({ file: f.path, content: f.content, executable: f.executable })),
          { file: BACKUP_FILES.password, content: args.password },
        ],
        labels: dockerLabels(naming.tenantLabels(tenant.id, "backup")),
        networkMode: "bridge",
        networksAdvanced: [{ name: args.networkName }],
        volumes: [{ volumeName: this.volume.name, containerPath: BACKUP_DIR }],
        ...noAnonymousVolume,
        // tini as PID 1: the loop's sleep ends at once on docker stop.
        init: true,
        restart: "unless-stopped",
        ...TENANT_CONTAINER_HARDENING,
        ...CONTAINER_LOGS,
      },
      { parent: this, dependsOn: [args.server!] },
    );

    if (args.offsite) {
      const { settings } = args.offsite;
      this.offsite = new docker.Container(
        `${name}-offsite`,
        {
          name: naming.offsiteContainer(tenant.id),
          image: args.offsite.imageId,
          entrypoints: [OFFSITE_FILES.script],
          command: ["loop"],
          envs: envList(offsiteEnv(settings, tenant.id, policy.keep)),
          uploads: [
            ...offsiteScripts().map((f) => ({ file: f.path, content: f.content, executable: f.executable })),
            {
              file: OFFSITE_FILES.credentials,
              content: pulumi.secret(
                pulumi.all([args.offsite.accessKeyId, args.offsite.secretAccessKey]).apply(([id, key]) => s3CredentialLines(id, key)),
              ),
            },
          ],
          labels: dockerLabels(naming.tenantLabels(tenant.id, "offsite")),
          networkMode: "bridge",
          networksAdvanced: [{ name: args.networkName }, ...(settings.network ? [{ name: settings.network }] : [])],
          volumes: [{ volumeName: this.volume.name, containerPath: BACKUP_DIR, readOnly: true }],
          init: true,
          restart: "unless-stopped",
          ...TENANT_CONTAINER_HARDENING,
          ...CONTAINER_LOGS,
        },
        { parent: this },
      );
    }

    this.registerOutputs({ volume: this.volume.name, container: this.container.name });
  }
}
