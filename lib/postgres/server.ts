/**
 * A tenant's PostgreSQL server container: the files pgs puts into it and the environment they
 * read (lib/postgres/files/). The official image applies POSTGRES_PASSWORD and POSTGRES_DB only
 * at initdb (docker-library/postgres#665), so a start hook makes the server match the program at
 * every start: the tenant's login role exists, is (or is not) superuser, owns the tenant's
 * database and has the current password, uploaded as a SCRAM verifier so that the password
 * itself never enters the container. The container is healthy only once that is done.
 */
import { dataMountPath, POSTGRES_PORT, SUPERUSER } from "./container";
import { sourceFile } from "../sourceDir";
import type { Tenant } from "../tenants/tenant";

/** Scripts and configuration, the same for every tenant. */
const SCRIPT_DIR = "/run/pgs";
/** Per-tenant secrets (verifiers and the superuser's initdb password). */
const SECRET_DIR = "/run/pgs-secrets";

export const SERVER_FILES = {
  start: `${SCRIPT_DIR}/start.sh`,
  syncRoles: `${SCRIPT_DIR}/sync-roles.sh`,
  syncRolesSql: `${SCRIPT_DIR}/sync-roles.sql`,
  probe: `${SCRIPT_DIR}/probe.sh`,
  hba: `${SCRIPT_DIR}/pg_hba.conf`,
} as const;

export const SERVER_SECRET_FILES = {
  tenantVerifier: `${SECRET_DIR}/tenant.scram`,
  superuserVerifier: `${SECRET_DIR}/superuser.scram`,
  superuserPassword: `${SECRET_DIR}/superuser-password`,
} as const;

/** Written by the start hook once the roles are synced; removed at every start. */
const READY_FILE = "/tmp/pgs-ready";

export interface ServerSpec {
  tenantId: string;
  role: string;
  database: string;
  superuser: boolean;
  major: number;
}

export interface ContainerFile {
  /** Absolute path inside the container. */
  path: string;
  content: string;
  executable: boolean;
}

/** The scripts and config of lib/postgres/files, verbatim: every tenant gets the same bytes. */
export function serverFiles(): ContainerFile[] {
  return Object.values(SERVER_FILES).map((file) => {
    const name = file.slice(file.lastIndexOf("/") + 1);
    return { path: file, content: sourceFile(`lib/postgres/files/${name}`), executable: name.endsWith(".sh") };
  });
}

/** The facts of a tenant its server's scripts need. */
export function serverSpec(tenant: Tenant): ServerSpec {
  return { tenantId: tenant.id, role: tenant.user, database: tenant.database, superuser: tenant.superuser, major: tenant.postgres.version };
}

/** What the image contract and pgs's own scripts read; nothing secret. */
export function serverEnv(spec: ServerSpec): Record<string, string> {
  return {
    POSTGRES_USER: SUPERUSER,
    POSTGRES_DB: spec.database,
    POSTGRES_PASSWORD_FILE: SERVER_SECRET_FILES.superuserPassword,
    PGPORT: String(POSTGRES_PORT),
    PGS_TENANT: spec.tenantId,
    PGS_ROLE: spec.role,
    PGS_DATABASE: spec.database,
    PGS_SUPERUSER: spec.superuser ? "on" : "off",
    PGS_MAJOR: String(spec.major),
    PGS_DATA_MOUNT: dataMountPath(spec.major),
    PGS_READY_FILE: READY_FILE,
    PGS_TENANT_VERIFIER_FILE: SERVER_SECRET_FILES.tenantVerifier,
    PGS_SUPERUSER_VERIFIER_FILE: SERVER_SECRET_FILES.superuserVerifier,
  };
}

/** The health probe: healthy once the roles are synced and the server accepts TCP connections. */
export const HEALTH_PROBE = [SERVER_FILES.probe];
/** The server accepts TCP connections (the roles may not be synced yet). */
export const ACCEPTING_PROBE = [SERVER_FILES.probe, "accepting"];

/** `-c name=value` pairs in name order, so the same settings always give the same command. */
export function serverCommand(settings: Record<string, string>): string[] {
  const command = ["postgres", "-c", `hba_file=${SERVER_FILES.hba}`];
  for (const name of Object.keys(settings).sort()) command.push("-c", `${name}=${settings[name]}`);
  return command;
}
