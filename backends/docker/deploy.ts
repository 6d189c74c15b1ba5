/**
 * The Docker backend: one Traefik with host networking and, per tenant, a container, volume and
 * network on the stack's Docker host (components/docker).
 */
import * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import { type OffsiteArgs, ServerFiles, TenantDatabase, TraefikIngress } from "../../components/docker";
import { imageLogicalName } from "../../lib/naming";
import { SECRET_KEYS, type StackSettings } from "../../lib/stackSettings";
import type { Tenant } from "../../lib/tenants/tenant";
import type { BackendInput, Deployment } from "../backend";

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
function offsiteArgs(
  config: pulumi.Config,
  settings: StackSettings,
  tenants: Tenant[],
  imageId: (ref: string) => pulumi.Output<string>,
): OffsiteArgs | undefined {
  const s3 = settings.backupS3;
  if (!s3 || !tenants.some((t) => t.backup && t.state === "running")) return undefined;
  return {
    settings: s3,
    imageId: imageId(s3.rcloneImage),
    accessKeyId: config.requireSecret(SECRET_KEYS.backupS3AccessKeyId),
    secretAccessKey: config.requireSecret(SECRET_KEYS.backupS3SecretAccessKey),
  };
}

export function deployOnDocker({ config, settings, tenants }: BackendInput): Deployment {
  const ingress = new TraefikIngress("ingress", {
    naming: settings.naming,
    image: settings.traefikImage,
    settings: settings.ingress,
    certificate: settings.certificate,
    certificateNames: settings.certificateNames,
    ...(settings.certificate.mode === "provided" ? { providedPrivateKeyPem: config.requireSecret(SECRET_KEYS.tlsPrivateKey) } : {}),
  });

  // Stack-wide like the ingress, and under it: what an ingress run targets or refreshes includes it.
  const serverFiles = new ServerFiles("server-files", { naming: settings.naming, imageId: ingress.image.imageId }, { parent: ingress });

  const imageId = imageRegistry();
  const offsite = offsiteArgs(config, settings, tenants, imageId);
  const databases = tenants.map(
    (tenant) =>
      new TenantDatabase(tenant.id, {
        tenant,
        naming: settings.naming,
        ...(tenant.state === "running"
          ? { imageId: imageId(settings.postgresImage(tenant.postgres.version)), serverFiles: serverFiles.ref }
          : {}),
        ingressPort: settings.ingress.port,
        storageDir: settings.storageDir,
        ingress: { containerName: ingress.container.name, containerId: ingress.container.id },
        ...(tenant.passwordSecret ? { customPassword: config.requireSecret(tenant.passwordSecret) } : {}),
        ...(offsite && tenant.backup ? { offsite } : {}),
      }),
  );

  return {
    caCertificate: ingress.caCertificatePem,
    ingressEndpoint: { address: settings.ingress.address, port: settings.ingress.port },
    port: settings.ingress.port,
    connectionStrings: Object.fromEntries(databases.map((db, i) => [tenants[i].id, db.connectionString])),
  };
}
