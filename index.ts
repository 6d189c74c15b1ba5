/**
 * pgs: tenants.yaml → one PostgreSQL server, volume and password per tenant, behind one Traefik
 * v3 that routes `<tenant hostname>:5432` by TLS SNI; on one Docker host or in a Kubernetes
 * cluster, as the stack's `backend` says (backends/index.ts chooses).
 *
 * The Pulumi CLI calls the export with no argument (the project folder is the working
 * directory); pgs's own runners pass the project folder.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadStack } from "./backends";
import { StackConfigError, type StackSettings } from "./lib/stackSettings";
import { tenantEndpoint } from "./lib/tenants/endpoint";
import { majorChangeProblem, previousMajors } from "./lib/tenants/majorVersion";
import { InvalidInputError } from "./lib/tenants/problems";
import type { Applied, ProgramScope } from "./lib/programScope";
import type { TenantEndpoint } from "./lib/tenants/endpoint";
import type { Tenant } from "./lib/tenants/tenant";

/** Operator mistakes are reported as their message lines, not as a stack trace. */
function loadOrFail(config: pulumi.Config, projectDir: string): ReturnType<typeof loadStack> {
  try {
    return loadStack({
      projectDir,
      project: pulumi.getProject(),
      stack: pulumi.getStack(),
      config: (key) => config.get(key),
      // The raw value, so that reading a secret does not log a "secret read as plaintext" warning.
      secretConfig: (key) => pulumi.runtime.getConfig(`${pulumi.getProject()}:${key}`),
      // Every key the engine passes, so that a misspelt setting is refused rather than ignored.
      configKeys: Object.keys(pulumi.runtime.allConfig()),
    });
  } catch (err) {
    if (err instanceof InvalidInputError || err instanceof StackConfigError) {
      throw new pulumi.RunError(`invalid input, nothing was changed:\n${err.message}`);
    }
    throw err;
  }
}

/** What this stack's last run recorded (its outputs), read through a StackReference to itself. */
interface LastDeployment {
  tenantEndpoints: Record<string, TenantEndpoint>;
  connectionStrings: Record<string, string>;
  applied: Applied;
}

async function lastDeployment(): Promise<LastDeployment> {
  const self = new pulumi.StackReference("last-deployment", {
    name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
  });
  const [endpoints, strings, applied] = await Promise.all(
    ["tenantEndpoints", "connectionStrings", "applied"].map((name) => self.getOutputDetails(name)),
  );
  return {
    tenantEndpoints: (endpoints.value ?? {}) as Record<string, TenantEndpoint>,
    connectionStrings: (strings.secretValue ?? strings.value ?? {}) as Record<string, string>,
    applied: (applied.value as Applied | undefined) ?? { tenants: {} },
  };
}

/**
 * Refuses, before any resource changes, a tenant whose PostgreSQL major differs from the one
 * its data was written by, as recorded in this stack's own last outputs.
 */
function refuseMajorChanges(settings: StackSettings, tenants: Tenant[], last: LastDeployment): void {
  const majors = previousMajors(last.tenantEndpoints);
  const problems = tenants
    .map((tenant) => majorChangeProblem(tenant, majors[tenant.id], settings.stack))
    .filter((problem): problem is string => problem !== undefined);
  if (problems.length > 0) throw new pulumi.RunError(`nothing was changed:\n${problems.join("\n")}`);
}

/** `previous` without `ids`, then `current`: what a scoped run leaves for the tenants it did not build. */
function merged<T>(previous: Record<string, T>, ids: string[], current: Record<string, T>): Record<string, T> {
  const kept = Object.fromEntries(Object.entries(previous).filter(([id]) => !ids.includes(id)));
  return { ...kept, ...current };
}

/**
 * `scope` (pgs's runs) builds only some tenants: the others are untouched by the engine (it gets
 * targets), and their outputs stay as the last run left them. Without one, everything is built.
 */
export = async (projectDir: string = process.cwd(), scope?: ProgramScope) => {
  // Made here, not at import: an inline program is imported before the engine says which project runs.
  const config = new pulumi.Config();
  const { settings, tenants, backend } = loadOrFail(config, projectDir);
  const last = await lastDeployment();
  const built = scope && !scope.full ? tenants.filter((t) => scope.tenants.includes(t.id)) : tenants;
  refuseMajorChanges(settings, built, last);

  const deployed = backend.deploy({ config, projectDir, settings, tenants: built });

  const endpoints = Object.fromEntries(built.map((t) => [t.id, tenantEndpoint(t, deployed.port)]));
  const replaced = scope?.full ? Object.keys(last.tenantEndpoints) : (scope?.tenants ?? Object.keys(last.tenantEndpoints));
  const fingerprints = scope ? Object.fromEntries(built.map((t) => [t.id, scope.fingerprints.tenants[t.id]])) : {};
  return {
    caCertificate: deployed.caCertificate,
    ingressEndpoint: deployed.ingressEndpoint,
    tenantEndpoints: merged(last.tenantEndpoints, replaced, endpoints),
    connectionStrings: pulumi.secret(
      pulumi.all(deployed.connectionStrings).apply((current) => merged(last.connectionStrings, replaced, current)),
    ),
    // A run without a scope records nothing: pgs cannot know what it applied, so its next run is full.
    applied: scope
      ? {
          ...((scope.full || scope.ingress ? scope.fingerprints.ingress : last.applied.ingress) !== undefined
            ? { ingress: scope.full || scope.ingress ? scope.fingerprints.ingress : last.applied.ingress }
            : {}),
          tenants: merged(scope.full ? {} : last.applied.tenants, replaced, fingerprints),
        }
      : { tenants: {} },
  };
};
