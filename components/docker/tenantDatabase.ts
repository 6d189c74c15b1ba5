import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { TENANT_CONTAINER_HARDENING } from "../../lib/docker/hardening";
import { dockerCpus, dockerLabels, dockerMemory, envList, goDuration } from "../../lib/docker/inputs";
import { LABEL } from "../../lib/naming";
import { dataMountPath, HEALTHCHECK, STOP_TIMEOUT_SECONDS } from "../../lib/postgres/container";
import {
  HEALTH_PROBE,
  SERVER_FILES,
  SERVER_SECRET_FILES,
  serverCommand,
  serverEnv,
  serverFiles,
  serverSpec,
} from "../../lib/postgres/server";
import { tenantRouterLabels } from "../../lib/traefik/labels";
import { withOldType } from "../aliases";
import { serverVerifiers, type TenantDatabaseBaseArgs, tenantDatabaseOutputs, tenantPasswords } from "../tenantDatabaseBase";
import { type OffsiteArgs, TenantBackup } from "./tenantBackup";

export interface TenantDatabaseArgs extends TenantDatabaseBaseArgs {
  /** The PostgreSQL image's id (RemoteImage.imageId), shared by tenants on the same image; needed while running. */
  imageId?: pulumi.Input<string>;
  /** Off-host copies of the tenant's backups (when the stack has an S3 target and the tenant has backups). */
  offsite?: OffsiteArgs;
}

/**
 * One tenant: its passwords, data volume, private network and PostgreSQL container. The
 * volume's inputs depend only on the stack and the tenant id, so no edit of the tenant's
 * entry can replace it; it is kept when the tenant is removed unless `onRemove: delete`.
 * The tenant logs in as a non-superuser role that owns its database; a start hook
 * (lib/postgres/files/start.sh) makes role, ownership and password match on every start.
 */
export class TenantDatabase extends pulumi.ComponentResource {
  readonly hostname: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: pulumi.Output<string>;
  readonly connectionString: pulumi.Output<string>;
  readonly volume: docker.Volume;
  readonly network: docker.Network;
  /** Absent while the tenant is `state: stopped`. */
  readonly container?: docker.Container;
  /** Present while the tenant has `backup` set. */
  readonly backup?: TenantBackup;

  constructor(name: string, args: TenantDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgs:docker:TenantDatabase", name, {}, withOldType(opts, "pgs:index:TenantDatabase"));
    const { tenant, naming } = args;
    if (tenant.state === "running" && args.imageId === undefined) {
      throw new Error(`TenantDatabase ${name}: a running tenant needs \`imageId\`.`);
    }

    const passwords = tenantPasswords(name, args, this);
    const verifiers = serverVerifiers(passwords, naming, tenant);

    this.volume = new docker.Volume(
      `${name}-data`,
      {
        name: naming.dataVolume(tenant.id),
        labels: dockerLabels(naming.tenantLabels(tenant.id, "data")),
      },
      { parent: this, retainOnDelete: tenant.onRemove !== "delete" },
    );

    this.network = new docker.Network(
      `${name}-network`,
      {
        name: naming.network(tenant.id),
        driver: "bridge",
        labels: dockerLabels(naming.tenantLabels(tenant.id, "network")),
      },
      { parent: this, deleteBeforeReplace: true },
    );

    if (tenant.state === "running") {
      this.container = new docker.Container(
        `${name}-postgres`,
        {
          name: naming.container(tenant.id),
          image: args.imageId!,
          entrypoints: [SERVER_FILES.start],
          command: serverCommand(tenant.postgres.settings),
          envs: envList(serverEnv(serverSpec(tenant))),
          uploads: [
            ...serverFiles().map((f) => ({ file: f.path, content: f.content, executable: f.executable })),
            { file: SERVER_SECRET_FILES.tenantVerifier, content: verifiers.tenant },
            { file: SERVER_SECRET_FILES.superuserVerifier, content: verifiers.superuser },
            { file: SERVER_SECRET_FILES.superuserPassword, content: passwords.superuserPassword },
          ],
          labels: dockerLabels({
            ...naming.tenantLabels(tenant.id, "postgres"),
            [LABEL.postgresMajor]: String(tenant.postgres.version),
            ...tenantRouterLabels(tenant, naming),
          }),
          networkMode: "bridge",
          networksAdvanced: [{ name: this.network.name, aliases: [naming.serverAlias()] }],
          volumes: [{ volumeName: this.volume.name, containerPath: dataMountPath(tenant.postgres.version) }],
          healthcheck: {
            tests: ["CMD", ...HEALTH_PROBE],
            interval: goDuration(HEALTHCHECK.intervalSeconds),
            timeout: goDuration(HEALTHCHECK.timeoutSeconds),
            startPeriod: goDuration(HEALTHCHECK.startPeriodSeconds),
            retries: HEALTHCHECK.retries,
          },
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
          wait: true,
          waitTimeout: STOP_TIMEOUT_SECONDS,
        },
        {
          parent: this,
          // Two postmasters on one data directory corrupt it: the old container must be gone first.
          deleteBeforeReplace: true,
          // The docker provider silently ignores healthcheck edits (kreuzwerker#988).
          replaceOnChanges: ["healthcheck"],
        },
      );
    }

    if (tenant.backup) {
      this.backup = new TenantBackup(
        name,
        {
          tenant,
          naming,
          ...(this.container ? { imageId: args.imageId!, server: this.container } : {}),
          networkName: this.network.name,
          password: passwords.password,
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
