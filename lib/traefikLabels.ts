/** The Traefik dynamic configuration a tenant's container carries as Docker labels. */
import type { Tenant } from "./tenant";
import type { Naming } from "./naming";

/** Static facts of the ingress that tenant labels refer to. */
export const INGRESS = {
  entrypoint: "postgres",
  /** Defined by the file provider (lib/traefikConfig.ts); labels must say `@file`. */
  tlsOptions: "pgs",
  postgresPort: 5432,
} as const;

export function tenantRouterLabels(tenant: Tenant, naming: Naming): Record<string, string> {
  if (tenant.access === "disabled") return {};
  const name = naming.router(tenant.id);
  const router = `traefik.tcp.routers.${name}`;
  const labels: Record<string, string> = {
    "traefik.enable": "true",
    "traefik.docker.network": naming.network(tenant.id),
    [`${router}.entrypoints`]: INGRESS.entrypoint,
    [`${router}.rule`]: `HostSNI(\`${tenant.hostname}\`)`,
    [`${router}.tls`]: "true",
    [`${router}.tls.options`]: `${INGRESS.tlsOptions}@file`,
    [`${router}.service`]: name,
    [`traefik.tcp.services.${name}.loadbalancer.server.port`]: String(INGRESS.postgresPort),
  };
  if (tenant.allowFrom.length > 0) {
    const middleware = `${name}-allow`;
    labels[`traefik.tcp.middlewares.${middleware}.ipallowlist.sourcerange`] = tenant.allowFrom.join(",");
    labels[`${router}.middlewares`] = `${middleware}@docker`;
  }
  return labels;
}
