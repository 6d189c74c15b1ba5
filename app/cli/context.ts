/**
 * Which project and stack a command works on, and the stack's settings and tenants read the way
 * the program reads them, offline (no engine, no secrets decrypted).
 */
import * as path from "node:path";
import { loadStack } from "../../backends";
import { stackConfig } from "../../lib/project";

export interface Target {
  /** The folder with Pulumi.yaml, Pulumi.<stack>.yaml and the tenants file. */
  projectDir: string;
  stack: string;
}

export interface OfflineOptions {
  /** `tenantsFile` over the stack's own (a path relative to the working directory). */
  tenantsFile?: string;
  /** Check that the secrets the file and settings name are set in the stack's config. */
  checkSecrets?: boolean;
  /** Refuse keys of the project's namespace that are no setting of pgs (a misspelt `pgs:publishPrt`). */
  refuseUnknownKeys?: boolean;
}

/** The stack's settings, tenants and backend from Pulumi.yaml, Pulumi.<stack>.yaml and the tenants file. */
export function loadOffline(t: Target, options: OfflineOptions = {}): ReturnType<typeof loadStack> {
  const overrides: Record<string, string> = options.tenantsFile ? { tenantsFile: path.resolve(options.tenantsFile) } : {};
  const { project, config, secretKeys } = stackConfig(t.projectDir, t.stack, overrides);
  const plain = (key: string) => config[`${project}:${key}`];
  return loadStack({
    projectDir: t.projectDir,
    project,
    stack: t.stack,
    config: plain,
    ...(options.checkSecrets ? { secretConfig: (key: string) => (secretKeys.includes(`${project}:${key}`) ? plain(key) : undefined) } : {}),
    ...(options.refuseUnknownKeys ? { configKeys: Object.keys(config) } : {}),
  });
}
