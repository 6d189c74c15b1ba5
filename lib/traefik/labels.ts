/** The Traefik dynamic configuration a tenant's container carries as Docker labels. */
import type { Naming } from "../naming";
import { POSTGRES_PORT } from "../postgres/container";
import type { Tenant } from "../tenants/tenant";
import { INGRESS } from "./staticConfig";

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
    [`traefik.tcp.services.${name}.loadbalancer.server.port`]: String(POSTGRES_PORT),
  };
  if (tenant.allowFrom.length > 0) {
    const middleware = `${name}-allow`;
    labels[`traefik.tcp.middlewares.${middleware}.ipallowlist.sourcerange`] = tenant.allowFrom.join(",");
    labels[`${router}.middlewares`] = `${middleware}@docker`;
  }
  return labels;
}
