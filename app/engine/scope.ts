/**
 * What an engine run must touch, so that its cost follows what changed, not how many tenants the
 * stack has. Each tenant's entry (with the stack settings, the program's own source and the
 * ciphertext of the secrets it uses) has a fingerprint; the program records the fingerprints of
 * what a run applied in the stack output `applied`. A run then builds and targets only the
 * tenants whose fingerprint differs, was removed, or whose objects drifted on the host, and the
 * ingress when its own fingerprint differs: every other resource is left as the state has it.
 *
 * Anything that could change what the program registers is part of a fingerprint; a run without
 * the record (a first run, a plain `pulumi up`) is a full run.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { SOURCE_DIR } from "../../lib/sourceDir";
import type { StackSettings } from "../../lib/stackSettings";
import type { Tenant } from "../../lib/tenants/tenant";

import type { Applied } from "../../lib/programScope";

export type { Applied, ProgramScope } from "../../lib/programScope";

/** The program's own source: index.ts, the backends, components and core, and the locked dependencies. */
const SOURCES = ["index.ts", "backends", "components", "lib", "package-lock.json"];

function files(entry: string): string[] {
  const full = path.join(SOURCE_DIR, entry);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [entry];
  return readdirSync(full)
    .sort()
    .flatMap((name) => files(path.join(entry, name)));
}

let programFingerprint: string | undefined;
/** sha256 of the program's source files: a new pgs is a new program, whose first run is full. */
export function sourceFingerprint(): string {
  if (programFingerprint === undefined) {
    const hash = createHash("sha256");
    for (const file of SOURCES.flatMap(files))
      hash
        .update(`${file}\0`)
        .update(readFileSync(path.join(SOURCE_DIR, file)))
        .update("\0");
    programFingerprint = hash.digest("hex");
  }
  return programFingerprint;
}

/** The ciphertext of each secret key in Pulumi.<stack>.yaml: a new value (or a new encryption of it) is a change. */
export function secretCiphertexts(projectDir: string, stack: string): Record<string, string> {
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) return {};
  const config = (parse(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    const secure = value && typeof value === "object" ? (value as { secure?: unknown }).secure : undefined;
    if (typeof secure === "string") out[key.includes(":") ? key.slice(key.indexOf(":") + 1) : key] = secure;
  }
  return out;
}

/** The settings as data (the image template resolved for each major in use). */
function settingsData(settings: StackSettings, majors: number[]): unknown {
  const { postgresImage, ...rest } = settings;
  return { ...rest, naming: { stack: settings.naming.stack, prefix: settings.naming.prefix }, images: majors.map(postgresImage) };
}

const digest = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 32);

/** Every tenant's fingerprint and the ingress's, as the program records them when it applies them. */
export function fingerprints(settings: StackSettings, tenants: Tenant[], secrets: Record<string, string>): Required<Applied> {
  const program = sourceFingerprint();
  const stackWide = settingsData(
    settings,
    [...new Set(tenants.map((t) => t.postgres.version))].sort((a, b) => a - b),
  );
  const s3Secrets = [secrets.backupS3AccessKeyId, secrets.backupS3SecretAccessKey];
  return {
    ingress: digest({ program, settings: stackWide, key: secrets.tlsPrivateKey }),
    tenants: Object.fromEntries(
      tenants.map((tenant) => [
        tenant.id,
        digest({
          program,
          settings: settingsData(settings, [tenant.postgres.version]),
          tenant,
          password: tenant.passwordSecret ? secrets[tenant.passwordSecret] : undefined,
          s3: tenant.backup ? s3Secrets : undefined,
        }),
      ]),
    ),
  };
}

/** What a recorded `applied` output looks like, or undefined when the stack has none (or another shape). */
export function appliedRecord(value: unknown): Applied | undefined {
  if (!value || typeof value !== "object") return undefined;
  const { ingress, tenants } = value as { ingress?: unknown; tenants?: unknown };
  if (!tenants || typeof tenants !== "object") return undefined;
  return { ...(typeof ingress === "string" ? { ingress } : {}), tenants: tenants as Record<string, string> };
}

export interface Changes {
  /** In the file, and new or different from what was applied. */
  changed: string[];
  /** Applied, and no longer in the file. */
  removed: string[];
  ingress: boolean;
}

/** What differs between the file's fingerprints and the applied ones. */
export function changesSince(applied: Applied, current: Required<Applied>): Changes {
  return {
    changed: Object.keys(current.tenants).filter((id) => applied.tenants[id] !== current.tenants[id]),
    removed: Object.keys(applied.tenants).filter((id) => !(id in current.tenants)),
    ingress: applied.ingress !== current.ingress,
  };
}
