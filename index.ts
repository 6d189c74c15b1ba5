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

/**
 * Refuses, before any resource changes, a tenant whose PostgreSQL major differs from the one
 * its data was written by, as recorded in this stack's own last outputs.
 */
async function refuseMajorChanges(settings: StackSettings, tenants: Tenant[]): Promise<void> {
  const lastDeployment = new pulumi.StackReference("last-deployment", {
    name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
  });
  const majors = previousMajors(await lastDeployment.getOutputValue("tenantEndpoints"));
  const problems = tenants
    .map((tenant) => majorChangeProblem(tenant, majors[tenant.id], settings.stack))
    .filter((problem): problem is string => problem !== undefined);
  if (problems.length > 0) throw new pulumi.RunError(`nothing was changed:\n${problems.join("\n")}`);
}

export = async (projectDir: string = process.cwd()) => {
  // Made here, not at import: an inline program is imported before the engine says which project runs.
  const config = new pulumi.Config();
  const { settings, tenants, backend } = loadOrFail(config, projectDir);
  await refuseMajorChanges(settings, tenants);

  const deployed = backend.deploy({ config, projectDir, settings, tenants });

  return {
    caCertificate: deployed.caCertificate,
    ingressEndpoint: deployed.ingressEndpoint,
    tenantEndpoints: Object.fromEntries(tenants.map((t) => [t.id, tenantEndpoint(t, deployed.port)])),
    connectionStrings: pulumi.secret(pulumi.all(deployed.connectionStrings)),
  };
};
