/**
 * Reads tenants.yaml and returns resolved tenants, or throws InvalidInputError listing every
 * problem as FILE:LINE:COL. Nothing in here touches Pulumi, so the CLI and tests use it as is.
 */
import { readFileSync, statSync } from "node:fs";
import { LineCounter, parseDocument } from "yaml";
import type { core } from "zod";
import { didYouMean } from "./didYouMean";
import { InvalidInputError, type Problem } from "./problems";
import { resolveTenant, type Tenant } from "./tenant";
import type { TenantEntry } from "./schema";
import { settingProblem } from "./postgresSettings";
import {
  API_VERSION,
  DefaultsSchema,
  isReservedSetting,
  MAX_FILE_BYTES,
  SUPPORTED_MAJORS,
  TenantSchema,
  type TenantsFile,
  TenantsFileSchema,
} from "./schema";
import { knownKeysAt } from "./schemaKeys";
import { type Path, YamlPositions } from "./positions";
import { hostnameCoveredBy } from "./certificateNames";
import { refusedDatabaseName } from "./reservedNames";
import { SIDE_CONTAINERS } from "../naming";

export interface ValidationContext {
  baseDomain: string;
  /** DNS names the ingress certificate carries; every tenant hostname must match one. */
  certificateNames: string[];
  /** Reads a secret stack config value; when given, passwordSecret keys are checked (the value is never shown). */
  secretConfig?: (key: string) => string | undefined;
  /** The stack name, for the `pulumi config set` hint. */
  stack?: string;
  /** Whether the stack names its own image for a major (postgresImages): its libraries are then unknown offline. */
  customPostgresImage?: (major: number) => boolean;
}

const MIN_MEMORY_MIB = 32;
/** Room for initdb's files, the WAL pgs sizes to the limit (lib/postgres/server.ts) and a checkpoint's worth of writes. */
export const MIN_STORAGE_MIB = 512;
const MIN_CUSTOM_PASSWORD_LENGTH = 16;
const MAX_ALIASES = 100;

export function loadTenantsFile(file: string, context: ValidationContext): Tenant[] {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    throw new InvalidInputError([
      {
        file,
        line: 1,
        col: 1,
        message: `cannot read the tenants file: ${(err as Error).message}`,
        hint: "set pgs:tenantsFile or create tenants.yaml",
      },
    ]);
  }
  if (size > MAX_FILE_BYTES) {
    throw new InvalidInputError([
      { file, line: 1, col: 1, message: `file is ${size} bytes, over the ${MAX_FILE_BYTES}-byte limit`, hint: "is this the right file?" },
    ]);
  }
  return parseTenantsFile(readFileSync(file, "utf8"), file, context);
}

export function parseTenantsFile(text: string, file: string, context: ValidationContext): Tenant[] {
  const problem = (line: number, col: number, message: string, hint?: string): Problem => ({
    file,
    line,
    col,
    message,
    ...(hint ? { hint } : {}),
  });

  if (Buffer.byteLength(text) > MAX_FILE_BYTES) {
    throw new InvalidInputError([problem(1, 1, `file is over the ${MAX_FILE_BYTES}-byte limit`, "is this the right file?")]);
  }
  if (text.trim() === "") {
    throw new InvalidInputError([problem(1, 1, "file is empty", `start with "apiVersion: ${API_VERSION}" and "tenants: []"`)]);
  }

  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, strict: true });
  if (doc.errors.length > 0) {
    throw new InvalidInputError(
      doc.errors.map((e) => {
        const at = lines.linePos(e.pos[0]);
        if (e.code === "DUPLICATE_KEY") {
          const key = /^(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s:,{}[\]]+)/.exec(text.slice(e.pos[0]))?.[0] ?? "";
          return problem(
            at.line,
            at.col,
            `duplicate key ${/^["']/.test(key) ? key : JSON.stringify(key)}`,
            "each key may appear once per mapping",
          );
        }
        if (e.code === "MULTIPLE_DOCS") {
          return problem(at.line, at.col, "a second YAML document starts here", "tenants.yaml holds exactly one document");
        }
        return problem(at.line, at.col, `YAML syntax error: ${e.message.split("\n")[0]}`);
      }),
    );
  }
  if (doc.contents === null) {
    throw new InvalidInputError([problem(1, 1, "file is empty", `start with "apiVersion: ${API_VERSION}" and "tenants: []"`)]);
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    throw new InvalidInputError([
      problem(
        1,
        1,
        `too many YAML alias expansions (${(err as Error).message})`,
        `aliases may expand at most ${MAX_ALIASES} times; write the values out or use defaults:`,
      ),
    ]);
  }

  const positions = new YamlPositions(doc, lines);
  const at = (path: Path, message: string, hint?: string) => {
    const { line, col } = positions.ofValue(path);
    return problem(line, col, message, hint);
  };
  const atKey = (path: Path, key: string, message: string, hint?: string) => {
    const { line, col } = positions.ofKey(path, key);
    return problem(line, col, message, hint);
  };

  const problems: Problem[] = [];
  const parsed = TenantsFileSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(...describeIssue(issue, data, at, atKey));
  }
  const tenants: Tenant[] = [];
  // Cross-checks also run on the entries that did parse, so every problem is reported at once.
  problems.push(...crossChecks(parsed.success ? parsed.data : partialFile(data), context, at, tenants, rawIds(data)));
  if (problems.length > 0) throw new InvalidInputError(unique(problems));
  return tenants;
}

type At = (path: Path, message: string, hint?: string) => Problem;
type AtKey = (path: Path, key: string, message: string, hint?: string) => Problem;

function valueAt(data: unknown, path: Path): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

/** `tenants[2].postgres.version` reads better as `tenant "acme": postgres.version`. */
function subject(data: unknown, path: Path): string {
  if (path[0] === "tenants" && typeof path[1] === "number") {
    const id = valueAt(data, ["tenants", path[1], "id"]);
    const who = typeof id === "string" ? `tenant "${id}"` : `tenants[${path[1]}]`;
    return path.length > 2 ? `${who}: ${renderPath(path.slice(2))}` : who;
  }
  return path.length > 0 ? renderPath(path) : "the file";
}

function renderPath(path: Path): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

const DEFAULT_MESSAGE = /^(Invalid input|Invalid option|Too small|Too big|Unrecognized key|Invalid key)/;

function describeIssue(issue: core.$ZodIssue, data: unknown, at: At, atKey: AtKey): Problem[] {
  const path = issue.path as Path;
  const value = valueAt(data, path);
  const last = path[path.length - 1];
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = knownKeysAt(path);
      return issue.keys.map((key) => {
        if (key === "password") {
          return atKey(
            path,
            key,
            `${subject(data, path)} has a plaintext "password"; passwords never go in tenants.yaml`,
            "store it with `pulumi config set --secret <key> <password>` and name the key in passwordSecret",
          );
        }
        const guess = didYouMean(key, known);
        return atKey(
          path,
          key,
          `unknown key "${key}" in ${subject(data, path)}`,
          guess ? `did you mean "${guess}"?` : `allowed keys: ${known.join(", ")}`,
        );
      });
    }
    case "invalid_value": {
      if ((path.length === 1 && path[0] === "apiVersion") || path.length === 0) {
        return [
          at(
            ["apiVersion"],
            value === undefined ? "missing apiVersion" : `${issue.message}, got ${describeType(value)}`,
            `the first line should be "apiVersion: ${API_VERSION}"`,
          ),
        ];
      }
      const allowed = issue.values.map(String);
      const guess = typeof value === "string" ? didYouMean(value, allowed) : undefined;
      return [
        at(
          path,
          `${subject(data, path)} must be one of ${allowed.join(", ")}, got ${describeType(value)}`,
          guess ? `did you mean "${guess}"?` : undefined,
        ),
      ];
    }
    case "invalid_type": {
      if (value === undefined) {
        const parent = path.slice(0, -1);
        if (last === "apiVersion") return [at(parent, "missing apiVersion", `add "apiVersion: ${API_VERSION}"`)];
        return [at(parent, `${subject(data, parent)} is missing the required key "${String(last)}"`)];
      }
      const phrase = DEFAULT_MESSAGE.test(issue.message) ? `must be ${article(issue.expected)}` : issue.message;
      return [at(path, `${subject(data, path)} ${phrase}, got ${describeType(value)}`)];
    }
    case "too_small":
    case "too_big": {
      if (last === "version") {
        return [
          at(
            path,
            `${subject(data, path)} ${String(value)} is not a supported PostgreSQL major`,
            `supported: ${SUPPORTED_MAJORS.join(", ")}`,
          ),
        ];
      }
      const bound =
        issue.code === "too_small"
          ? `${issue.inclusive ? "at least" : "greater than"} ${String(issue.minimum)}`
          : `${issue.inclusive ? "at most" : "less than"} ${String(issue.maximum)}`;
      return [at(path, `${subject(data, path)} must be ${bound}, got ${String(value)}`)];
    }
    case "invalid_key": {
      const reason = issue.issues.map((i) => i.message).join("; ");
      const reserved = isReservedSetting(String(last));
      return [
        atKey(
          path.slice(0, -1),
          String(last),
          `${subject(data, path.slice(0, -1))}: "${String(last)}" ${reason}`,
          reserved
            ? "pgs sets it so that routing, storage and TLS keep working"
            : "settings are passed as -c name=value; use a parameter name such as work_mem",
        ),
      ];
    }
    case "invalid_union": {
      // `off | { ... }` given a mapping: report what is wrong inside the mapping.
      if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        const branch = issue.errors.find((issues) => issues.every((i) => i.path.length > 0 || i.code === "unrecognized_keys"));
        if (branch) return branch.flatMap((i) => describeIssue({ ...i, path: [...path, ...i.path] } as core.$ZodIssue, data, at, atKey));
      }
      return [
        at(
          path,
          `${subject(data, path)} ${DEFAULT_MESSAGE.test(issue.message) ? "has an invalid value" : issue.message}, got ${describeType(value)}`,
        ),
      ];
    }
    default:
      return [at(path, `${subject(data, path)} ${issue.message}${value === undefined ? "" : `, got ${describeType(value)}`}`)];
  }
}

function article(expected: string): string {
  if (expected === "array") return "a list";
  if (expected === "object" || expected === "record") return "a mapping";
  if (expected === "int") return "a whole number";
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** The defaults and the tenant entries of an invalid file that are valid on their own (others become null). */
function partialFile(data: unknown): TenantsFile {
  const record = (data && typeof data === "object" ? data : {}) as Record<string, unknown>;
  const defaults = DefaultsSchema.safeParse(record.defaults);
  const entries = Array.isArray(record.tenants) ? record.tenants : [];
  return {
    apiVersion: API_VERSION,
    ...(defaults.success && defaults.data ? { defaults: defaults.data } : {}),
    tenants: entries.map((e) => {
      const r = TenantSchema.safeParse(e);
      return r.success ? r.data : null;
    }) as TenantsFile["tenants"],
  };
}

/** The raw `id` of every entry, valid or not. */
function rawIds(data: unknown): unknown[] {
  const tenants = (data as { tenants?: unknown } | null)?.tenants;
  return Array.isArray(tenants) ? tenants.map((t) => (t as { id?: unknown } | null)?.id) : [];
}

/** Checks that need the whole file or the stack: uniqueness, certificate coverage, secrets. */
function crossChecks(file: TenantsFile, context: ValidationContext, at: At, out: Tenant[], ids: unknown[]): Problem[] {
  const problems: Problem[] = [];
  const seenIds = new Map<string, number>();
  const seenHosts = new Map<string, number>();
  file.tenants.forEach((entry, index) => {
    if (entry === null) {
      // An invalid entry still claims its id, so a later duplicate is reported now, not after the fix.
      if (typeof ids[index] === "string" && !seenIds.has(ids[index] as string)) seenIds.set(ids[index] as string, index);
      return;
    }
    const tenant = resolveTenant(entry, file, context.baseDomain);
    const here = (key: string) => ((entry as Record<string, unknown>)[key] !== undefined ? ["tenants", index, key] : ["tenants", index]);

    const firstId = seenIds.get(tenant.id);
    if (firstId !== undefined) {
      problems.push(at(["tenants", index, "id"], `duplicate tenant id "${tenant.id}"`, `first used by tenants[${firstId}]`));
    } else {
      seenIds.set(tenant.id, index);
    }
    const firstHost = seenHosts.get(tenant.hostname);
    if (firstHost !== undefined) {
      problems.push(
        at(
          here("hostname"),
          `tenant "${tenant.id}": hostname ${tenant.hostname} is already used by tenant "${file.tenants[firstHost]!.id}"`,
          "each tenant needs its own hostname: SNI routes by it",
        ),
      );
    } else {
      seenHosts.set(tenant.hostname, index);
    }
    if (!context.certificateNames.some((name) => hostnameCoveredBy(tenant.hostname, name))) {
      problems.push(
        at(
          here("hostname"),
          `tenant "${tenant.id}": hostname ${tenant.hostname} is not covered by the ingress certificate`,
          `the certificate covers ${context.certificateNames.join(", ")}; a wildcard matches exactly one label`,
        ),
      );
    }
    // An explicit database is checked by the schema; the one made from the id is checked here.
    const refusedDefault = entry.database === undefined ? refusedDatabaseName(tenant.database) : undefined;
    if (refusedDefault) {
      problems.push(
        at(
          ["tenants", index, "id"],
          `tenant "${tenant.id}": its database "${tenant.database}" (made from its id) ${refusedDefault}`,
          "set database: to another name",
        ),
      );
    }
    if (tenant.resources.memoryMiB < MIN_MEMORY_MIB) {
      const memoryPath =
        entry.resources?.memory !== undefined ? ["tenants", index, "resources", "memory"] : ["defaults", "resources", "memory"];
      problems.push(
        at(
          memoryPath,
          `tenant "${tenant.id}": memory ${tenant.resources.memoryMiB}Mi is too small`,
          `PostgreSQL needs at least ${MIN_MEMORY_MIB}Mi`,
        ),
      );
    }
    if (tenant.resources.storageMiB !== undefined && tenant.resources.storageMiB < MIN_STORAGE_MIB) {
      const storagePath =
        entry.resources?.storage !== undefined ? ["tenants", index, "resources", "storage"] : ["defaults", "resources", "storage"];
      problems.push(
        at(
          storagePath,
          `tenant "${tenant.id}": storage ${tenant.resources.storageMiB}Mi is too small`,
          `a server needs at least ${MIN_STORAGE_MIB}Mi`,
        ),
      );
    }
    if (tenant.passwordSecret && context.secretConfig) {
      const password = context.secretConfig(tenant.passwordSecret);
      if (password === undefined) {
        problems.push(
          at(
            ["tenants", index, "passwordSecret"],
            `tenant "${tenant.id}": passwordSecret "${tenant.passwordSecret}" is not set as a secret in the stack config`,
            `run: pulumi config set --secret ${tenant.passwordSecret} <password>${context.stack ? ` --stack ${context.stack}` : ""}`,
          ),
        );
      } else if (password.length < MIN_CUSTOM_PASSWORD_LENGTH) {
        problems.push(
          at(
            ["tenants", index, "passwordSecret"],
            `tenant "${tenant.id}": the password in "${tenant.passwordSecret}" is shorter than ${MIN_CUSTOM_PASSWORD_LENGTH} characters`,
            `set a longer one: pulumi config set --secret ${tenant.passwordSecret} <password>`,
          ),
        );
      }
    }
    problems.push(...settingProblems(entry, index, file, tenant, at, context));
    const upgradedFrom = tenant.postgres.upgradedFrom;
    if (upgradedFrom !== undefined && upgradedFrom >= tenant.postgres.version) {
      problems.push(
        at(
          ["tenants", index, "postgres", "upgradedFrom"],
          `tenant "${tenant.id}": postgres.upgradedFrom ${upgradedFrom} must be older than postgres.version ${tenant.postgres.version}`,
          "it records the major `pgs upgrade` moved the data from",
        ),
      );
    }
    out.push(tenant);
  });
  // Side containers are named <prefix><id>-<kind>: a tenant with that id would take the name.
  for (const tenant of out) {
    for (const kind of SIDE_CONTAINERS) {
      const clash = seenIds.get(`${tenant.id}-${kind}`);
      if (clash !== undefined) {
        problems.push(
          at(
            ["tenants", clash, "id"],
            `tenant id "${tenant.id}-${kind}" clashes with the ${kind} container of tenant "${tenant.id}"`,
            `choose another id: tenant "${tenant.id}" owns the names ${SIDE_CONTAINERS.map((k) => `<prefix>${tenant.id}-${k}`).join(", ")}`,
          ),
        );
      }
    }
  }
  return problems;
}

/**
 * Each setting checked against the parameters of the tenant's own major, reported where it was
 * written: in the entry, or in `defaults:` (once, however many tenants inherit it).
 */
function settingProblems(
  entry: TenantEntry,
  index: number,
  file: TenantsFile,
  tenant: Tenant,
  at: At,
  context: ValidationContext,
): Problem[] {
  const problems: Problem[] = [];
  const customImage = context.customPostgresImage?.(tenant.postgres.version) ?? false;
  for (const name of Object.keys(tenant.postgres.settings)) {
    const own = entry.postgres?.settings?.[name];
    const written = own ?? file.defaults?.postgres?.settings?.[name];
    if (written === undefined || isReservedSetting(name)) continue;
    const problem = settingProblem(tenant.postgres.version, name, written, { customImage });
    if (!problem) continue;
    const what = `postgres.settings.${problem.message.startsWith(`${name}:`) ? problem.message : `${name}: ${problem.message}`}`;
    problems.push(
      own !== undefined
        ? at(["tenants", index, "postgres", "settings", name], `tenant "${tenant.id}": ${what}`, problem.hint)
        : at(["defaults", "postgres", "settings", name], `defaults: ${what}`, problem.hint),
    );
  }
  return problems;
}

/**
 * The passwordSecret names a tenants file writes, read leniently (the file may be invalid): the
 * secret stack config keys its tenants claim. [] when the file cannot be read or parsed.
 */
export function passwordSecretsNamed(file: string): string[] {
  try {
    if (statSync(file).size > MAX_FILE_BYTES) return [];
    const data = parseDocument(readFileSync(file, "utf8")).toJS({ maxAliasCount: MAX_ALIASES }) as { tenants?: unknown } | null;
    const tenants = Array.isArray(data?.tenants) ? data.tenants : [];
    return tenants.map((t) => (t as { passwordSecret?: unknown } | null)?.passwordSecret).filter((s): s is string => typeof s === "string");
  } catch {
    return [];
  }
}

/** A problem in `defaults:` is found once per tenant that inherits it; it is reported once. */
function unique(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.line}:${p.col}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
