/** A tenant as the components see it: defaults applied, every field resolved. */
import { quantityToMiB } from "./quantity";
import { BACKUP_EVERY_UNIT_SECONDS } from "./schema";
import type { BackupEntry, PostgresEntry, ResourcesEntry, TenantEntry, TenantPostgresEntry, TenantsFile } from "./schema";

export interface Tenant {
  id: string;
  hostname: string;
  database: string;
  /** The login role; the same name as the database. */
  user: string;
  access: "enabled" | "disabled";
  allowFrom: string[];
  state: "running" | "stopped";
  postgres: { version: number; settings: Record<string, string>; upgradedFrom?: number };
  /** `storageMiB` absent: no disk limit (the host's or the claim's). */
  resources: { memoryMiB: number; cpus: number; shmMiB: number; storageMiB?: number };
  onRemove: "retain" | "delete";
  /** The login role is a superuser (default: it only owns its database). */
  superuser: boolean;
  /** Set → the generated password is keyed on it; changing it rotates the password. */
  passwordVersion?: number;
  passwordSecret?: string;
  /** Scheduled backups; absent when off (the default). */
  backup?: BackupPolicy;
}

/** A backup schedule: runs at UTC `at` + k × every; the newest `keep` dumps are kept. */
export interface BackupPolicy {
  every: string;
  everySeconds: number;
  /** "HH:MM", UTC. */
  at: string;
  /** `at` as seconds after midnight UTC. */
  anchorSeconds: number;
  keep: number;
}

/** The tenant's own `backup:` replaces the defaults' wholesale; `off` anywhere wins for that level. */
export function resolveBackup(defaults: BackupEntry | undefined, entry: BackupEntry | undefined): BackupPolicy | undefined {
  const chosen = entry ?? defaults;
  if (chosen === undefined || chosen === "off") return undefined;
  const at = chosen.at ?? "00:00";
  const [hours, minutes] = at.split(":").map(Number);
  return {
    every: chosen.every,
    everySeconds:
      Number(chosen.every.slice(0, -1)) * BACKUP_EVERY_UNIT_SECONDS[chosen.every.slice(-1) as keyof typeof BACKUP_EVERY_UNIT_SECONDS],
    at,
    anchorSeconds: hours * 3600 + minutes * 60,
    keep: chosen.keep,
  };
}

/** What an entry gets when neither it nor `defaults:` says otherwise. */
export const BUILT_IN_DEFAULTS = {
  postgres: { version: 18, settings: {} as Record<string, string> },
  resources: { memory: "512Mi", cpus: 1, shm: "128Mi" },
} as const;

export function defaultDatabaseName(id: string): string {
  return id
    .replace(/-/g, "_")
    .replace(/^([0-9])/, "_$1")
    .slice(0, 63);
}

export function defaultHostname(id: string, baseDomain: string): string {
  return `${id}.${baseDomain}`;
}

function mergedPostgres(defaults: PostgresEntry | undefined, entry: TenantPostgresEntry | undefined) {
  const settings: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...defaults?.settings, ...entry?.settings })) {
    settings[key] = String(value);
  }
  return {
    version: entry?.version ?? defaults?.version ?? BUILT_IN_DEFAULTS.postgres.version,
    settings,
    ...(entry?.upgradedFrom !== undefined ? { upgradedFrom: entry.upgradedFrom } : {}),
  };
}

function mergedResources(defaults: ResourcesEntry | undefined, entry: ResourcesEntry | undefined) {
  const pick = <K extends keyof typeof BUILT_IN_DEFAULTS.resources>(key: K) =>
    entry?.[key] ?? defaults?.[key] ?? BUILT_IN_DEFAULTS.resources[key];
  const storage = entry?.storage ?? defaults?.storage;
  return {
    memoryMiB: quantityToMiB(pick("memory") as string),
    cpus: pick("cpus") as number,
    shmMiB: quantityToMiB(pick("shm") as string),
    ...(storage !== undefined ? { storageMiB: quantityToMiB(storage) } : {}),
  };
}

export function resolveTenant(entry: TenantEntry, file: TenantsFile, baseDomain: string): Tenant {
  const database = entry.database ?? defaultDatabaseName(entry.id);
  return {
    id: entry.id,
    hostname: entry.hostname ?? defaultHostname(entry.id, baseDomain),
    database,
    user: database,
    access: entry.access ?? "enabled",
    allowFrom: entry.allowFrom ?? [],
    state: entry.state ?? "running",
    postgres: mergedPostgres(file.defaults?.postgres, entry.postgres),
    resources: mergedResources(file.defaults?.resources, entry.resources),
    onRemove: entry.onRemove ?? "retain",
    superuser: entry.superuser ?? false,
    ...(entry.passwordVersion !== undefined ? { passwordVersion: entry.passwordVersion } : {}),
    ...(entry.passwordSecret ? { passwordSecret: entry.passwordSecret } : {}),
    ...withBackup(resolveBackup(file.defaults?.backup, entry.backup)),
  };
}

function withBackup(backup: BackupPolicy | undefined): { backup?: BackupPolicy } {
  return backup ? { backup } : {};
}
