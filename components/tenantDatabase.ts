import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { dockerLabels, LABEL, Naming } from "../lib/naming";
import {
  dataMountPath, HEALTHCHECK, healthcheckCommand, PASSWORD_FILE, postgresCommand, STOP_TIMEOUT_SECONDS,
} from "../lib/postgresContainer";
import type { Tenant } from "../lib/tenant";
import { tenantRouterLabels } from "../lib/traefikLabels";

export interface TenantDatabaseArgs {
  tenant: Tenant;
  naming: Naming;
  /** The PostgreSQL image's id (RemoteImage.imageId), shared by tenants on the same image; needed while running. */
  imageId?: pulumi.Input<string>;
  /** The port clients use on the ingress. */
  ingressPort: number;
  /** A custom password from secret stack config (`passwordSecret`); generated when absent. */
  customPassword?: pulumi.Output<string>;
}

/**
 * One tenant: its password, data volume, private network and PostgreSQL container. The
 * volume's inputs depend only on the stack and the tenant id, so no edit of the tenant's
 * entry can replace it; it is kept when the tenant is removed unless `onRemove: delete`.
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

  constructor(name: string, args: TenantDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgs:index:TenantDatabase", name, {}, opts);
    const { tenant, naming } = args;
    if (tenant.state === "running" && args.imageId === undefined) {
      throw new Error(`TenantDatabase ${name}: a running tenant needs \`imageId\`.`);
    }

    this.password = pulumi.secret(args.customPassword ?? new random.RandomPassword(`${name}-password`, {
      length: 32,
      special: false,
    }, { parent: this }).result);

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
      this.container = new docker.Container(`${name}-postgres`, {
        name: naming.container(tenant.id),
        image: args.imageId!,
        command: postgresCommand(tenant.postgres.settings),
        envs: [
          `POSTGRES_USER=${tenant.user}`,
          `POSTGRES_DB=${tenant.database}`,
          `POSTGRES_PASSWORD_FILE=${PASSWORD_FILE}`,
        ],
        uploads: [{ file: PASSWORD_FILE, content: this.password }],
        labels: dockerLabels({
          ...naming.tenantLabels(tenant.id, "postgres"),
          [LABEL.postgresMajor]: String(tenant.postgres.version),
          ...tenantRouterLabels(tenant, naming),
        }),
        networkMode: "bridge",
        networksAdvanced: [{ name: this.network.name }],
        volumes: [{ volumeName: this.volume.name, containerPath: dataMountPath(tenant.postgres.version) }],
        healthcheck: { tests: healthcheckCommand(tenant.user, tenant.database), ...HEALTHCHECK },
        restart: "unless-stopped",
        stopSignal: "SIGINT",
        stopTimeout: STOP_TIMEOUT_SECONDS,
        destroyGraceSeconds: STOP_TIMEOUT_SECONDS,
        shmSize: tenant.resources.shmMiB,
        memory: tenant.resources.memoryMiB,
        cpus: String(tenant.resources.cpus),
        capabilities: { drops: ["NET_RAW"] },
        securityOpts: ["no-new-privileges:true"],
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
