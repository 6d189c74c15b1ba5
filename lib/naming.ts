/**
 * Every physical name and ownership label pgs puts on the Docker host or into a Kubernetes
 * cluster. Names carry a per-stack prefix so two stacks can share a host or a cluster; a
 * tenant's names depend only on the prefix and its id, so editing a tenant never renames (and
 * so never replaces) its volume.
 */
export const LABEL = {
  stack: "pgs.stack",
  tenant: "pgs.tenant",
  role: "pgs.role",
  postgresMajor: "pgs.postgres-major",
  /** On a server: the digest of the scripts it runs (components/docker/serverFiles.ts). */
  serverFiles: "pgs.server-files",
} as const;

export type Role =
  | "postgres"
  | "data"
  | "config"
  | "network"
  | "ingress"
  | "server-files"
  | "backups"
  | "backup"
  | "offsite"
  | "tenant"
  | "route"
  | "backup-reader";

const PREFIX = /^[a-z0-9][a-z0-9-]{0,30}-$/;

export function defaultNamePrefix(stack: string): string {
  const safe =
    stack
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 24) || "stack";
  return `pgs-${safe}-`;
}

export function isValidNamePrefix(prefix: string): boolean {
  return PREFIX.test(prefix);
}

/** The ingress container is `<prefix>traefik`, so no tenant may have this id. */
export const INGRESS_NAME = "traefik";

/** Kubernetes names are DNS labels: a namespace `<prefix><id>` must fit in 63 characters. */
export const KUBERNETES_NAME_MAX = 63;

/**
 * The objects of a tenant's namespace on Kubernetes. The namespace isolates them, so their
 * names are fixed and short; only the namespace carries the stack prefix and the tenant id.
 */
export const KUBERNETES_OBJECTS = {
  /** StatefulSet, its Service and its container; the pod is `postgres-0`. */
  server: "postgres",
  dataClaim: "data",
  backupsClaim: "backups",
  /** The server's verifiers and initdb password, and the tenant password of the backup job. */
  credentials: "credentials",
  /** The server's scripts and config of lib/postgres/files, verbatim. */
  files: "pgs-files",
  /** The server's settings a reload applies (settings.conf), mounted where the main config includes it. */
  settings: "pgs-settings",
  /** The backup job's script (backup-now.sh), verbatim. */
  backupFiles: "pgs-backup-files",
  networkPolicy: "postgres",
  route: "postgres",
  allowList: "allow-from",
  backupJob: "backup",
  /** In the ingress's namespace: Traefik's Deployment, Service, ServiceAccount and TLS objects. */
  traefik: "traefik",
  certificate: "traefik-tls",
} as const;

/** The containers a tenant may own besides its server (backups, off-host copies, `pgs upgrade`). */
export const SIDE_CONTAINERS = ["backup", "offsite", "upgrade"] as const;
export type SideContainer = (typeof SIDE_CONTAINERS)[number];

export class Naming {
  constructor(
    readonly stack: string,
    readonly prefix: string,
  ) {
    if (!isValidNamePrefix(prefix)) {
      throw new Error(`name prefix "${prefix}" must match ${PREFIX} (lower case, ending in "-")`);
    }
  }

  container(tenantId: string): string {
    return `${this.prefix}${tenantId}`;
  }
  dataVolume(tenantId: string): string {
    return `${this.prefix}${tenantId}-data`;
  }
  /** A tenant with a storage limit keeps its WAL in a volume of its own. */
  walVolume(tenantId: string): string {
    return `${this.prefix}${tenantId}-wal`;
  }
  network(tenantId: string): string {
    return `${this.prefix}${tenantId}-net`;
  }
  /** The server's own configuration (settings a reload applies); pgs rewrites it, so it goes with the tenant. */
  configVolume(tenantId: string): string {
    return `${this.prefix}${tenantId}-config`;
  }
  /** Kept when the tenant is removed, like the data volume. */
  backupVolume(tenantId: string): string {
    return `${this.prefix}${tenantId}-backups`;
  }
  /** The copy of the old major's data that `pgs upgrade` keeps. */
  upgradeCopyVolume(tenantId: string, major: number): string {
    return `${this.dataVolume(tenantId)}-pg${major}`;
  }
  /** What `pgs limit-storage` keeps of a volume whose data it moved into the tenant's limited filesystem. */
  unlimitedCopyVolume(volume: string): string {
    return `${volume}-unlimited`;
  }
  /** A throwaway volume a restore from S3 downloads into. */
  restoreScratchVolume(tenantId: string, stamp: number): string {
    return `${this.backupVolume(tenantId)}-restore-${stamp}`;
  }
  /** A container a tenant owns besides its server: `<prefix><id>-<kind>`. */
  sideContainer(tenantId: string, kind: SideContainer): string {
    return `${this.container(tenantId)}-${kind}`;
  }
  backupContainer(tenantId: string): string {
    return this.sideContainer(tenantId, "backup");
  }
  offsiteContainer(tenantId: string): string {
    return this.sideContainer(tenantId, "offsite");
  }
  /**
   * The server's name on the tenant's own network, for its backup container: short and fixed,
   * since a container name of a 63-character id is longer than a DNS label.
   */
  serverAlias(): string {
    return "postgres";
  }
  /** Traefik router, service and middleware names: no dots allowed, unique on the host. */
  router(tenantId: string): string {
    return `${this.prefix}${tenantId}`;
  }
  /** Traefik's dynamic directory: routes and certificate, written by pgs. */
  ingressVolume(): string {
    return `${this.prefix}${INGRESS_NAME}-dynamic`;
  }
  ingressContainer(): string {
    return `${this.prefix}${INGRESS_NAME}`;
  }
  /**
   * The volume of the servers' scripts, shared by every tenant, and the container that fills it.
   * The `_` keeps it apart from every tenant's objects: a tenant id never has one.
   */
  serverFilesVolume(): string {
    return `${this.prefix}server_files`;
  }
  serverFilesContainer(): string {
    return `${this.prefix}server_files`;
  }
  serverFilesLabels(): Record<string, string> {
    return { [LABEL.stack]: this.stack, [LABEL.role]: "server-files" };
  }

  /** Kubernetes: the tenant's namespace, holding all its objects (kept with its volumes on removal). */
  tenantNamespace(tenantId: string): string {
    return `${this.prefix}${tenantId}`;
  }
  /** Kubernetes: the ingress's namespace; no tenant can take it (INGRESS_NAME is reserved). */
  ingressNamespace(): string {
    return `${this.prefix}${INGRESS_NAME}`;
  }
  /** Kubernetes: the ingress's ClusterRole and ClusterRoleBinding (cluster-wide, so prefixed). */
  ingressClusterRole(): string {
    return `${this.prefix}${INGRESS_NAME}`;
  }

  /** The labels every resource of a tenant carries (Traefik's constraint reads `pgs.stack`). */
  tenantLabels(tenantId: string, role: Role): Record<string, string> {
    return { [LABEL.stack]: this.stack, [LABEL.tenant]: tenantId, [LABEL.role]: role };
  }

  ingressLabels(): Record<string, string> {
    return { [LABEL.stack]: this.stack, [LABEL.role]: "ingress" };
  }
}

/** Stable logical name of the RemoteImage for an image reference. */
export function imageLogicalName(ref: string): string {
  return `image-${ref.replace(/[^A-Za-z0-9._-]+/g, "-")}`;
}
