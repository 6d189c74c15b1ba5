/** The Traefik routing a tenant's container carries as labels. */
import { Naming } from "../../../../lib/naming";
import { resolveTenant, type Tenant } from "../../../../lib/tenants/tenant";
import { tenantRouterLabels } from "../../../../lib/traefik/labels";
import type { TenantEntry } from "../../../../lib/tenants/schema";

const naming = new Naming("prod", "pgs-prod-");
const tenant = (entry: TenantEntry): Tenant => resolveTenant(entry, { apiVersion: "pgs/v1", tenants: [entry] }, "pgs.example.com");

describe("tenant router labels", () => {
  test("a tenant is routed by SNI on the postgres entrypoint to port 5432 over its own network", () => {
    expect(tenantRouterLabels(tenant({ id: "acme" }), naming)).toEqual({
      "traefik.enable": "true",
      "traefik.docker.network": "pgs-prod-acme-net",
      "traefik.tcp.routers.pgs-prod-acme.entrypoints": "postgres",
      "traefik.tcp.routers.pgs-prod-acme.rule": "HostSNI(`acme.pgs.example.com`)",
      "traefik.tcp.routers.pgs-prod-acme.tls": "true",
      "traefik.tcp.routers.pgs-prod-acme.tls.options": "pgs@file",
      "traefik.tcp.routers.pgs-prod-acme.service": "pgs-prod-acme",
      "traefik.tcp.services.pgs-prod-acme.loadbalancer.server.port": "5432",
    });
  });

  test("an explicit hostname is the SNI rule", () => {
    expect(
      tenantRouterLabels(tenant({ id: "globex", hostname: "globex-db.pgs.example.com" }), naming)[
        "traefik.tcp.routers.pgs-prod-globex.rule"
      ],
    ).toBe("HostSNI(`globex-db.pgs.example.com`)");
  });

  test("allowFrom adds an ipallowlist middleware and attaches it to the router", () => {
    expect(tenantRouterLabels(tenant({ id: "acme", allowFrom: ["203.0.113.0/24", "198.51.100.7", "2001:db8::/32"] }), naming)).toEqual({
      ...tenantRouterLabels(tenant({ id: "acme" }), naming),
      "traefik.tcp.middlewares.pgs-prod-acme-allow.ipallowlist.sourcerange": "203.0.113.0/24,198.51.100.7,2001:db8::/32",
      "traefik.tcp.routers.pgs-prod-acme.middlewares": "pgs-prod-acme-allow@docker",
    });
  });

  test("an empty allowFrom adds no middleware", () => {
    const labels = tenantRouterLabels(tenant({ id: "acme", allowFrom: [] }), naming);
    expect(Object.keys(labels).filter((k) => k.includes("middlewares"))).toEqual([]);
  });

  test("access: disabled gives no traefik labels at all, even with allowFrom", () => {
    expect(tenantRouterLabels(tenant({ id: "acme", access: "disabled", allowFrom: ["10.0.0.0/8"] }), naming)).toEqual({});
  });

  test("router, service and middleware names carry the stack prefix, so two stacks on one host do not collide", () => {
    const other = new Naming("staging", "pgs-staging-");
    const a = Object.keys(tenantRouterLabels(tenant({ id: "acme", allowFrom: ["10.0.0.0/8"] }), naming));
    const b = Object.keys(tenantRouterLabels(tenant({ id: "acme", allowFrom: ["10.0.0.0/8"] }), other));
    const shared = a.filter((k) => b.includes(k));
    expect(shared.sort()).toEqual(["traefik.docker.network", "traefik.enable"]);
  });
});
