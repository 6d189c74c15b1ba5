/**
 * The project folder (the one holding Pulumi.yaml), the stack's settings and its tenants file,
 * loaded the one way the program, the CLI and the tests all use.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { readStackSettings, type ConfigReader, type StackSettings } from "./stackSettings";
import { loadTenantsFile } from "./tenants/file";
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
}

/**
 * Stack settings, then the tenants file they name: every problem of either is thrown at once.
 * What the stack's backend cannot do with them is checked on top (backends/index.ts loadStack).
 */
export function loadStackFiles(options: LoadOptions): LoadedStack {
  const settings = readStackSettings(options.config, options.project, options.stack, options.secretConfig);
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
