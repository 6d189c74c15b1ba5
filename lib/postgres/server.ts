/**
 * A tenant's PostgreSQL server container: the files pgs puts into it and the environment they
 * read (lib/postgres/files/). The official image applies POSTGRES_PASSWORD and POSTGRES_DB only
 * at initdb (docker-library/postgres#665), so a start hook makes the server match the program at
 * every start: the tenant's login role exists, is (or is not) superuser, owns the tenant's
 * database and has the current password, uploaded as a SCRAM verifier so that the password
 * itself never enters the container. The container is healthy only once that is done.
 */
import { createHash } from "node:crypto";
import { dataDirectory, dataMountPath, POSTGRES_PORT, SUPERUSER } from "./container";
import { sourceFile } from "../sourceDir";
import { reloadable } from "../tenants/postgresParameters";
import type { Tenant } from "../tenants/tenant";

/** Scripts and configuration, the same for every tenant (on Docker one read-only volume that all share). */
export const SERVER_FILES_DIR = "/run/pgs";
const SCRIPT_DIR = SERVER_FILES_DIR;
/** Per-tenant secrets (verifiers and the superuser's initdb password). */
const SECRET_DIR = "/run/pgs-secrets";

export const SERVER_FILES = {
  start: `${SCRIPT_DIR}/start.sh`,
  syncRoles: `${SCRIPT_DIR}/sync-roles.sh`,
  syncRolesSql: `${SCRIPT_DIR}/sync-roles.sql`,
  probe: `${SCRIPT_DIR}/probe.sh`,
  reload: `${SCRIPT_DIR}/reload.sh`,
  storageReserve: `${SCRIPT_DIR}/storage-reserve.sh`,
  hba: `${SCRIPT_DIR}/pg_hba.conf`,
} as const;

export const SERVER_SECRET_FILES = {
  tenantVerifier: `${SECRET_DIR}/tenant.scram`,
  superuserVerifier: `${SECRET_DIR}/superuser.scram`,
  superuserPassword: `${SECRET_DIR}/superuser-password`,
} as const;

/** Written by the start hook once the roles are synced; removed at every start. */
const READY_FILE = "/tmp/pgs-ready";

/**
 * The server's own configuration, pgs's: a volume on Docker, a ConfigMap on Kubernetes. It holds
 * the settings a reload applies (settings.conf), so that editing one restarts nothing.
 */
export const SERVER_CONFIG_DIR = "/etc/pgs";
export const SERVER_SETTINGS_FILE = `${SERVER_CONFIG_DIR}/settings.conf`;
/** The main configuration file the start hook writes at each start: initdb's postgresql.conf, then settings.conf. */
const MAIN_CONFIG_FILE = "/tmp/pgs-postgresql.conf";

export interface ServerSpec {
  tenantId: string;
  role: string;
  database: string;
  superuser: boolean;
  major: number;
  /** The reserve file a full disk gives back (files/storage-reserve.sh); absent without a storage limit. */
  storageReserveMiB?: number;
  /** The WAL's own filesystem is mounted at WAL_MOUNT (a limited tenant on Docker). */
  walMount?: boolean;
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

/** sha256 of serverFiles(): what a server must be made again for when pgs's scripts change. */
export function serverFilesDigest(files: ContainerFile[] = serverFiles()): string {
  const hash = createHash("sha256");
  for (const f of files) hash.update(`${f.path}\0${f.executable}\0${f.content}\0`);
  return hash.digest("hex");
}

/** The facts of a tenant its server's scripts need. */
export function serverSpec(tenant: Tenant): ServerSpec {
  const storage = tenant.resources.storageMiB;
  return {
    tenantId: tenant.id,
    role: tenant.user,
    database: tenant.database,
    superuser: tenant.superuser,
    major: tenant.postgres.version,
    ...(storage !== undefined ? { storageReserveMiB: storageReserveMiB(storage) } : {}),
  };
}

/** A sixteenth of the limit, from 32 to 256 MiB: room for the files a checkpoint writes, and more. */
export function storageReserveMiB(storageMiB: number): number {
  return Math.min(256, Math.max(32, Math.floor(storageMiB / 16)));
}

/**
 * What the image contract and pgs's own scripts read; nothing secret. `settingsWatchSeconds`:
 * where nothing reloads the server when settings.conf changes (Kubernetes), how often the start
 * hook looks; empty (Docker) when pgs reloads it after each write.
 */
export function serverEnv(spec: ServerSpec, settingsWatchSeconds?: number): Record<string, string> {
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
    // The image's own (the official image's contract), said here so every script can rely on it.
    PGDATA: dataDirectory(spec.major),
    PGS_DATA_MOUNT: dataMountPath(spec.major),
    PGS_READY_FILE: READY_FILE,
    PGS_TENANT_VERIFIER_FILE: SERVER_SECRET_FILES.tenantVerifier,
    PGS_SUPERUSER_VERIFIER_FILE: SERVER_SECRET_FILES.superuserVerifier,
    PGS_MAIN_CONFIG: MAIN_CONFIG_FILE,
    PGS_SETTINGS_FILE: SERVER_SETTINGS_FILE,
    PGS_SETTINGS_WATCH_SECONDS: settingsWatchSeconds === undefined ? "" : String(settingsWatchSeconds),
    PGS_STORAGE_RESERVE_MB: spec.storageReserveMiB === undefined ? "" : String(spec.storageReserveMiB),
    PGS_WAL_MOUNT: spec.walMount ? WAL_MOUNT : "",
    // The image's entrypoint passes these to initdb: a new cluster keeps its WAL on its own filesystem.
    ...(spec.walMount ? { POSTGRES_INITDB_ARGS: `--waldir=${WAL_MOUNT}/pg_wal` } : {}),
  };
}

/** The health probe: healthy once the roles are synced and the server accepts TCP connections. */
export const HEALTH_PROBE = [SERVER_FILES.probe];
/** The server accepts TCP connections (the roles may not be synced yet). */
export const ACCEPTING_PROBE = [SERVER_FILES.probe, "accepting"];

/**
 * The tenant's settings in two parts: those a reload applies (settings.conf) and those only a
 * restart does (`postmaster` context, on the command line, where a change replaces the server).
 */
export function splitSettings(tenant: SettingsOf): { restart: Record<string, string>; reload: Record<string, string> } {
  const restart: Record<string, string> = {};
  const reload: Record<string, string> = {};
  const settings = { ...walSizedToStorage(tenant.resources?.storageMiB), ...tenant.postgres.settings };
  for (const name of Object.keys(settings).sort()) {
    (reloadable(tenant.postgres.version, name) ? reload : restart)[name] = settings[name];
  }
  return { restart, reload };
}

/** What the server settings are made from: the tenant's own, and its storage limit. */
type SettingsOf = Pick<Tenant, "postgres"> & { resources?: Pick<Tenant["resources"], "storageMiB"> };

/**
 * A storage limit split in two filesystems: the WAL's own (an eighth of the limit, 256 MiB to
 * 8 GiB) and the rest for the data and backups. A full data filesystem then fails the statement
 * that needed room, never a WAL write, which would stop the server (PANIC), as CloudNativePG's
 * separate WAL storage does.
 */
export function storageSplit(storageMiB: number): { dataMiB: number; walMiB: number } {
  const walMiB = Math.min(8192, Math.max(256, Math.floor(storageMiB / 8)));
  return { dataMiB: storageMiB - walMiB, walMiB };
}

/** Where a limited tenant's WAL filesystem is mounted in its server (initdb --waldir puts pg_wal there). */
export const WAL_MOUNT = "/var/lib/postgresql/wal";

/**
 * With a storage limit, the WAL kept between checkpoints is a quarter of its filesystem (at most
 * PostgreSQL's default 1GB), unless the tenant sets these itself: a checkpoint that lags behind
 * the writes lets the WAL grow past max_wal_size, and it must still fit.
 */
export function walSizedToStorage(storageMiB: number | undefined): Record<string, string> {
  if (storageMiB === undefined) return {};
  const max = Math.min(1024, Math.floor(storageSplit(storageMiB).walMiB / 4));
  return { max_wal_size: `${max}MB`, min_wal_size: `${Math.min(80, max / 2)}MB` };
}

/** The server's command: pgs's hba file and main configuration, then the restart-only settings as `-c name=value`, in name order. */
export function serverCommand(tenant: SettingsOf): string[] {
  const command = ["postgres", "-c", `hba_file=${SERVER_FILES.hba}`, "-c", `config_file=${MAIN_CONFIG_FILE}`];
  const { restart } = splitSettings(tenant);
  for (const name of Object.keys(restart)) command.push("-c", `${name}=${restart[name]}`);
  return command;
}

/** settings.conf: the settings a reload applies, in postgresql.conf syntax (every value quoted). */
export function serverSettingsFile(tenant: SettingsOf): string {
  const { reload } = splitSettings(tenant);
  const lines = Object.entries(reload).map(([name, value]) => `${name} = '${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`);
  return ["# pgs: the tenant's postgres.settings a reload applies (tenants.yaml); written by pgs, do not edit", ...lines, ""].join("\n");
}

/**
 * At most this many processes in a tenant's server: every connection, the background workers
 * and autovacuum, PostgreSQL's own auxiliary processes and pgs's start hook, with room to spare.
 * A fork loop in a superuser tenant stops there, not at the host's limit.
 */
export function serverProcessLimit(tenant: Pick<Tenant, "postgres">): number {
  const setting = (name: string, fallback: number) => {
    const value = Number(tenant.postgres.settings[name]);
    return Number.isInteger(value) && value >= 0 ? value : fallback;
  };
  return setting("max_connections", 100) + setting("max_worker_processes", 8) + setting("autovacuum_max_workers", 3) + 64;
}
