/** Facts about the PostgreSQL image and the containers pgs runs from it. */
import layout from "./data-layout.json";

/** The port every tenant server listens on inside its container (and `PGPORT` of every pgs script). */
export const POSTGRES_PORT = 5432;

/** The image's bootstrap superuser (`POSTGRES_USER`); never allowed to log in over the network. */
export const SUPERUSER = "postgres";

function layoutOf(major: number): { volume: string; pgdata: string } {
  return major >= layout.sinceMajor ? layout.since : layout.before;
}

/**
 * Where the data volume is mounted: the image's own VOLUME. From 18 the official image keeps
 * PGDATA at /var/lib/postgresql/18/docker and refuses a mount at .../data; up to 17 both are
 * /var/lib/postgresql/data.
 */
export function dataMountPath(major: number): string {
  return layoutOf(major).volume;
}

/** PGDATA inside the image. */
export function dataDirectory(major: number): string {
  return layoutOf(major).pgdata.replace("{major}", String(major));
}

/** Health checks every 5 s; the ingress routes to a tenant only while it is healthy. */
export const HEALTHCHECK = { intervalSeconds: 5, timeoutSeconds: 5, startPeriodSeconds: 120, retries: 3 } as const;

/** Docker's 10 s default ends in SIGKILL and crash recovery; a fast shutdown can need longer. */
export const STOP_TIMEOUT_SECONDS = 120;

/**
 * Ends every session that came through the network (the ingress): a tenant's clients, never the
 * local ones pgs itself opens. Prints how many it ended.
 */
export const TERMINATE_NETWORK_SESSIONS_SQL =
  "select count(pg_terminate_backend(pid)) from pg_stat_activity where backend_type = 'client backend' and client_addr is not null and pid <> pg_backend_pid()";
