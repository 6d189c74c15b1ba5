/**
 * What the operator commands need from the machines a backend runs tenants on (a Docker host,
 * a Kubernetes cluster). Each backend implements it once (backends/<name>/host.ts); the commands
 * in app/ never ask which backend they are on.
 */
import type { HostRun } from "../lib/hosts/process";
import type { Naming } from "../lib/naming";
import type { BackupS3Settings, StackSettings } from "../lib/stackSettings";
import type { Tenant } from "../lib/tenants/tenant";

export type { HostRun } from "../lib/hosts/process";

/** A host that cannot be asked, or an operation on it that cannot be done, said for operators. */
export class HostError extends Error {}

/** A backup or restore that cannot be done; nothing was changed. */
export class BackupError extends HostError {}

/** Which stack on which machines: the stack's settings and the project folder its relative paths start from. */
export interface HostTarget {
  settings: StackSettings;
  projectDir: string;
}

/**
 * The provider id of what a pending create made, if it exists (undefined: it does not, or the
 * type is not this backend's), and the name to say it by. For the recovery of an interrupted run.
 */
export type ExistingObject = (type: string, inputs: Record<string, unknown>) => Promise<{ id: string; name: string } | undefined>;

/** A tenant's server as it runs now. */
export interface LiveServer {
  tenant: string;
  /** The container, or the pod and its namespace, in the backend's words. */
  name: string;
  running: boolean;
  /** healthy, starting, unhealthy, none (no health check), … */
  health: string;
  /** ISO time the server last started; "" when not running. */
  startedAt: string;
}

export interface ServerFacts {
  dataBytes: number | null;
  connections: number | null;
  /** The tenant's storage limit and what its volumes use of it; null without a limit. */
  storage: { sizeBytes: number; usedBytes: number } | null;
  /** The server passed its own health probe (roles synced, accepting) and answered the query. */
  answering: boolean;
}

export interface LastBackup {
  file: string;
  /** ISO time the dump was taken. */
  at: string;
}

/** How a tenant's data is called and deleted on this backend, for messages. */
export interface DataWords {
  /** e.g. "data volume pgs-dev-acme-data", "claim data in namespace pgs-dev-acme". */
  data: string;
  /** The command that deletes retained data by hand. */
  deleteCommand: string;
}

/** The tenant a restore writes into: its server runs `pg_restore` as `user`. */
export interface RestoreTarget {
  id: string;
  user: string;
  database: string;
}

/** The stack's S3 target and its credentials (`network` "" means Docker's default bridge). */
export interface S3Source extends BackupS3Settings {
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * Where a stack's backups and tenant servers are. A "store" is a tenant's backup volume or claim;
 * `store` arguments name another one (a scratch volume of a restore from S3) where a host has them.
 */
export interface BackupHost {
  /** Runs backup-now.sh manual where the tenant's scheduled backups run; throws BackupError when that cannot start. */
  takeBackup(tenantId: string, log: (line: string) => void): Promise<HostRun>;
  /** The tenant's backup store, in words for messages, and whether it exists. */
  backupStore(tenantId: string, store?: string): Promise<{ name: string; exists: boolean }>;
  /** backup-volume.sh ARGS with the store mounted read-only. */
  inBackupStore(tenantId: string, args: string[], store?: string): Promise<HostRun>;
  /** The tenant's server, in words for messages, and whether it runs. */
  server(tenantId: string): Promise<{ name: string; running: boolean }>;
  /** Streams dump `name` of `source`'s store into `pg_restore ARGS` run in the target's server as `target.user`. */
  pipeRestore(source: string, name: string, target: RestoreTarget, pgRestoreArgs: string[], store?: string): Promise<HostRun>;
  /**
   * Downloads one dump of `source` (the newest, or `name`) and its checksum from S3 into a new
   * scratch store; returns the store and the dump's name. The scratch store goes with close().
   */
  fetchFromS3(source: string, s3: S3Source, name: string | undefined): Promise<{ store: string; name: string }>;
  /** Removes what the host set up for this command. */
  close(): Promise<void>;
}

/** `pgs upgrade`: what it is asked to do. */
export interface UpgradeRequest {
  tenant: Tenant;
  to: number;
  naming: Naming;
  targetImage: string;
  tenantsFile: string;
  log: (line: string) => void;
}

/** `pgs limit-storage`: what it is asked to do. */
export interface LimitStorageRequest {
  tenant: Tenant;
  /** The new limit, as written in tenants.yaml (e.g. 10Gi), and in MiB. */
  storage: string;
  storageMiB: number;
  naming: Naming;
  storageDir: string;
  /** An image with sh, cp and du (the tenant's PostgreSQL image). */
  image: string;
  tenantsFile: string;
  /** Asked once the plan is printed; false: nothing is done. */
  confirm: () => Promise<boolean>;
  log: (line: string) => void;
}

/** Whether the stack's state holds the resource of this logical name (a tenant's `acme-postgres`). */
export type StateHas = (logicalName: string) => boolean;

/** StateHas over the state's URNs. */
export function stateHas(urns: Iterable<string>): StateHas {
  const names = new Set([...urns].map((urn) => urn.slice(urn.lastIndexOf("::") + 2)));
  return (name) => names.has(name);
}

/** What a host's objects say of the tenants a run would otherwise leave alone. */
export interface Drift {
  /** Tenants whose server, volumes or network are not as the stack applied them (stopped, killed, deleted by hand). */
  tenants: string[];
  /** The ingress is not running, or its dynamic directory is gone. */
  ingress: boolean;
  /**
   * Logical names of containers that exist but do not run (docker stop, docker kill): the run
   * replaces them, since a refresh keeps a stopped container in the state as it is.
   */
  stopped: string[];
}

export interface BackendHost {
  /**
   * One listing of the stack's objects (by its labels) against what `tenants` should have and the
   * stack's state holds: the tenants and whether the ingress need the engine's attention. An object
   * the state does not hold is not drift (a tenant being started has no server in the state yet:
   * the run creates it, and refreshing it first would only cost a read of the whole state).
   */
  drift(tenants: Tenant[], state: StateHas): Promise<Drift>;
  /** Whether a tenant's server becomes ready (roles synced, accepting connections) within `timeoutMs`, asked on the host. */
  serverReady(tenantId: string, timeoutMs: number): Promise<boolean>;
  /** The last `lines` of a tenant server's own log (stdout and stderr), as the host keeps it. */
  serverLog(tenantId: string, lines: number): Promise<string>;
  /** The stack's tenant servers as they run now, by tenant id (a server of a tenant no longer in the file included). */
  servers(): Promise<Map<string, LiveServer>>;
  /** The ingress as it runs now. */
  ingress(): Promise<{ name: string; health: string; startedAt: string } | undefined>;
  /** Asks a running tenant's own server (as the superuser, locally) for its size and client connections. */
  serverFacts(tenant: Tenant): Promise<ServerFacts>;
  /** Ends the sessions of a running tenant that came through the ingress; how many it ended. */
  terminateSessions(tenant: Tenant): Promise<number>;
  /** The newest successful scheduled or manual backup of a tenant with backups, from what ran them. */
  lastBackup(tenant: Tenant): Promise<LastBackup | null>;
  /** Where backups and servers are, for backup, backups and restore; `image` has sh, sha256sum and pg_restore. */
  backups(image: string): BackupHost;
  /** What an interrupted run made, for recovery. */
  existingObject: ExistingObject;
  /** A tenant's data in this backend's own terms. */
  dataWords(tenantId: string): DataWords;
  /** `pgs upgrade` where this backend can do it, else the sentence that says why not. */
  upgrade: ((request: UpgradeRequest) => Promise<void>) | string;
  /** `pgs limit-storage` (a limit for a tenant made without one) where it needs a step, else the sentence that says why not. */
  limitStorage: ((request: LimitStorageRequest) => Promise<void>) | string;
}
