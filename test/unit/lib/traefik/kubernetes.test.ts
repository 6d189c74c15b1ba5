/** Traefik on Kubernetes: its CRD provider's flags, the CRDs pgs writes for it, its RBAC, and a tenant's route objects. */
import { parse } from "yaml";
import { Naming } from "../../../../lib/naming";
import type { TenantEntry } from "../../../../lib/tenants/schema";
import { resolveTenant, type Tenant } from "../../../../lib/tenants/tenant";
import {
  plaintextRefusal,
  tenantRouteObjects,
  TRAEFIK_POD_PORTS,
  traefikClusterRules,
  traefikCrds,
  traefikKubernetesArgs,
  tlsOptionSpec,
  tlsStoreSpec,
} from "../../../../lib/traefik/kubernetes";
import { INGRESS, traefikDynamicConfig } from "../../../../lib/traefik/staticConfig";

const naming = new Naming("prod", "pgs-prod-");
const tenant = (entry: TenantEntry): Tenant => resolveTenant(entry, { apiVersion: "pgs/v1", tenants: [entry] }, "pgs.example.com");

/** What Traefik 3.7's CRD provider watches and waits for (pkg/provider/kubernetes/crd/client.go, WatchAll). */
const WATCHED_KINDS = [
  "IngressRoute",
  "IngressRouteTCP",
  "IngressRouteUDP",
  "Middleware",
  "MiddlewareTCP",
  "ServersTransport",
  "ServersTransportTCP",
  "TLSOption",
  "TLSStore",
  "TraefikService",
];

describe("the CRDs", () => {
  test("cover every kind the CRD provider watches, in group traefik.io, version v1alpha1, namespaced", () => {
    const crds = traefikCrds();
    expect(crds.map((c) => c.spec.names.kind).sort()).toEqual(WATCHED_KINDS);
    for (const crd of crds) {
      const { plural } = crd.spec.names;
      expect({ name: crd.metadata.name, group: crd.spec.group, scope: crd.spec.scope, api: crd.apiVersion }).toEqual({
        name: `${plural}.traefik.io`,
        group: "traefik.io",
        scope: "Namespaced",
        api: "apiextensions.k8s.io/v1",
      });
      expect(plural).toBe(`${crd.spec.names.kind.toLowerCase()}s`);
    }
  });

  test("have a structural schema that keeps spec and status as given, and a status subresource", () => {
    for (const crd of traefikCrds()) {
      const versions = crd.spec.versions as { name: string; served: boolean; storage: boolean; schema: unknown; subresources: unknown }[];
      expect(versions).toEqual([
        {
          name: "v1alpha1",
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
              },
            },
          },
        },
      ]);
    }
  });
});

describe("Traefik's flags on Kubernetes", () => {
  const args = traefikKubernetesArgs({ dialTimeout: "5s", metrics: false }, "prod");

  test("the CRD provider sees only this stack's objects, may follow routes to the shared TLSOption, and reads no node", () => {
    expect(args).toEqual(
      expect.arrayContaining([
        "--providers.kubernetescrd=true",
        "--providers.kubernetescrd.labelselector=pgs.stack=prod",
        "--providers.kubernetescrd.allowcrossnamespace=true",
        "--providers.kubernetescrd.safenaming=true",
        "--providers.kubernetescrd.disableclusterscoperesources=true",
      ]),
    );
    expect(args.filter((a) => a.includes("providers.docker") || a.includes("providers.file"))).toEqual([]);
  });

  test("the postgres entrypoint and /ping listen on the pod's own ports; /ping is always on for the probes", () => {
    expect(args).toEqual(
      expect.arrayContaining([
        `--entryPoints.${INGRESS.entrypoint}.address=:${TRAEFIK_POD_PORTS.postgres}`,
        `--entryPoints.${INGRESS.adminEntrypoint}.address=:${TRAEFIK_POD_PORTS.admin}`,
        "--ping=true",
        "--tcpServersTransport.dialTimeout=5s",
        "--global.checkNewVersion=false",
        "--global.sendAnonymousUsage=false",
      ]),
    );
  });

  test("RBAC: reads what the provider watches and writes only its own objects' status; no node", () => {
    const rules = traefikClusterRules();
    expect(rules[0]).toEqual({ apiGroups: [""], resources: ["configmaps", "secrets", "services"], verbs: ["get", "list", "watch"] });
    expect(rules[1]).toEqual({ apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] });
    expect(rules[2].resources).toHaveLength(WATCHED_KINDS.length);
    expect(rules[3].resources.every((r) => r.endsWith("/status"))).toBe(true);
    expect(rules.flatMap((r) => r.verbs).filter((v) => !["get", "list", "watch", "update"].includes(v))).toEqual([]);
  });
});

describe("the ingress's TLS and refusal objects", () => {
  test("the TLSOption says what the Docker file provider says", () => {
    const file = parse(traefikDynamicConfig()) as { tls: { options: Record<string, unknown> } };
    expect(tlsOptionSpec()).toEqual(file.tls.options[INGRESS.tlsOptions]);
    expect(tlsOptionSpec()).toEqual({ minVersion: "VersionTLS12", sniStrict: true, alpnProtocols: ["postgresql"] });
  });

  test("the default store holds the certificate Secret", () => {
    expect(tlsStoreSpec("traefik-tls")).toEqual({
      defaultCertificate: { secretName: "traefik-tls" },
      certificates: [{ secretName: "traefik-tls" }],
    });
  });

  test("plaintext clients meet a non-TLS catch-all that admits nobody", () => {
    const refusal = plaintextRefusal();
    expect(refusal.route.spec.routes[0].match).toBe("HostSNI(`*`)");
    expect(refusal.route.spec).not.toHaveProperty("tls");
    expect(refusal.middleware.spec).toEqual({ ipAllowList: { sourceRange: ["0.0.0.0/32"] } });
    expect(refusal.route.spec.routes[0].services).toEqual([{ name: refusal.service.name, port: refusal.service.port, nativeLB: true }]);
  });
});

describe("a tenant's route objects", () => {
  test("an IngressRouteTCP by SNI to the tenant's Service, with the shared TLSOption", () => {
    expect(tenantRouteObjects(tenant({ id: "acme" }), naming)).toEqual({
      route: {
        name: "postgres",
        spec: {
          entryPoints: ["postgres"],
          routes: [{ match: "HostSNI(`acme.pgs.example.com`)", services: [{ name: "postgres", port: 5432 }] }],
          tls: { options: { name: "pgs", namespace: "pgs-prod-traefik" } },
        },
      },
    });
  });

  test("allowFrom adds a MiddlewareTCP ipAllowList the route names", () => {
    const objects = tenantRouteObjects(tenant({ id: "acme", allowFrom: ["203.0.113.0/24", "2001:db8::/32"] }), naming);
    expect(objects.allowList).toEqual({ name: "allow-from", spec: { ipAllowList: { sourceRange: ["203.0.113.0/24", "2001:db8::/32"] } } });
    expect((objects.route!.spec.routes as { middlewares: unknown }[])[0].middlewares).toEqual([{ name: "allow-from" }]);
  });

  test("access: disabled means no route and no middleware at all", () => {
    expect(tenantRouteObjects(tenant({ id: "acme", access: "disabled", allowFrom: ["203.0.113.0/24"] }), naming)).toEqual({});
  });

  test("a custom hostname is the SNI the route matches", () => {
    expect(
      (tenantRouteObjects(tenant({ id: "acme", hostname: "db.pgs.example.com" }), naming).route!.spec.routes as { match: string }[])[0]
        .match,
    ).toBe("HostSNI(`db.pgs.example.com`)");
  });
});
