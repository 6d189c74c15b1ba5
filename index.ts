/**
 * pgs: tenants.yaml → one PostgreSQL container, volume, network and password per tenant,
 * behind one Traefik v3 that routes `<tenant hostname>:5432` by TLS SNI.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { OffsiteArgs, TenantDatabase, TraefikIngress } from "./components";
import { majorChangeProblem, previousMajors } from "./lib/majorVersion";
import { imageLogicalName } from "./lib/naming";
import { InvalidInputError } from "./lib/problems";
import { BACKUP_S3_SECRET_KEYS, readStackSettings, StackConfigError, StackSettings } from "./lib/stackSettings";
import type { Tenant } from "./lib/tenant";
import { loadTenantsFile } from "./lib/tenantsFile";

const config = new pulumi.Config();

/** Operator mistakes are reported as their message lines, not as a stack trace. */
function loadOrFail(): { settings: StackSettings; tenants: Tenant[] } {
  try {
    const settings = readStackSettings((key) => config.get(key), pulumi.getProject(), pulumi.getStack());
    const tenants = loadTenantsFile(path.resolve(settings.tenantsFile), {
      baseDomain: settings.baseDomain,
      certificateNames: settings.certificateNames,
      // The raw value, so that reading it does not log a "secret read as plaintext" warning.
      secretConfig: (key) => pulumi.runtime.getConfig(`${pulumi.getProject()}:${key}`),
      stack: settings.stack,
    });
    return { settings, tenants };
  } catch (err) {
    if (err instanceof InvalidInputError || err instanceof StackConfigError) {
      throw new pulumi.RunError(`invalid input, nothing was changed:\n${err.message}`);
    }
    throw err;
  }
}

/**
 * Refuses, before any resource changes, a tenant whose PostgreSQL major differs from the one
 * its data was written by, as recorded in this stack's own last outputs (lib/majorVersion.ts).
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

/** The S3 target's image and credentials, when the stack has one and some tenant backs up. */
function offsiteArgs(settings: StackSettings, tenants: Tenant[], imageId: (ref: string) => pulumi.Output<string>): OffsiteArgs | undefined {
  const s3 = settings.backupS3;
  if (!s3 || !tenants.some((t) => t.backup && t.state === "running")) return undefined;
  return {
    settings: s3,
    imageId: imageId(s3.rcloneImage),
    accessKeyId: config.requireSecret(BACKUP_S3_SECRET_KEYS.accessKeyId),
    secretAccessKey: config.requireSecret(BACKUP_S3_SECRET_KEYS.secretAccessKey),
  };
}

export = async () => {
  const { settings, tenants } = loadOrFail();
  await refuseMajorChanges(settings, tenants);

  const ingress = new TraefikIngress("ingress", {
    naming: settings.naming,
    image: settings.traefikImage,
    settings: settings.ingress,
    certificate: settings.certificate,
    certificateNames: settings.certificateNames,
    ...(settings.certificate.mode === "provided" ? { providedPrivateKeyPem: config.requireSecret("tlsPrivateKey") } : {}),
  });

  const imageId = imageRegistry();
  const offsite = offsiteArgs(settings, tenants, imageId);
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
    /** Not secret; also what the next deployment reads back to guard major versions. */
    tenantEndpoints: Object.fromEntries(tenants.map((t) => [t.id, {
      hostname: t.hostname,
      port: settings.ingress.port,
      database: t.database,
      user: t.user,
      access: t.access,
      state: t.state,
      postgresVersion: t.postgres.version,
      superuser: t.superuser,
    }])),
    connectionStrings: pulumi.secret(
      pulumi.all(Object.fromEntries(databases.map((db, i) => [tenants[i].id, db.connectionString]))),
    ),
  };
};
