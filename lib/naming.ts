/**
 * Every physical name and ownership label pgs puts on the Docker host. Names carry a
 * per-stack prefix so two stacks can share a host; a tenant's names depend only on the
 * prefix and its id, so editing a tenant never renames (and so never replaces) its volume.
 */
export const LABEL = {
  stack: "pgs.stack",
  tenant: "pgs.tenant",
  role: "pgs.role",
  postgresMajor: "pgs.postgres-major",
} as const;

export type Role = "postgres" | "data" | "network" | "ingress" | "backups" | "backup" | "offsite";

const PREFIX = /^[a-z0-9][a-z0-9-]{0,30}-$/;

export function defaultNamePrefix(stack: string): string {
  const safe = stack.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 24) || "stack";
  return `pgs-${safe}-`;
}

export function isValidNamePrefix(prefix: string): boolean {
  return PREFIX.test(prefix);
}

/** The ingress container is `<prefix>traefik`, so no tenant may have this id. */
export const INGRESS_NAME = "traefik";

/** The containers a tenant may own besides its server (backups, off-host copies, `pgs upgrade`). */
export const SIDE_CONTAINERS = ["backup", "offsite", "upgrade"] as const;
export type SideContainer = typeof SIDE_CONTAINERS[number];

export class Naming {
  constructor(readonly stack: string, readonly prefix: string) {
    if (!isValidNamePrefix(prefix)) {
      throw new Error(`name prefix "${prefix}" must match ${PREFIX} (lower case, ending in "-")`);
    }
  }

  container(tenantId: string): string { return `${this.prefix}${tenantId}`; }
  dataVolume(tenantId: string): string { return `${this.prefix}${tenantId}-data`; }
  network(tenantId: string): string { return `${this.prefix}${tenantId}-net`; }
  /** Kept when the tenant is removed, like the data volume. */
  backupVolume(tenantId: string): string { return `${this.prefix}${tenantId}-backups`; }
  /** The copy of the old major's data that `pgs upgrade` keeps. */
  upgradeCopyVolume(tenantId: string, major: number): string { return `${this.dataVolume(tenantId)}-pg${major}`; }
  /** A throwaway volume a restore from S3 downloads into. */
  restoreScratchVolume(tenantId: string, stamp: number): string { return `${this.backupVolume(tenantId)}-restore-${stamp}`; }
  /** A container a tenant owns besides its server: `<prefix><id>-<kind>`. */
  sideContainer(tenantId: string, kind: SideContainer): string { return `${this.container(tenantId)}-${kind}`; }
  backupContainer(tenantId: string): string { return this.sideContainer(tenantId, "backup"); }
  offsiteContainer(tenantId: string): string { return this.sideContainer(tenantId, "offsite"); }
  /**
   * The server's name on the tenant's own network, for its backup container: short and fixed,
   * since a container name of a 63-character id is longer than a DNS label.
   */
  serverAlias(): string { return "postgres"; }
  /** Traefik router, service and middleware names: no dots allowed, unique on the host. */
  router(tenantId: string): string { return `${this.prefix}${tenantId}`; }
  ingressContainer(): string { return `${this.prefix}${INGRESS_NAME}`; }

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
