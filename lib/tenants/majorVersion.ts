import type { TenantEndpoint } from "./endpoint";
import type { Tenant } from "./tenant";

/**
 * Why a tenant's container must not be replaced, if it must not: its data directory is of
 * the previous major, which a server of another major cannot open (the official image never
 * upgrades data). `postgres.upgradedFrom`, written by `pgs upgrade` after it moved the
 * data, acknowledges the change.
 */
export function majorChangeProblem(tenant: Tenant, previousMajor: number | undefined, stack: string): string | undefined {
  const wanted = tenant.postgres.version;
  if (previousMajor === undefined || previousMajor === wanted) return undefined;
  if (tenant.postgres.upgradedFrom === previousMajor) return undefined;
  if (wanted < previousMajor) {
    return (
      `tenant "${tenant.id}": postgres.version ${wanted} is older than the ${previousMajor} its data was written by; ` +
      `PostgreSQL cannot downgrade a data directory. Put postgres.version back to ${previousMajor} ` +
      "(to go back, restore a dump into a new tenant)."
    );
  }
  return (
    `tenant "${tenant.id}": postgres.version changed from ${previousMajor} to ${wanted}, but its data directory is ` +
    `PostgreSQL ${previousMajor} and a PostgreSQL ${wanted} server cannot start on it. Nothing was changed for this tenant. ` +
    `Move the data first: npx pgs upgrade ${tenant.id} --to ${wanted} --stack ${stack} ` +
    `(it keeps a copy of the old data and records postgres.upgradedFrom: ${previousMajor}); ` +
    `or set postgres.version back to ${previousMajor}.`
  );
}

const RECORDED_MAJOR = "postgresVersion" satisfies keyof TenantEndpoint;

/** The majors the last deployment recorded in its `tenantEndpoints` output (undefined on a new stack). */
export function previousMajors(tenantEndpoints: unknown): Record<string, number> {
  const majors: Record<string, number> = {};
  if (tenantEndpoints && typeof tenantEndpoints === "object") {
    for (const [id, endpoint] of Object.entries(tenantEndpoints as Record<string, unknown>)) {
      const version = (endpoint as Partial<TenantEndpoint> | null)?.[RECORDED_MAJOR];
      if (typeof version === "number") majors[id] = version;
    }
  }
  return majors;
}
