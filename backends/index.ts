/**
 * The one place a backend is chosen: the stack's `backend` setting names it. The program
 * (index.ts), the offline checks and every operator command get theirs from here.
 */
import { type LoadOptions, loadStackFiles, type LoadedStack } from "../lib/project";
import { type Backend as BackendName, StackConfigError } from "../lib/stackSettings";
import type { Backend } from "./backend";
import { dockerBackend } from "./docker";
import { kubernetesBackend } from "./kubernetes";

export type { Backend, BackendInput, Deployment } from "./backend";

const BACKENDS: Record<BackendName, Backend> = { docker: dockerBackend, kubernetes: kubernetesBackend };

export function backendOf(name: BackendName): Backend {
  return BACKENDS[name];
}

/**
 * Stack settings, then the tenants file they name (every problem of either thrown at once), then
 * what the stack's backend cannot do with them.
 */
export function loadStack(options: LoadOptions): LoadedStack & { backend: Backend } {
  const loaded = loadStackFiles(options);
  const backend = backendOf(loaded.settings.backend);
  const problems = backend.problems(loaded.tenants, loaded.settings);
  if (problems.length > 0) throw new StackConfigError(problems.map((p) => `${loaded.tenantsFile}: ${p}`));
  return { ...loaded, backend };
}
