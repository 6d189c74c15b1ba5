/** A tenant's routing on Docker: stable service labels on its server, the router in a file Traefik watches. */
import { parse } from "yaml";
import { Naming } from "../../../../lib/naming";
import type { TenantEntry } from "../../../../lib/tenants/schema";
import { resolveTenant, type Tenant } from "../../../../lib/tenants/tenant";
import { tenantRouteConfig, tenantRouteFile, tenantServiceLabels } from "../../../../lib/traefik/dockerRoutes";

const naming = new Naming("prod", "pgs-prod-");
const tenant = (entry: TenantEntry): Tenant => resolveTenant(entry, { apiVersion: "pgs/v1", tenants: [entry] }, "pgs.example.com");
const route = (entry: TenantEntry) =>
  parse(tenantRouteConfig(tenant(entry), naming) || "{}") as { tcp?: Record<string, Record<string, unknown>> };

test("the server's labels make it a Traefik service on its own network, port 5432, and nothing else", () => {
  expect(tenantServiceLabels("acme", naming)).toEqual({
    "traefik.enable": "true",
    "traefik.docker.network": "pgs-prod-acme-net",
    "traefik.tcp.services.pgs-prod-acme.loadbalancer.server.port": "5432",
  });
});

test("the labels are the same whatever the entry says of hostname, access and allowFrom: editing them never recreates the server", () => {
  // They take the id only; the router file takes the rest.
  expect(tenantServiceLabels.length).toBe(2);
});

test("a tenant is routed by SNI on the postgres entrypoint, with pgs's TLS option, to its service on the docker provider", () => {
  expect(route({ id: "acme" }).tcp).toEqual({
    routers: {
      "pgs-prod-acme": {
        entryPoints: ["postgres"],
        rule: "HostSNI(`acme.pgs.example.com`)",
        service: "pgs-prod-acme@docker",
        tls: { options: "pgs" },
      },
    },
  });
});

test("allowFrom adds an allowlist middleware and attaches it to the router", () => {
  const tcp = route({ id: "acme", allowFrom: ["203.0.113.0/24", "198.51.100.7", "2001:db8::/32"] }).tcp!;
  expect(tcp.middlewares).toEqual({
    "pgs-prod-acme-allow": { ipAllowList: { sourceRange: ["203.0.113.0/24", "198.51.100.7", "2001:db8::/32"] } },
  });
  expect((tcp.routers["pgs-prod-acme"] as { middlewares: string[] }).middlewares).toEqual(["pgs-prod-acme-allow"]);
});

test("access: disabled and state: stopped route nothing (an empty file is no configuration)", () => {
  expect(tenantRouteConfig(tenant({ id: "acme", access: "disabled", allowFrom: ["10.0.0.0/8"] }), naming)).toBe("");
  expect(tenantRouteConfig(tenant({ id: "acme", state: "stopped" }), naming)).toBe("");
});

test("each tenant has its own file in the watched directory, named so that no two stacks or tenants share one", () => {
  expect(tenantRouteFile("acme", naming)).toBe("/etc/traefik/dynamic/pgs-prod-acme.yml");
  expect(tenantRouteFile("acme", new Naming("staging", "pgs-staging-"))).not.toBe(tenantRouteFile("acme", naming));
});
