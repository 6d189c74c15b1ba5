/**
 * pgs: tenants.yaml → one PostgreSQL container, volume, network and password per tenant,
 * behind one Traefik v3 that routes `<tenant hostname>:5432` by TLS SNI.
 *
 * The Pulumi CLI calls the export with no argument (the project folder is the working
 * directory); pgs's own runners pass the project folder.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { OffsiteArgs, TenantDatabase, TraefikIngress } from "./components";
import { imageLogicalName } from "./lib/naming";
import { LoadedStack, loadStack } from "./lib/project";
import { SECRET_KEYS, StackConfigError, StackSettings } from "./lib/stackSettings";
import { tenantEndpoint } from "./lib/tenants/endpoint";
import { majorChangeProblem, previousMajors } from "./lib/tenants/majorVersion";
import { InvalidInputError } from "./lib/tenants/problems";
import type { Tenant } from "./lib/tenants/tenant";

/** Operator mistakes are reported as their message lines, not as a stack trace. */
function loadOrFail(config: pulumi.Config, projectDir: string): LoadedStack {
  try {
    return loadStack({
      projectDir,
      project: pulumi.getProject(),
      stack: pulumi.getStack(),
      config: (key) => config.get(key),
      // The raw value, so that reading a secret does not log a "secret read as plaintext" warning.
      secretConfig: (key) => pulumi.runtime.getConfig(`${pulumi.getProject()}:${key}`),
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

/** One RemoteImage per distinct image reference; containers use its imageId (pulumi-docker#325). */
function imageRegistry(): (ref: string) => pulumi.Output<string> {
  const images = new Map<string, docker.RemoteImage>();
  return (ref) => {
    let image = images.get(ref);
    if (!image) {
      image = new docker.RemoteImage(imageLogicalName(ref), { name: ref, keepLocally: true });
      images.set(ref, image);
    }
    return image.imageId;
  };
}

/** The S3 target's image and credentials, when the stack has one and some running tenant backs up. */
function offsiteArgs(config: pulumi.Config, settings: StackSettings, tenants: Tenant[], imageId: (ref: string) => pulumi.Output<string>): OffsiteArgs | undefined {
  const s3 = settings.backupS3;
  if (!s3 || !tenants.some((t) => t.backup && t.state === "running")) return undefined;
  return {
    settings: s3,
    imageId: imageId(s3.rcloneImage),
    accessKeyId: config.requireSecret(SECRET_KEYS.backupS3AccessKeyId),
    secretAccessKey: config.requireSecret(SECRET_KEYS.backupS3SecretAccessKey),
  };
}

export = async (projectDir: string = process.cwd()) => {
  // Made here, not at import: an inline program is imported before the engine says which project runs.
  const config = new pulumi.Config();
  const { settings, tenants } = loadOrFail(config, projectDir);
  await refuseMajorChanges(settings, tenants);

  const ingress = new TraefikIngress("ingress", {
    naming: settings.naming,
    image: settings.traefikImage,
    settings: settings.ingress,
    certificate: settings.certificate,
    certificateNames: settings.certificateNames,
    ...(settings.certificate.mode === "provided" ? { providedPrivateKeyPem: config.requireSecret(SECRET_KEYS.tlsPrivateKey) } : {}),
  });

  const imageId = imageRegistry();
  const offsite = offsiteArgs(config, settings, tenants, imageId);
  const databases = tenants.map((tenant) => new TenantDatabase(tenant.id, {
    tenant,
    naming: settings.naming,
    ...(tenant.state === "running" ? { imageId: imageId(settings.postgresImage(tenant.postgres.version)) } : {}),
    ingressPort: settings.ingress.port,
    ...(tenant.passwordSecret ? { customPassword: config.requireSecret(tenant.passwordSecret) } : {}),
    ...(offsite && tenant.backup ? { offsite } : {}),
  }));

  return {
    caCertificate: ingress.caCertificatePem,
    ingressEndpoint: { address: settings.ingress.address, port: settings.ingress.port },
    tenantEndpoints: Object.fromEntries(tenants.map((t) => [t.id, tenantEndpoint(t, settings.ingress.port)])),
    connectionStrings: pulumi.secret(
      pulumi.all(Object.fromEntries(databases.map((db, i) => [tenants[i].id, db.connectionString]))),
    ),
  };
};
