/**
 * The one definition of tenants.yaml. Validation (lib/tenants/file.ts) and the published
 * JSON Schema (tenants.schema.json, `npm run schema`) are both derived from it.
 */
import * as z from "zod";
import { isIpOrCidr } from "./ipRange";
import { refusedDatabaseName } from "./reservedNames";
import { INGRESS_NAME } from "../naming";

export const API_VERSION = "pgs/v1";
export const SUPPORTED_MAJORS = [14, 15, 16, 17, 18] as const;
export const MAX_FILE_BYTES = 1024 * 1024;

/** Postgres parameters pgs itself owns: overriding them would break routing, storage or TLS. */
const RESERVED_SETTINGS = [
  "config_file",
  "data_directory",
  "external_pid_file",
  "hba_file",
  "ident_file",
  "listen_addresses",
  "port",
  "unix_socket_directories",
  "unix_socket_group",
  "unix_socket_permissions",
  "archive_command",
  "restore_command",
  "archive_library",
] as const;

/**
 * Whether pgs owns the parameter. Every `ssl*` one too: TLS ends at the ingress and the hop to
 * the server is plaintext on the tenant's private network, so server-side TLS settings do nothing
 * but break a start (e.g. ssl_ciphers "NULL").
 */
export function isReservedSetting(name: string): boolean {
  return (RESERVED_SETTINGS as readonly string[]).includes(name) || name === "ssl" || name.startsWith("ssl_");
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
/** Unquoted Postgres identifiers: lower case so they never need quoting (max 63 bytes). */
const PG_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
/** Plain GUC names, including extension-qualified ones (`pg_stat_statements.max`). */
const PG_SETTING_NAME = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;
const QUANTITY = /^[1-9][0-9]{0,6}(Ki|Mi|Gi)$/;
const STORAGE_QUANTITY = /^[1-9][0-9]{0,6}(Mi|Gi|Ti)$/;
const CONFIG_KEY = /^[A-Za-z][A-Za-z0-9_-]{0,99}$/;

const quantity = () => z.string().regex(QUANTITY, { error: "must be a whole number with a unit Ki, Mi or Gi, e.g. 512Mi" });

const settingValue = z.union([z.string(), z.number(), z.boolean()], {
  error: "must be a string, number or boolean",
});

export const PostgresSchema = z.strictObject({
  version: z
    .int({ error: "must be a whole number (a major version)" })
    .min(SUPPORTED_MAJORS[0])
    .max(SUPPORTED_MAJORS[SUPPORTED_MAJORS.length - 1])
    .optional()
    .meta({ description: "PostgreSQL major version" }),
  settings: z
    .record(
      z
        .string()
        .regex(PG_SETTING_NAME, { error: "is not a plain Postgres parameter name" })
        .refine((k) => !isReservedSetting(k), { error: "is managed by pgs and cannot be set" }),
      settingValue,
    )
    .optional()
    .meta({ description: "Server parameters, passed as `-c name=value`" }),
});

/** A tenant's own postgres block may also acknowledge a finished major upgrade. */
export const TenantPostgresSchema = PostgresSchema.extend({
  upgradedFrom: z
    .int({ error: "must be a whole number (a major version)" })
    .min(SUPPORTED_MAJORS[0])
    .max(SUPPORTED_MAJORS[SUPPORTED_MAJORS.length - 1])
    .optional()
    .meta({ description: "Set by `pgs upgrade`: the major the data was moved from. Allows the version change." }),
});

export const ResourcesSchema = z.strictObject({
  memory: quantity().optional().meta({ description: "Memory limit, e.g. 512Mi" }),
  cpus: z.number({ error: "must be a number" }).gt(0).max(256).optional().meta({ description: "CPU limit, e.g. 1 or 0.5" }),
  shm: quantity().optional().meta({ description: "/dev/shm size, e.g. 128Mi" }),
  storage: z
    .string()
    .regex(STORAGE_QUANTITY, { error: "must be a whole number with a unit Mi, Gi or Ti, e.g. 10Gi" })
    .optional()
    .meta({ description: "Disk limit for all of the tenant's volumes (data and backups), e.g. 10Gi; can grow, never shrink" }),
});

/** The units of `backup.every`, in seconds (lib/tenant.ts resolveBackup uses them). */
export const BACKUP_EVERY_UNIT_SECONDS = { m: 60, h: 3600, d: 86400 } as const;
/** Whole minutes, hours or days; at least 1m. */
const BACKUP_EVERY = new RegExp(`^[1-9][0-9]{0,5}[${Object.keys(BACKUP_EVERY_UNIT_SECONDS).join("")}]$`);
const BACKUP_AT = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

export const BackupPolicySchema = z.strictObject({
  every: z
    .string({ error: "must be a duration such as 30m, 24h or 7d" })
    .regex(BACKUP_EVERY, { error: "must be a whole number of minutes, hours or days, e.g. 30m, 24h, 7d" })
    .meta({ description: "Interval between backups: Nm, Nh or Nd (at least 1m)" }),
  at: z
    .string({ error: 'must be a quoted UTC time "HH:MM"' })
    .regex(BACKUP_AT, { error: 'must be a UTC time "HH:MM", e.g. "03:00"' })
    .optional()
    .meta({ description: "UTC time of day the schedule is anchored to: runs at `at` + k × every (default 00:00)" }),
  keep: z
    .int({ error: "must be a whole number" })
    .min(1)
    .max(10000)
    .meta({ description: "How many newest backups to keep (locally and off-host)" }),
});

const BACKUP_DESCRIPTION = "Scheduled pg_dump backups of the tenant's database: off, or { every, at, keep }";

export const BackupSchema = z
  .union([z.literal("off"), BackupPolicySchema], {
    error: 'must be off or a mapping { every, at, keep }, e.g. { every: 24h, at: "03:00", keep: 7 }',
  })
  .meta({ description: BACKUP_DESCRIPTION });

export const TenantSchema = z.strictObject({
  id: z
    .string()
    .regex(DNS_LABEL, {
      error: "must be a DNS label: a-z, 0-9 and -, 1 to 63 characters, no leading or trailing hyphen",
    })
    .refine((id) => id !== INGRESS_NAME, { error: `is reserved: the ingress container is named <prefix>${INGRESS_NAME}` })
    .meta({ description: "Tenant id; names every resource of the tenant. Never change it: it is the data volume's name." }),
  hostname: z
    .string()
    .regex(HOSTNAME, { error: "must be a lower-case DNS name with at least two labels" })
    .optional()
    .meta({ description: "SNI hostname; default <id>.<baseDomain>" }),
  database: z
    .string()
    .regex(PG_IDENTIFIER, {
      error: "must be a lower-case Postgres identifier: a-z, 0-9 and _, not starting with a digit, at most 63 characters",
    })
    .refine((d) => refusedDatabaseName(d) === undefined, { error: (issue) => refusedDatabaseName(String(issue.input)) })
    .optional()
    .meta({ description: "Database (and role) name; default the id with - replaced by _" }),
  access: z.enum(["enabled", "disabled"]).optional().meta({ description: "disabled removes the routing; the server keeps running" }),
  allowFrom: z
    .array(z.string().refine(isIpOrCidr, { error: "is not an IPv4/IPv6 address or CIDR" }))
    .optional()
    .meta({ description: "Client addresses or CIDRs allowed to connect" }),
  state: z.enum(["running", "stopped"]).optional().meta({ description: "stopped removes the container; data and network stay" }),
  postgres: TenantPostgresSchema.optional(),
  resources: ResourcesSchema.optional(),
  superuser: z
    .boolean({ error: "must be true or false" })
    .optional()
    .meta({ description: "Give the tenant's role superuser rights (default false: it owns its database only)" }),
  passwordVersion: z
    .int({ error: "must be a whole number" })
    .min(1)
    .optional()
    .meta({ description: "Change it to rotate the generated password" }),
  onRemove: z
    .enum(["retain", "delete"])
    .optional()
    .meta({ description: "What removing the tenant does to its data volume (default retain)" }),
  passwordSecret: z
    .string()
    .regex(CONFIG_KEY, { error: "must be a stack config key name" })
    .optional()
    .meta({ description: "Secret stack config key holding this tenant's password" }),
  backup: BackupSchema.optional(),
});

export const DefaultsSchema = z.strictObject({
  postgres: PostgresSchema.optional(),
  resources: ResourcesSchema.optional(),
  backup: BackupSchema.optional(),
});

export const TenantsFileSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION, { error: `apiVersion must be "${API_VERSION}"` }),
  defaults: DefaultsSchema.optional(),
  tenants: z.array(TenantSchema, { error: "must be a list (use [] for none)" }),
});

export type TenantsFile = z.infer<typeof TenantsFileSchema>;
export type TenantEntry = z.infer<typeof TenantSchema>;
export type PostgresEntry = z.infer<typeof PostgresSchema>;
export type TenantPostgresEntry = z.infer<typeof TenantPostgresSchema>;
export type ResourcesEntry = z.infer<typeof ResourcesSchema>;
export type BackupEntry = z.infer<typeof BackupSchema>;

/** The JSON Schema shipped as tenants.schema.json, for editors (yaml-language-server). */
export function tenantsJsonSchema(): object {
  return {
    ...z.toJSONSchema(TenantsFileSchema, {
      unrepresentable: "any",
      override: (ctx) => {
        if (ctx.zodSchema !== BackupSchema) return;
        // `off | {...}` without anyOf, which some editors report badly: `pattern` only
        // constrains strings, and the object keywords only constrain mappings.
        const { $schema: _, ...mapping } = z.toJSONSchema(BackupPolicySchema) as Record<string, unknown>;
        for (const key of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as Record<string, unknown>)[key];
        Object.assign(ctx.jsonSchema, { ...mapping, type: ["string", "object"], pattern: "^off$", description: BACKUP_DESCRIPTION });
      },
    }),
    $id: "https://pgs.example.com/tenants.schema.json",
    title: "pgs tenants.yaml",
  };
}
