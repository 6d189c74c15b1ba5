/**
 * Traefik in a Kubernetes cluster: its Kubernetes CRD provider's flags, the CRDs that provider
 * watches (crds.yaml), its RBAC, the ingress's own TLS and refusal objects, and a tenant's route
 * as an IngressRouteTCP with a MiddlewareTCP allowlist (what labels are on Docker).
 */
import { parseAllDocuments } from "yaml";
import { KUBERNETES_OBJECTS, LABEL, type Naming } from "../naming";
import { POSTGRES_PORT } from "../postgres/container";
import { sourceFile } from "../sourceDir";
import type { Tenant } from "../tenants/tenant";
import { adminArgs, INGRESS, type IngressSettings, NOBODY, PLAINTEXT_REFUSAL, TLS_OPTIONS, traefikCommonArgs } from "./staticConfig";

export const TRAEFIK_API_GROUP = "traefik.io";
export const TRAEFIK_API_VERSION = `${TRAEFIK_API_GROUP}/v1alpha1`;

/** Ports inside Traefik's pod: the postgres entrypoint its Service targets, and /ping for the probes. */
export const TRAEFIK_POD_PORTS = { postgres: 5432, admin: 8080 } as const;

/**
 * The CRD provider sees only this stack's objects (the Docker provider's constraint, as a label
 * selector), in every namespace. Tenant routes live in their tenants' namespaces and name the one
 * TLSOption in the ingress's namespace, a cross-namespace reference Traefik refuses by default.
 * Generated names include the namespace (safe naming: no collisions between namespaces); nodes
 * are never read (no NodePort load balancing), so the ClusterRole leaves them out. /ping is
 * always on: the kubelet's probes use it.
 */
export function traefikKubernetesArgs(settings: Pick<IngressSettings, "dialTimeout" | "metrics">, stack: string): string[] {
  const common = traefikCommonArgs(`:${TRAEFIK_POD_PORTS.postgres}`, settings.dialTimeout);
  return [
    ...common.head,
    "--providers.kubernetescrd=true",
    `--providers.kubernetescrd.labelselector=${LABEL.stack}=${stack}`,
    "--providers.kubernetescrd.allowcrossnamespace=true",
    "--providers.kubernetescrd.safenaming=true",
    "--providers.kubernetescrd.disableclusterscoperesources=true",
    ...common.tail,
    ...adminArgs({ adminAddress: `:${TRAEFIK_POD_PORTS.admin}`, ping: true, metrics: settings.metrics }),
  ];
}

export interface CrdDocument {
  apiVersion: string;
  kind: "CustomResourceDefinition";
  metadata: { name: string };
  spec: { group: string; names: { kind: string; plural: string }; [key: string]: unknown };
}

/** The CustomResourceDefinitions of lib/traefik/crds.yaml. */
export function traefikCrds(): CrdDocument[] {
  return parseAllDocuments(sourceFile("lib/traefik/crds.yaml"))
    .map((doc) => doc.toJS() as CrdDocument | null)
    .filter((doc): doc is CrdDocument => doc !== null);
}

/**
 * What the CRD provider reads (its informers list and watch all of these, in every namespace, and
 * wait for them before serving), and the status it writes back on its own objects. Secrets are
 * among them: Traefik's ServiceAccount can read every Secret in the cluster (docs/kubernetes.md).
 */
export function traefikClusterRules(): { apiGroups: string[]; resources: string[]; verbs: string[] }[] {
  const plurals = traefikCrds().map((crd) => crd.spec.names.plural);
  return [
    { apiGroups: [""], resources: ["configmaps", "secrets", "services"], verbs: ["get", "list", "watch"] },
    { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
    { apiGroups: [TRAEFIK_API_GROUP], resources: plurals, verbs: ["get", "list", "watch"] },
    { apiGroups: [TRAEFIK_API_GROUP], resources: plurals.map((p) => `${p}/status`), verbs: ["update"] },
  ];
}

/** The ingress's TLS objects: the option every tenant route names, and the default store holding the certificate. */
export const INGRESS_TLS = {
  option: INGRESS.tlsOptions,
  /** Traefik uses the TLSStore named `default` for every router. */
  store: "default",
} as const;

export function tlsOptionSpec() {
  return { ...TLS_OPTIONS };
}

export function tlsStoreSpec(certificateSecret: string) {
  return { defaultCertificate: { secretName: certificateSecret }, certificates: [{ secretName: certificateSecret }] };
}

/**
 * The plaintext refusal of the Docker file provider, as objects: a non-TLS catch-all whose
 * allowlist admits nobody closes a client that skips TLS at once. Its service selects no pod; the
 * route dials its cluster IP (nativeLB), which Traefik accepts without endpoints and never uses.
 */
export function plaintextRefusal() {
  return {
    middleware: { name: PLAINTEXT_REFUSAL.middleware, spec: { ipAllowList: { sourceRange: [...NOBODY] } } },
    service: { name: PLAINTEXT_REFUSAL.service, port: 1 },
    route: {
      name: PLAINTEXT_REFUSAL.router,
      spec: {
        entryPoints: [INGRESS.entrypoint],
        routes: [
          {
            match: "HostSNI(`*`)",
            middlewares: [{ name: PLAINTEXT_REFUSAL.middleware }],
            services: [{ name: PLAINTEXT_REFUSAL.service, port: 1, nativeLB: true }],
          },
        ],
      },
    },
  };
}

/** A tenant's route objects: none while access is disabled; the allowlist only with allowFrom. */
export interface TenantRouteObjects {
  route?: { name: string; spec: Record<string, unknown> };
  allowList?: { name: string; spec: Record<string, unknown> };
}

export function tenantRouteObjects(tenant: Tenant, naming: Naming): TenantRouteObjects {
  if (tenant.access === "disabled") return {};
  const allowList =
    tenant.allowFrom.length > 0
      ? { name: KUBERNETES_OBJECTS.allowList, spec: { ipAllowList: { sourceRange: [...tenant.allowFrom] } } }
      : undefined;
  return {
    route: {
      name: KUBERNETES_OBJECTS.route,
      spec: {
        entryPoints: [INGRESS.entrypoint],
        routes: [
          {
            match: `HostSNI(\`${tenant.hostname}\`)`,
            ...(allowList ? { middlewares: [{ name: allowList.name }] } : {}),
            services: [{ name: KUBERNETES_OBJECTS.server, port: POSTGRES_PORT }],
          },
        ],
        tls: { options: { name: INGRESS_TLS.option, namespace: naming.ingressNamespace() } },
      },
    },
    ...(allowList ? { allowList } : {}),
  };
}
