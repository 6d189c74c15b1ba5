import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_LOGS, TENANT_CONTAINER_HARDENING } from "../../lib/docker/hardening";
import { dockerCpus, dockerLabels, dockerMemory, envList } from "../../lib/docker/inputs";
import { bindVolume, MIB, tenantStorageLayout } from "../../lib/docker/storage";
import { LABEL } from "../../lib/naming";
import { dataMountPath, STOP_TIMEOUT_SECONDS, SUPERUSER } from "../../lib/postgres/container";
import {
  SERVER_CONFIG_DIR,
  SERVER_FILES,
  SERVER_FILES_DIR,
  SERVER_SECRET_FILES,
  SERVER_SETTINGS_FILE,
  serverCommand,
  serverEnv,
  serverProcessLimit,
  serverSettingsFile,
  serverSpec,
  storageSplit,
  WAL_MOUNT,
} from "../../lib/postgres/server";
import { tenantRouteConfig, tenantRouteFile, tenantServiceLabels } from "../../lib/traefik/dockerRoutes";
import { withFormerType } from "../aliases";
import { serverVerifiers, type TenantDatabaseBaseArgs, tenantDatabaseOutputs, tenantPasswords } from "../tenantDatabaseBase";
import { ContainerFile } from "./containerFile";
import { ContainerLimits } from "./containerLimits";
import type { ServerFilesRef } from "./serverFiles";
import { type OffsiteArgs, TenantBackup } from "./tenantBackup";
import { TenantStorage } from "./tenantStorage";

/** The stack's Traefik, whose watched directory gets the tenant's route file. */
export interface IngressRef {
  containerName: pulumi.Input<string>;
  containerId: pulumi.Input<string>;
}

export interface TenantDatabaseArgs extends TenantDatabaseBaseArgs {
  /** The PostgreSQL image's id (RemoteImage.imageId), shared by tenants on the same image; needed while running. */
  imageId?: pulumi.Input<string>;
  /** The stack's server scripts volume; needed while running. */
  serverFiles?: ServerFilesRef;
  ingress: IngressRef;
  /** Off-host copies of the tenant's backups (when the stack has an S3 target and the tenant has backups). */
  offsite?: OffsiteArgs;
  /** The stack's `storageDir`: where a tenant with `resources.storage` gets its filesystem. */
  storageDir: string;
}

/**
 * One tenant: its passwords, data and config volumes, private network, PostgreSQL container and
 * route. The volumes' inputs depend only on the stack and the tenant id, so no edit of the
 * tenant's entry can replace them; the data volume is kept when the tenant is removed unless
 * `onRemove: delete`. The tenant logs in as a non-superuser role that owns its database; a start
 * hook (lib/postgres/files/start.sh) makes role, ownership and password match on every start.
 *
 * What an edit restarts: the container only for what it runs with (image, restart-only settings,
 * resources, superuser, passwords); the route (access, allowFrom, hostname) is a file Traefik
 * reloads, the reloadable settings a file the server re-reads on SIGHUP.
 */
export class TenantDatabase extends pulumi.ComponentResource {
  readonly hostname: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: pulumi.Output<string>;
  readonly connectionString: pulumi.Output<string>;
  readonly volume: docker.Volume;
  readonly configVolume: docker.Volume;
  /** The tenant's disk limit (a no-op resource while it has none). */
  readonly storage: TenantStorage;
  /** The WAL's own volume, with a storage limit. */
  readonly walVolume?: docker.Volume;
  readonly network: docker.Network;
  /** Absent while the tenant is `state: stopped`. */
  readonly container?: docker.Container;
  /** The server's settings.conf and process limit; absent while stopped. */
  readonly settings?: ContainerFile;
  readonly limits?: ContainerLimits;
  /** The tenant's router file in Traefik's dynamic directory (empty while access is disabled or the tenant stopped). */
  readonly route: ContainerFile;
  /** Present while the tenant has `backup` set. */
  readonly backup?: TenantBackup;

  constructor(name: string, args: TenantDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgs:docker:TenantDatabase", name, {}, withFormerType(opts, "pgs:docker:TenantDatabase"));
    const { tenant, naming } = args;
    if (tenant.state === "running" && (args.imageId === undefined || args.serverFiles === undefined)) {
      throw new Error(`TenantDatabase ${name}: a running tenant needs \`imageId\` and \`serverFiles\`.`);
    }

    const passwords = tenantPasswords(name, args, this);
    const verifiers = serverVerifiers(passwords, naming, tenant);

    const retainOnDelete = tenant.onRemove !== "delete";
    const layout = tenantStorageLayout(args.storageDir, naming.container(tenant.id));
    const limited = tenant.resources.storageMiB !== undefined;
    const storageMiB = tenant.resources.storageMiB ?? 0;
    this.storage = new TenantStorage(
      `${name}-storage`,
      {
        tenant: tenant.id,
        layout,
        bytes: storageMiB * MIB,
        walBytes: limited ? storageSplit(storageMiB).walMiB * MIB : 0,
        dataVolume: naming.dataVolume(tenant.id),
        volumes: [naming.dataVolume(tenant.id), ...(tenant.backup ? [naming.backupVolume(tenant.id)] : [])],
        walVolume: naming.walVolume(tenant.id),
      },
      { parent: this, retainOnDelete },
    );
    this.volume = new docker.Volume(
      `${name}-data`,
      {
        name: naming.dataVolume(tenant.id),
        labels: dockerLabels(naming.tenantLabels(tenant.id, "data")),
        ...(limited ? bindVolume(layout.data) : {}),
      },
      // Replaced only after pgs limit-storage moved the data out (the storage refuses otherwise):
      // the old volume is gone by then, and the new one takes its name.
      { parent: this, retainOnDelete, dependsOn: [this.storage], deleteBeforeReplace: true },
    );
    if (limited) {
      this.walVolume = new docker.Volume(
        `${name}-wal`,
        { name: naming.walVolume(tenant.id), labels: dockerLabels(naming.tenantLabels(tenant.id, "data")), ...bindVolume(layout.wal) },
        { parent: this, retainOnDelete, dependsOn: [this.storage] },
      );
    }
    this.configVolume = new docker.Volume(
      `${name}-config`,
      { name: naming.configVolume(tenant.id), labels: dockerLabels(naming.tenantLabels(tenant.id, "config")) },
      { parent: this },
    );

    this.network = new docker.Network(
      `${name}-network`,
      { name: naming.network(tenant.id), driver: "bridge", labels: dockerLabels(naming.tenantLabels(tenant.id, "network")) },
      { parent: this, deleteBeforeReplace: true },
    );

    if (tenant.state === "running") {
      this.container = new docker.Container(
        `${name}-postgres`,
        {
          name: naming.container(tenant.id),
          image: args.imageId!,
          entrypoints: [SERVER_FILES.start],
          command: serverCommand(tenant),
          envs: envList(serverEnv({ ...serverSpec(tenant), walMount: limited })),
          uploads: [
            { file: SERVER_SECRET_FILES.tenantVerifier, content: verifiers.tenant },
            { file: SERVER_SECRET_FILES.superuserVerifier, content: verifiers.superuser },
            { file: SERVER_SECRET_FILES.superuserPassword, content: passwords.superuserPassword },
          ],
          labels: dockerLabels({
            ...naming.tenantLabels(tenant.id, "postgres"),
            [LABEL.postgresMajor]: String(tenant.postgres.version),
            [LABEL.serverFiles]: args.serverFiles!.digest,
            ...tenantServiceLabels(tenant.id, naming),
          }),
          networkMode: "bridge",
          networksAdvanced: [{ name: this.network.name, aliases: [naming.serverAlias()] }],
          volumes: [
            { volumeName: this.volume.name, containerPath: dataMountPath(tenant.postgres.version) },
            { volumeName: this.configVolume.name, containerPath: SERVER_CONFIG_DIR },
            { volumeName: args.serverFiles!.volumeName, containerPath: SERVER_FILES_DIR, readOnly: true },
            ...(this.walVolume ? [{ volumeName: this.walVolume.name, containerPath: WAL_MOUNT }] : []),
          ],
          // No Docker health check: Docker 20.10 runs it through `docker exec` on a fixed interval,
          // which for a few hundred idle tenants was most of the host's CPU. Readiness is what
          // pgs up checks through the ingress; a failed role sync stops the server (sync-roles.sh).
          // tini as PID 1 forwards SIGINT to postgres and reaps the start hook's detached child.
          init: true,
          restart: "unless-stopped",
          stopSignal: "SIGINT",
          stopTimeout: STOP_TIMEOUT_SECONDS,
          destroyGraceSeconds: STOP_TIMEOUT_SECONDS,
          shmSize: tenant.resources.shmMiB,
          ...dockerMemory(tenant.resources.memoryMiB),
          cpus: dockerCpus(tenant.resources.cpus),
          ...TENANT_CONTAINER_HARDENING,
          ...CONTAINER_LOGS,
        },
        {
          parent: this,
          dependsOn: [args.serverFiles!.filler],
          // Two postmasters on one data directory corrupt it: the old container must be gone first.
          deleteBeforeReplace: true,
        },
      );
      const server = { container: this.container.name, trigger: this.container.id };
      this.settings = new ContainerFile(
        `${name}-settings`,
        {
          ...server,
          path: SERVER_SETTINGS_FILE,
          content: serverSettingsFile(tenant),
          exec: { user: SUPERUSER, command: [SERVER_FILES.reload] },
        },
        { parent: this },
      );
      this.limits = new ContainerLimits(`${name}-limits`, { ...server, pidsLimit: serverProcessLimit(tenant) }, { parent: this });
    }

    this.route = new ContainerFile(
      `${name}-route`,
      {
        container: args.ingress.containerName,
        trigger: args.ingress.containerId,
        path: tenantRouteFile(tenant.id, naming),
        content: tenantRouteConfig(tenant, naming),
      },
      { parent: this, ...(this.container ? { dependsOn: [this.container] } : {}) },
    );

    if (tenant.backup) {
      this.backup = new TenantBackup(
        name,
        {
          tenant,
          naming,
          ...(this.container ? { imageId: args.imageId!, server: this.container } : {}),
          networkName: this.network.name,
          password: passwords.password,
          ...(limited ? { storage: { volume: bindVolume(layout.backups), dependsOn: this.storage } } : {}),
          ...(args.offsite ? { offsite: args.offsite } : {}),
        },
        { parent: this },
      );
    }

    const outputs = tenantDatabaseOutputs(args, passwords.password);
    ({
      hostname: this.hostname,
      port: this.port,
      database: this.database,
      user: this.user,
      password: this.password,
      connectionString: this.connectionString,
    } = outputs);
    this.registerOutputs(outputs);
  }
}
