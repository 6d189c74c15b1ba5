/**
 * The Kubernetes backend: one Traefik with its Kubernetes CRD provider and, per tenant, a
 * namespace with a StatefulSet, claim, Service, NetworkPolicy and route (components/kubernetes),
 * in the cluster the stack's kubeconfig names.
 */
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import { TenantDatabase, TraefikIngress } from "../../components/kubernetes";
import { SECRET_KEYS } from "../../lib/stackSettings";
import type { BackendInput, Deployment } from "../backend";

export function deployOnKubernetes({ config, projectDir, settings, tenants }: BackendInput): Deployment {
  const { kubeconfig } = settings.kubernetes;
  // A path, never the file's content: the state holds no cluster credentials.
  const provider = new k8s.Provider("kubernetes", kubeconfig ? { kubeconfig: path.resolve(projectDir, kubeconfig) } : {});

  const ingress = new TraefikIngress(
    "ingress",
    {
      naming: settings.naming,
      image: settings.traefikImage,
      settings: settings.ingress,
      kubernetes: settings.kubernetes,
      certificate: settings.certificate,
      certificateNames: settings.certificateNames,
      ...(settings.certificate.mode === "provided" ? { providedPrivateKeyPem: config.requireSecret(SECRET_KEYS.tlsPrivateKey) } : {}),
    },
    { providers: [provider] },
  );

  const databases = tenants.map(
    (tenant) =>
      new TenantDatabase(
        tenant.id,
        {
          tenant,
          naming: settings.naming,
          image: settings.postgresImage(tenant.postgres.version),
          ingressPort: ingress.port,
          kubernetes: settings.kubernetes,
          routeDependsOn: ingress.crds,
          ...(tenant.passwordSecret ? { customPassword: config.requireSecret(tenant.passwordSecret) } : {}),
        },
        { providers: [provider] },
      ),
  );

  return {
    caCertificate: ingress.caCertificatePem,
    ingressEndpoint: { address: ingress.address, port: ingress.port },
    port: ingress.port,
    connectionStrings: Object.fromEntries(databases.map((db, i) => [tenants[i].id, db.connectionString])),
  };
}
