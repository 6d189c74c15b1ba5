/**
 * The project folder (the one holding Pulumi.yaml), the stack's settings and its tenants file,
 * loaded the one way the program, the CLI and the tests all use.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { readStackSettings, ConfigReader, StackSettings } from "./stackSettings";
import { loadTenantsFile } from "./tenants/file";
import type { Tenant } from "./tenants/tenant";

/** The folder of this checkout's Pulumi.yaml: found upwards from here, so it holds from dist/ too. */
export const SOURCE_DIR = findProjectDir(__dirname) ?? path.resolve(__dirname, "..");

/** The nearest folder at or above `start` with a Pulumi.yaml; undefined if there is none. */
export function findProjectDir(start: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** A file of this checkout, e.g. a script that runs inside a container. */
export function sourceFile(relativePath: string): string {
  return readFileSync(path.join(SOURCE_DIR, relativePath), "utf8");
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

/** Stack settings, then the tenants file they name: every problem of either is thrown at once. */
export function loadStack(options: LoadOptions): LoadedStack {
  const settings = readStackSettings(options.config, options.project, options.stack, options.secretConfig);
  const tenantsFile = tenantsFilePath(options.projectDir, settings);
  const tenants = loadTenantsFile(tenantsFile, {
    baseDomain: settings.baseDomain,
    certificateNames: settings.certificateNames,
    stack: options.stack,
    ...(options.secretConfig ? { secretConfig: options.secretConfig } : {}),
  });
  return { settings, tenantsFile, tenants };
}
