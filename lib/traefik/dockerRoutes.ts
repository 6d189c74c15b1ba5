/**
 * A tenant's routing on Docker, in two halves. Its server container carries only the labels of
 * a Traefik service (where to reach it: its own network, port 5432), which never change with the
 * tenant's entry. The router (SNI hostname, TLS option, allowlist) is a file in Traefik's watched
 * dynamic directory: access, allowFrom and hostname edits rewrite that file and restart nothing.
 * The router names the service across providers (`<name>@docker`); while the server is not
 * running the service has no server, and the hostname is refused.
 */
import { stringify } from "yaml";
import type { Naming } from "../naming";
import { POSTGRES_PORT } from "../postgres/container";
import type { Tenant } from "../tenants/tenant";
import { INGRESS, TRAEFIK_PATHS } from "./staticConfig";

/** The labels that make a tenant's server a Traefik service; the same for every edit of its entry. */
export function tenantServiceLabels(tenantId: string, naming: Naming): Record<string, string> {
  return {
    "traefik.enable": "true",
    "traefik.docker.network": naming.network(tenantId),
    [`traefik.tcp.services.${naming.router(tenantId)}.loadbalancer.server.port`]: String(POSTGRES_PORT),
  };
}

/** Where the tenant's router file lives in Traefik's dynamic directory. */
export function tenantRouteFile(tenantId: string, naming: Naming): string {
  return `${TRAEFIK_PATHS.dynamicDir}/${naming.router(tenantId)}.yml`;
}

/**
 * The tenant's router file: its hostname routed by SNI to its service, with the TLS option every
 * tenant uses and, with allowFrom, an allowlist. Nothing routes while access is disabled or the
 * tenant is stopped (an empty file is no configuration to Traefik).
 */
export function tenantRouteConfig(tenant: Tenant, naming: Naming): string {
  if (tenant.access === "disabled" || tenant.state !== "running") return "";
  const name = naming.router(tenant.id);
  const allow = `${name}-allow`;
  return stringify({
    tcp: {
      routers: {
        [name]: {
          entryPoints: [INGRESS.entrypoint],
          rule: `HostSNI(\`${tenant.hostname}\`)`,
          service: `${name}@docker`,
          tls: { options: INGRESS.tlsOptions },
          ...(tenant.allowFrom.length > 0 ? { middlewares: [allow] } : {}),
        },
      },
      ...(tenant.allowFrom.length > 0 ? { middlewares: { [allow]: { ipAllowList: { sourceRange: tenant.allowFrom } } } } : {}),
    },
  });
}
