/** The Kubernetes backend: a namespace per tenant in one cluster, behind a Traefik with its CRD provider. */
import { kubernetesProblems } from "../../lib/kubernetes/problems";
import type { Backend } from "../backend";
import { scopedTargets } from "../targets";
import { kubernetesHost } from "./host";

/**
 * What a tenant's resources are named, besides its component (its id): `<id>-<suffix>` in
 * components/kubernetes (TenantDatabase, TenantBackup and the shared passwords). A unit test keeps
 * this list and the components in step.
 */
export const KUBERNETES_TENANT_SUFFIXES = [
  "password",
  "superuser-password",
  "namespace",
  "credentials",
  "files",
  "settings",
  "data",
  "service",
  "network-policy",
  "postgres",
  "allow-from",
  "route",
  "backups",
  "backup-files",
  "backup",
] as const;

export const kubernetesBackend: Backend = {
  name: "kubernetes",
  problems: (tenants, settings) => kubernetesProblems(tenants, settings.naming),
  // Loaded on use: `pgs validate` and the operator commands never load Pulumi.
  deploy: (input) => (require("./deploy") as typeof import("./deploy")).deployOnKubernetes(input),
  targets: (scope, settings) =>
    scopedTargets(
      settings,
      scope,
      { type: "pgs:kubernetes:TenantDatabase", suffixes: KUBERNETES_TENANT_SUFFIXES },
      "pgs:kubernetes:TraefikIngress",
    ),
  host: kubernetesHost,
};
