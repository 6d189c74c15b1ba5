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

/** The tenant database's size and its client sessions (not counting this query's), as "SIZE|SESSIONS". */
export const SERVER_FACTS_SQL =
  "select pg_database_size(current_database()), (select count(*) from pg_stat_activity where datname = current_database() and backend_type = 'client backend' and pid <> pg_backend_pid())";

/**
 * In a tenant's server: "SIZE|USED" in bytes of the filesystems of its data volume and, where it
 * has its own (PGS_WAL_MOUNT), its WAL volume: together, its storage limit.
 */
export const STORAGE_USE_SCRIPT = `df -P -B1 "$PGS_DATA_MOUNT" \${PGS_WAL_MOUNT:+"$PGS_WAL_MOUNT"} | awk 'NR > 1 { size += $2; used += $3 } END { print size "|" used }'`;

/** What SERVER_FACTS_SQL's line and, where it ran, STORAGE_USE_SCRIPT's line say. */
export function parseServerFacts(
  factsLine: string,
  storageLine?: string,
): { dataBytes: number; connections: number; storage: { sizeBytes: number; usedBytes: number } | null } {
  const [dataBytes, connections] = factsLine.trim().split("|").map(Number);
  const [sizeBytes, usedBytes] = (storageLine ?? "").trim().split("|").map(Number);
  const storage = Number.isFinite(sizeBytes) && Number.isFinite(usedBytes) && sizeBytes > 0 ? { sizeBytes, usedBytes } : null;
  return { dataBytes, connections, storage };
}
