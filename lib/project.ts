/**
 * The project folder (the one holding Pulumi.yaml), the stack's settings and its tenants file,
 * loaded the one way the program, the CLI and the tests all use.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { isMap, isScalar, LineCounter, parse, parseDocument } from "yaml";
import { didYouMean } from "./tenants/didYouMean";
import { readStackSettings, type ConfigReader, SECRET_KEYS, StackConfigError, type StackSettings } from "./stackSettings";
import { loadTenantsFile, passwordSecretsNamed } from "./tenants/file";
import type { Tenant } from "./tenants/tenant";

export { findProjectDir, SOURCE_DIR, sourceFile } from "./sourceDir";

/** What pgs reads from a project's Pulumi.yaml. */
export interface ProjectFile {
  name: string;
  /** Declared config keys with their defaults and descriptions. */
  config: Record<string, { type?: string; default?: unknown; description?: string; secret?: boolean } | unknown>;
  /** `backend.url`, when the project names its backend. */
  backendUrl?: string;
}

export function readProjectFile(projectDir: string): ProjectFile {
  const raw = parse(readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as {
    name: string;
    config?: ProjectFile["config"];
    backend?: { url?: unknown };
  };
  const url = raw.backend?.url;
  return { name: raw.name, config: raw.config ?? {}, ...(typeof url === "string" && url !== "" ? { backendUrl: url } : {}) };
}

/** The tenants file of a stack: `tenantsFile` from its settings, relative to the project folder. */
export function tenantsFilePath(projectDir: string, settings: Pick<StackSettings, "tenantsFile">): string {
  return path.resolve(projectDir, settings.tenantsFile);
}

export interface LoadedStack {
  settings: StackSettings;
  tenantsFile: string;
  tenants: Tenant[];
}

export interface LoadOptions {
  projectDir: string;
  project: string;
  stack: string;
  /** Reads one plain config value (`key` without the project prefix). */
  config: ConfigReader;
  /** Reads one secret config value; when given, passwordSecret keys are checked (values never shown). */
  secretConfig?: ConfigReader;
  /**
   * Every config key the stack sets, `namespace:key` (the engine's whole config); when given, a
   * key of this project that pgs does not know is refused (unknownSettingProblems).
   */
  configKeys?: readonly string[];
}

/**
 * Stack settings, then the tenants file they name: every problem of either is thrown at once.
 * What the stack's backend cannot do with them is checked on top (backends/index.ts loadStack).
 */
export function loadStackFiles(options: LoadOptions): LoadedStack {
  const unknown = options.configKeys ? unknownSettingProblems(options, options.configKeys) : [];
  let settings: StackSettings;
  try {
    settings = readStackSettings(options.config, options.project, options.stack, options.secretConfig);
  } catch (err) {
    if (err instanceof StackConfigError && unknown.length > 0) throw new StackConfigError([...unknown, ...err.problems]);
    throw err;
  }
  if (unknown.length > 0) throw new StackConfigError(unknown);
  const tenantsFile = tenantsFilePath(options.projectDir, settings);
  const tenants = loadTenantsFile(tenantsFile, {
    baseDomain: settings.baseDomain,
    certificateNames: settings.certificateNames,
    stack: options.stack,
    customPostgresImage: settings.customPostgresImage,
    ...(options.secretConfig ? { secretConfig: options.secretConfig } : {}),
  });
  return { settings, tenantsFile, tenants };
}

function configValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * The stack's config as the engine would pass it: Pulumi.yaml defaults, then Pulumi.<stack>.yaml,
 * then `overrides`. Secret values are encrypted there: offline they are placeholders (`secretKeys`).
 */
export function stackConfig(
  projectDir: string,
  stack: string,
  overrides: Record<string, string> = {},
): { project: string; config: Record<string, string>; secretKeys: string[] } {
  const projectFile = readProjectFile(projectDir);
  const project = projectFile.name;
  const qualify = (key: string) => (key.includes(":") ? key : `${project}:${key}`);
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, spec] of Object.entries(projectFile.config ?? {})) {
    const value = spec && typeof spec === "object" && "default" in spec ? (spec as { default: unknown }).default : spec;
    if (value !== undefined && !(spec && typeof spec === "object" && !("default" in spec))) config[qualify(key)] = configValue(value);
  }
  const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (existsSync(stackFile)) {
    const stackConfigValues = (parse(readFileSync(stackFile, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {};
    for (const [key, value] of Object.entries(stackConfigValues)) {
      if (value && typeof value === "object" && "secure" in (value as object)) {
        // Encrypted with the stack's secrets provider; offline we can only stand in for it.
        config[qualify(key)] = `offline-placeholder-for-${key}-0123456789abcdef`;
        secretKeys.push(qualify(key));
      } else {
        config[qualify(key)] = configValue(value);
      }
    }
  }
  for (const [key, value] of Object.entries(overrides)) config[qualify(key)] = value;
  return { project, config, secretKeys };
}

/** Pulumi.<stack>.yaml of a project: the stack's own config. */
export function stackFilePath(projectDir: string, stack: string): string {
  return path.join(projectDir, `Pulumi.${stack}.yaml`);
}

/** Where each key under `config:` of a stack file is written (qualified with `project`), and whether it is a secret. */
function stackFileKeys(file: string, project: string): Map<string, { line: number; col: number; secret: boolean }> {
  const keys = new Map<string, { line: number; col: number; secret: boolean }>();
  if (!existsSync(file)) return keys;
  const lines = new LineCounter();
  const doc = parseDocument(readFileSync(file, "utf8"), { lineCounter: lines });
  const config = isMap(doc.contents) ? doc.contents.get("config", true) : undefined;
  if (!isMap(config)) return keys;
  for (const pair of config.items) {
    if (!isScalar(pair.key)) continue;
    const key = String(pair.key.value);
    const { line, col } = lines.linePos(pair.key.range?.[0] ?? 0);
    keys.set(key.includes(":") ? key : `${project}:${key}`, { line, col, secret: isMap(pair.value) && pair.value.has("secure") });
  }
  return keys;
}

/**
 * Keys of this project's namespace that are no setting of pgs: a misspelt one (`pgs:publishPrt`)
 * would otherwise be ignored without a word. Known are the keys Pulumi.yaml declares, the secrets
 * of SECRET_KEYS and every passwordSecret the tenants file names. A secret no tenant names is left
 * alone: `pgs remove` keeps a removed tenant's `<id>Password` for when it comes back, and a
 * misspelt secret that pgs needs is reported where it is needed. Other namespaces (`docker:host`,
 * `kubernetes:context`) belong to their providers.
 */
function unknownSettingProblems(options: LoadOptions, configKeys: readonly string[]): string[] {
  const prefix = `${options.project}:`;
  const known = new Set([...Object.keys(readProjectFile(options.projectDir).config), ...Object.values(SECRET_KEYS)]);
  const candidates = configKeys.filter((k) => k.startsWith(prefix) && !known.has(k.slice(prefix.length)));
  if (candidates.length === 0) return [];
  const tenantsFile = tenantsFilePath(options.projectDir, { tenantsFile: options.config("tenantsFile") ?? "tenants.yaml" });
  const claimed = passwordSecretsNamed(tenantsFile);
  const file = stackFilePath(options.projectDir, options.stack);
  const written = stackFileKeys(file, options.project);
  return candidates
    .filter((k) => !claimed.includes(k.slice(prefix.length)) && !written.get(k)?.secret)
    .sort()
    .map((k) => {
      const name = k.slice(prefix.length);
      const at = written.get(k);
      const guess = didYouMean(name, [...known, ...claimed]);
      return `${file}${at ? `:${at.line}:${at.col}` : ""}: unknown stack setting "${k}" (${
        guess
          ? `did you mean "${prefix}${guess}"?`
          : `Pulumi.yaml declares the settings; remove it: pulumi config rm ${name} --stack ${options.stack}`
      })`;
    });
}
