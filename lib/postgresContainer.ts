/** Facts about the PostgreSQL image contract that the tenant container relies on. */

/**
 * Where the data volume is mounted. From 18 the official image keeps PGDATA at
 * /var/lib/postgresql/18/docker under VOLUME /var/lib/postgresql and refuses a mount at
 * .../data; up to 17 both are /var/lib/postgresql/data.
 */
export function dataMountPath(major: number): string {
  return major >= 18 ? "/var/lib/postgresql" : "/var/lib/postgresql/data";
}

/** Uploaded into the container and named by POSTGRES_PASSWORD_FILE, so `docker inspect` shows no password. */
export const PASSWORD_FILE = "/run/pgs/postgres-password";

/** `-c name=value` pairs in name order, so the same settings always give the same command. */
export function postgresCommand(settings: Record<string, string>): string[] {
  const command = ["postgres"];
  for (const name of Object.keys(settings).sort()) command.push("-c", `${name}=${settings[name]}`);
  return command;
}

/** Over TCP: the initdb-time temporary server listens on the socket only, so this is not ready too early. */
export function healthcheckCommand(user: string, database: string): string[] {
  return ["CMD", "pg_isready", "-h", "127.0.0.1", "-p", "5432", "-U", user, "-d", database];
}

export const HEALTHCHECK = { interval: "5s", timeout: "5s", startPeriod: "120s", retries: 3 } as const;
/** Docker's 10 s default ends in SIGKILL and crash recovery; a fast shutdown can need longer. */
export const STOP_TIMEOUT_SECONDS = 120;
