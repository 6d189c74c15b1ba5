/** Facts about the PostgreSQL image contract that the tenant container relies on. */

/**
 * Where the data volume is mounted. From 18 the official image keeps PGDATA at
 * /var/lib/postgresql/18/docker under VOLUME /var/lib/postgresql and refuses a mount at
 * .../data; up to 17 both are /var/lib/postgresql/data.
 */
export function dataMountPath(major: number): string {
  return major >= 18 ? "/var/lib/postgresql" : "/var/lib/postgresql/data";
}

/** Health checks every 5 s; Traefik routes to a tenant only while it is healthy. */
export const HEALTHCHECK = { interval: "5s", timeout: "5s", startPeriod: "120s", retries: 3 } as const;
/** Docker's 10 s default ends in SIGKILL and crash recovery; a fast shutdown can need longer. */
export const STOP_TIMEOUT_SECONDS = 120;

/**
 * What every container a tenant owns runs with: no raw sockets (no spoofing on the tenant
 * network) and no privilege gain through setuid binaries.
 */
export const TENANT_CONTAINER_HARDENING: { capabilities: { drops: string[] }; securityOpts: string[] } = {
  capabilities: { drops: ["NET_RAW"] },
  securityOpts: ["no-new-privileges:true"],
};
