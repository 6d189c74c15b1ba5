import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { dockerLabels, LABEL, Naming } from "../lib/naming";
import {
  BOOTSTRAP_FILES, BootstrapSpec, hbaConf, healthcheckCommand, serverCommand, startScript, SUPERUSER,
  syncRolesScript, syncRolesSql,
} from "../lib/postgresBootstrap";
import { dataMountPath, HEALTHCHECK, STOP_TIMEOUT_SECONDS, TENANT_CONTAINER_HARDENING } from "../lib/postgresContainer";
import { scramSha256Verifier } from "../lib/scram";
import type { Tenant } from "../lib/tenant";
import { tenantRouterLabels } from "../lib/traefikLabels";
import { OffsiteArgs, TenantBackup } from "./tenantBackup";

export interface TenantDatabaseArgs {
  tenant: Tenant;
  naming: Naming;
  /** The PostgreSQL image's id (RemoteImage.imageId), shared by tenants on the same image; needed while running. */
  imageId?: pulumi.Input<string>;
  /** The port clients use on the ingress. */
  ingressPort: number;
  /** A custom password from secret stack config (`passwordSecret`); generated when absent. */
  customPassword?: pulumi.Output<string>;
  /** Off-host copies of the tenant's backups (when the stack has an S3 target and the tenant has backups). */
  offsite?: OffsiteArgs;
}

/**
 * One tenant: its passwords, data volume, private network and PostgreSQL container. The
 * volume's inputs depend only on the stack and the tenant id, so no edit of the tenant's
 * entry can replace it; it is kept when the tenant is removed unless `onRemove: delete`.
 * The tenant logs in as a non-superuser role that owns its database; a start hook
 * (lib/postgresBootstrap.ts) makes role, ownership and password match on every start.
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
    super("pgs:index:TenantDatabase", name, {}, opts);
    const { tenant, naming } = args;
    if (tenant.state === "running" && args.imageId === undefined) {
      throw new Error(`TenantDatabase ${name}: a running tenant needs \`imageId\`.`);
    }

    this.password = pulumi.secret(args.customPassword ?? new random.RandomPassword(`${name}-password`, {
      length: 32,
      special: false,
      ...(tenant.passwordVersion !== undefined ? { keepers: { passwordVersion: String(tenant.passwordVersion) } } : {}),
    }, { parent: this }).result);
    const superuserPassword = pulumi.secret(new random.RandomPassword(`${name}-superuser-password`, {
      length: 32,
      special: false,
    }, { parent: this }).result);
    const verifierContext = `${naming.stack}/${tenant.id}`;

    this.volume = new docker.Volume(`${name}-data`, {
      name: naming.dataVolume(tenant.id),
      labels: dockerLabels(naming.tenantLabels(tenant.id, "data")),
    }, { parent: this, retainOnDelete: tenant.onRemove !== "delete" });

    this.network = new docker.Network(`${name}-network`, {
      name: naming.network(tenant.id),
      driver: "bridge",
      labels: dockerLabels(naming.tenantLabels(tenant.id, "network")),
    }, { parent: this, deleteBeforeReplace: true });

    if (tenant.state === "running") {
      const spec: BootstrapSpec = {
        tenantId: tenant.id, role: tenant.user, database: tenant.database, superuser: tenant.superuser, major: tenant.postgres.version,
      };
      this.container = new docker.Container(`${name}-postgres`, {
        name: naming.container(tenant.id),
        image: args.imageId!,
        entrypoints: [BOOTSTRAP_FILES.start],
        command: serverCommand(tenant.postgres.settings),
        envs: [
          `POSTGRES_USER=${SUPERUSER}`,
          `POSTGRES_DB=${tenant.database}`,
          `POSTGRES_PASSWORD_FILE=${BOOTSTRAP_FILES.superuserPassword}`,
        ],
        uploads: [
          { file: BOOTSTRAP_FILES.start, content: startScript(spec), executable: true },
          { file: BOOTSTRAP_FILES.syncRoles, content: syncRolesScript(), executable: true },
          { file: BOOTSTRAP_FILES.syncRolesSql, content: syncRolesSql(spec) },
          { file: BOOTSTRAP_FILES.hba, content: hbaConf() },
          { file: BOOTSTRAP_FILES.tenantVerifier, content: this.password.apply((p) => scramSha256Verifier(p, verifierContext)) },
          { file: BOOTSTRAP_FILES.superuserVerifier, content: superuserPassword.apply((p) => scramSha256Verifier(p, verifierContext)) },
          { file: BOOTSTRAP_FILES.superuserPassword, content: superuserPassword },
        ],
        labels: dockerLabels({
          ...naming.tenantLabels(tenant.id, "postgres"),
          [LABEL.postgresMajor]: String(tenant.postgres.version),
          ...tenantRouterLabels(tenant, naming),
        }),
        networkMode: "bridge",
        networksAdvanced: [{ name: this.network.name }],
        volumes: [{ volumeName: this.volume.name, containerPath: dataMountPath(tenant.postgres.version) }],
        healthcheck: { tests: healthcheckCommand(), ...HEALTHCHECK },
        // tini as PID 1 forwards SIGINT to postgres and reaps the start hook's detached child.
        init: true,
        restart: "unless-stopped",
        stopSignal: "SIGINT",
        stopTimeout: STOP_TIMEOUT_SECONDS,
        destroyGraceSeconds: STOP_TIMEOUT_SECONDS,
        shmSize: tenant.resources.shmMiB,
        memory: tenant.resources.memoryMiB,
        cpus: String(tenant.resources.cpus),
        ...TENANT_CONTAINER_HARDENING,
        wait: true,
        waitTimeout: STOP_TIMEOUT_SECONDS,
      }, {
        parent: this,
        // Two postmasters on one data directory corrupt it: the old container must be gone first.
        deleteBeforeReplace: true,
        // The docker provider silently ignores healthcheck edits (kreuzwerker#988).
        replaceOnChanges: ["healthcheck"],
      });
    }

    if (tenant.backup) {
      this.backup = new TenantBackup(name, {
        tenant,
        naming,
        ...(this.container ? { imageId: args.imageId!, server: this.container } : {}),
        networkName: this.network.name,
        password: this.password,
        ...(args.offsite ? { offsite: args.offsite } : {}),
      }, { parent: this });
    }

    this.hostname = tenant.hostname;
    this.port = args.ingressPort;
    this.database = tenant.database;
    this.user = tenant.user;
    this.connectionString = pulumi.secret(pulumi.interpolate`postgresql://${tenant.user}:${this.password.apply(encodeURIComponent)}@${tenant.hostname}:${args.ingressPort}/${tenant.database}?sslmode=verify-full`);

    this.registerOutputs({
      hostname: this.hostname,
      port: this.port,
      database: this.database,
      user: this.user,
      password: this.password,
      connectionString: this.connectionString,
    });
  }
}
