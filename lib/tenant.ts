/** A tenant as the components see it: defaults applied, every field resolved. */
import { quantityToMiB } from "./quantity";
import type { PostgresEntry, ResourcesEntry, TenantEntry, TenantPostgresEntry, TenantsFile } from "./tenantSchema";

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
  resources: { memoryMiB: number; cpus: number; shmMiB: number };
  onRemove: "retain" | "delete";
  /** The login role is a superuser (default: it only owns its database). */
  superuser: boolean;
  /** Set → the generated password is keyed on it; changing it rotates the password. */
  passwordVersion?: number;
  passwordSecret?: string;
}

/** What an entry gets when neither it nor `defaults:` says otherwise. */
export const BUILT_IN_DEFAULTS = {
  postgres: { version: 18, settings: {} as Record<string, string> },
  resources: { memory: "512Mi", cpus: 1, shm: "128Mi" },
} as const;

export function defaultDatabaseName(id: string): string {
  return id.replace(/-/g, "_").replace(/^([0-9])/, "_$1").slice(0, 63);
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
  const pick = <K extends keyof ResourcesEntry>(key: K) =>
    entry?.[key] ?? defaults?.[key] ?? BUILT_IN_DEFAULTS.resources[key];
  return {
    memoryMiB: quantityToMiB(pick("memory") as string),
    cpus: pick("cpus") as number,
    shmMiB: quantityToMiB(pick("shm") as string),
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
  };
}
