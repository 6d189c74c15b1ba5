/** What the stack publishes per tenant (`tenantEndpoints`, not secret). */
import type { Tenant } from "./tenant";

export interface TenantEndpoint {
  hostname: string;
  port: number;
  database: string;
  user: string;
  access: Tenant["access"];
  state: Tenant["state"];
  /** Also what the next deployment reads back to guard major versions (lib/tenants/majorVersion.ts). */
  postgresVersion: number;
  superuser: boolean;
}

export function tenantEndpoint(tenant: Tenant, port: number): TenantEndpoint {
  return {
    hostname: tenant.hostname,
    port,
    database: tenant.database,
    user: tenant.user,
    access: tenant.access,
    state: tenant.state,
    postgresVersion: tenant.postgres.version,
    superuser: tenant.superuser,
  };
}
