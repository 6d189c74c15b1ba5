/**
 * Where the engine and a project's local state live, and the environment the Pulumi CLI runs
 * with. The engine comes from scripts/engine.sh (this checkout's .pgs/engine and .pgs/pulumi-home)
 * or, on a machine with a normal Pulumi install, from PATH and ~/.pulumi.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { readProjectFile, SOURCE_DIR } from "../../lib/project";

/** This checkout's engine, as scripts/engine.sh installs it. */
export const ENGINE = {
  root: path.join(SOURCE_DIR, ".pgs", "engine"),
  cli: path.join(SOURCE_DIR, ".pgs", "engine", "bin", "pulumi"),
  home: path.join(SOURCE_DIR, ".pgs", "pulumi-home"),
} as const;

/** A project's own local state: the default backend and the passphrase that goes with it. */
export function stateDir(projectDir: string): string {
  return path.join(projectDir, ".pgs");
}

export function localBackendUrl(projectDir: string): string {
  return `file://${path.join(stateDir(projectDir), "state")}`;
}

export function passphraseFile(projectDir: string): string {
  return path.join(stateDir(projectDir), "passphrase");
}

export interface EngineEnvironment {
  /** The backend the stacks are in, and whether it is the project's local default. */
  backendUrl: string;
  localBackend: boolean;
  /** How secrets are encrypted, in words for operators. */
  secrets: string;
  /** For the CLI: backend, passphrase, no update checks. */
  envVars: Record<string, string>;
  pulumiHome?: string;
}

/**
 * The backend: PULUMI_BACKEND_URL, else Pulumi.yaml's `backend.url`, else a file backend in the
 * project's .pgs/state. Secrets: PULUMI_CONFIG_PASSPHRASE(_FILE) when set; with the local default
 * a passphrase generated into .pgs/passphrase (0600) on first use; otherwise the stack's own
 * secrets provider (Pulumi Cloud, a KMS) decides.
 */
export function engineEnvironment(projectDir: string, env: NodeJS.ProcessEnv = process.env): EngineEnvironment {
  const configured = env.PULUMI_BACKEND_URL || readProjectFile(projectDir).backendUrl;
  const backendUrl = configured ?? localBackendUrl(projectDir);
  const envVars: Record<string, string> = {
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_BACKEND_URL: backendUrl,
    // The dynamic resources' provider (pulumi-resource-pulumi-nodejs) resolves @pulumi/pulumi from
    // its working directory, the project folder, which need not hold node_modules: this checkout's.
    NODE_PATH: [path.join(SOURCE_DIR, "node_modules"), env.NODE_PATH].filter(Boolean).join(path.delimiter),
  };
  let secrets: string;
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined || env.PULUMI_CONFIG_PASSPHRASE_FILE) {
    secrets = env.PULUMI_CONFIG_PASSPHRASE_FILE
      ? `passphrase from PULUMI_CONFIG_PASSPHRASE_FILE (${env.PULUMI_CONFIG_PASSPHRASE_FILE})`
      : "passphrase from PULUMI_CONFIG_PASSPHRASE";
  } else if (!configured) {
    envVars.PULUMI_CONFIG_PASSPHRASE_FILE = ensurePassphrase(projectDir);
    secrets = `passphrase generated into ${envVars.PULUMI_CONFIG_PASSPHRASE_FILE} (keep it: without it the stack's secrets cannot be read)`;
  } else {
    secrets = "the stack's secrets provider (set PULUMI_CONFIG_PASSPHRASE or _FILE for a passphrase stack)";
  }
  if (!configured) mkdirSync(path.join(stateDir(projectDir), "state"), { recursive: true });
  return {
    backendUrl,
    localBackend: !configured,
    secrets,
    envVars,
    ...(existsSync(ENGINE.home) ? { pulumiHome: ENGINE.home } : {}),
  };
}

/** The local default's passphrase file, created with 32 random bytes on first use. */
function ensurePassphrase(projectDir: string): string {
  const file = passphraseFile(projectDir);
  if (!existsSync(file)) {
    mkdirSync(stateDir(projectDir), { recursive: true, mode: 0o700 });
    writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600, flag: "wx" });
  }
  chmodSync(file, 0o600);
  return file;
}
