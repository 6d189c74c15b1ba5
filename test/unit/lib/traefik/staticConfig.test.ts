/** What Traefik is told: its static flags, its health check and the TLS file configuration. */
import { parse } from "yaml";
import { Naming } from "../../../../lib/naming";
import { resolveTenant, type Tenant } from "../../../../lib/tenants/tenant";
import {
  type IngressSettings,
  INGRESS,
  PLAINTEXT_REFUSAL,
  TRAEFIK_PATHS,
  traefikCertificateConfig,
  traefikDynamicConfig,
  traefikHealthcheckCommand,
  traefikStaticArgs,
} from "../../../../lib/traefik/staticConfig";
import { tenantRouteConfig } from "../../../../lib/traefik/dockerRoutes";
import type { TenantEntry } from "../../../../lib/tenants/schema";

const naming = new Naming("prod", "pgs-prod-");
const tenant = (entry: TenantEntry): Tenant => resolveTenant(entry, { apiVersion: "pgs/v1", tenants: [entry] }, "pgs.example.com");

const SETTINGS: IngressSettings = {
  address: "0.0.0.0",
  port: 5432,
  adminAddress: "127.0.0.1:8080",
  ping: true,
  metrics: false,
  dockerSocket: "/var/run/docker.sock",
  dialTimeout: "5s",
};

describe("Traefik static configuration", () => {
  const args = (overrides: Partial<IngressSettings> = {}) => traefikStaticArgs({ ...SETTINGS, ...overrides }, "prod");

  test("discovers only containers labelled with its own stack, and none by default", () => {
    expect(args()).toContain("--providers.docker.constraints=Label(`pgs.stack`,`prod`)");
    expect(args()).toContain("--providers.docker.exposedByDefault=false");
    expect(args()).toContain(`--providers.docker.endpoint=unix://${TRAEFIK_PATHS.dockerSocket}`);
  });

  test("never phones home", () => {
    expect(args()).toEqual(expect.arrayContaining(["--global.checkNewVersion=false", "--global.sendAnonymousUsage=false"]));
  });

  test("watches the file provider's directory: routes, TLS options and certificate change without a restart", () => {
    expect(args()).toEqual(
      expect.arrayContaining([`--providers.file.directory=${TRAEFIK_PATHS.dynamicDir}`, "--providers.file.watch=true"]),
    );
    expect(TRAEFIK_PATHS.dynamicConfig.startsWith(`${TRAEFIK_PATHS.dynamicDir}/`)).toBe(true);
  });

  test("fails fast when a tenant's server is unreachable", () => {
    expect(args({ dialTimeout: "3s" })).toContain("--tcpServersTransport.dialTimeout=3s");
  });

  test.each([
    ["0.0.0.0", 5432, ":5432"],
    ["127.0.0.1", 5432, "127.0.0.1:5432"],
    ["192.0.2.10", 15432, "192.0.2.10:15432"],
    ["::1", 5432, "[::1]:5432"],
    ["::", 6432, "[::]:6432"],
    ["2001:db8::5", 5432, "[2001:db8::5]:5432"],
  ])("the postgres entrypoint on %s port %d listens at %s", (address, port, listen) => {
    const entrypoints = args({ address, port }).filter((a) => a.startsWith("--entryPoints.postgres."));
    expect(entrypoints).toEqual([`--entryPoints.postgres.address=${listen}`]);
  });

  test("ping on, metrics off: the admin entrypoint serves /ping only", () => {
    const a = args({ ping: true, metrics: false });
    expect(a).toEqual(expect.arrayContaining(["--entryPoints.traefik.address=127.0.0.1:8080", "--ping=true", "--ping.entryPoint=traefik"]));
    expect(a.filter((x) => x.startsWith("--metrics"))).toEqual([]);
  });

  test("metrics on, ping off: the admin entrypoint serves Prometheus metrics only", () => {
    const a = args({ ping: false, metrics: true });
    expect(a).toEqual(
      expect.arrayContaining([
        "--entryPoints.traefik.address=127.0.0.1:8080",
        "--metrics.prometheus=true",
        "--metrics.prometheus.entryPoint=traefik",
      ]),
    );
    expect(a.filter((x) => x.startsWith("--ping"))).toEqual([]);
  });

  test("both off: no admin entrypoint at all", () => {
    const a = args({ ping: false, metrics: false });
    expect(a.filter((x) => x.startsWith("--entryPoints.traefik") || x.startsWith("--ping") || x.startsWith("--metrics"))).toEqual([]);
  });

  test("both on: one admin entrypoint serving both", () => {
    const a = args({ ping: true, metrics: true, adminAddress: "[::1]:9000" });
    expect(a.filter((x) => x.startsWith("--entryPoints.traefik"))).toEqual(["--entryPoints.traefik.address=[::1]:9000"]);
    expect(a).toEqual(expect.arrayContaining(["--ping=true", "--metrics.prometheus=true"]));
  });

  test("every flag is given once", () => {
    const names = args({ ping: true, metrics: true }).map((a) => a.split("=")[0]);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe("TLS file configuration", () => {
  const config = parse(traefikDynamicConfig()) as {
    tls: {
      certificates: { certFile: string; keyFile: string }[];
      stores: { default: { defaultCertificate: { certFile: string; keyFile: string } } };
      options: Record<string, { minVersion: string; sniStrict: boolean; alpnProtocols: string[] }>;
    };
  };

  test("defines the options the tenant routers (also of the file provider) refer to", () => {
    expect(Object.keys(config.tls.options)).toEqual([INGRESS.tlsOptions]);
    const route = parse(tenantRouteConfig(tenant({ id: "acme" }), naming)) as {
      tcp: { routers: Record<string, { tls: { options: string } }> };
    };
    expect(route.tcp.routers["pgs-prod-acme"].tls.options).toBe(INGRESS.tlsOptions);
  });

  test("offers ALPN postgresql (libpq 17+ requires it), refuses clients without SNI, and needs TLS 1.2 or newer", () => {
    const options = config.tls.options[INGRESS.tlsOptions];
    expect(options.alpnProtocols).toContain("postgresql");
    expect(options.sniStrict).toBe(true);
    expect(["VersionTLS12", "VersionTLS13"]).toContain(options.minVersion);
  });

  test("holds no certificate: that is its own file, rewritten on renewal without a restart", () => {
    expect(config.tls.certificates).toBeUndefined();
    const own = parse(traefikCertificateConfig("-----CERT-----", "-----KEY-----")) as typeof config;
    const pair = { certFile: "-----CERT-----", keyFile: "-----KEY-----" };
    expect(own.tls.certificates).toEqual([pair]);
    expect(own.tls.stores.default.defaultCertificate).toEqual(pair);
    expect(TRAEFIK_PATHS.certificateConfig.startsWith(`${TRAEFIK_PATHS.dynamicDir}/`)).toBe(true);
  });
});

describe("plaintext clients", () => {
  const tcp = (
    parse(traefikDynamicConfig()) as {
      tcp: {
        routers: Record<string, { entryPoints: string[]; rule: string; middlewares: string[]; service: string; tls?: unknown }>;
        middlewares: Record<string, { ipAllowList: { sourceRange: string[] } }>;
      };
    }
  ).tcp;

  test("a non-TLS catch-all router on the postgres entrypoint refuses them at once", () => {
    const router = tcp.routers[PLAINTEXT_REFUSAL.router];
    expect(router).toEqual({
      entryPoints: [INGRESS.entrypoint],
      rule: "HostSNI(`*`)",
      middlewares: [PLAINTEXT_REFUSAL.middleware],
      service: PLAINTEXT_REFUSAL.service,
    });
    expect(router.tls).toBeUndefined();
    expect(tcp.middlewares[PLAINTEXT_REFUSAL.middleware].ipAllowList.sourceRange).toEqual(["0.0.0.0/32"]);
  });

  test("no tenant router can collide with the refusal router's names", () => {
    const route = tenantRouteConfig(tenant({ id: "acme", allowFrom: ["10.0.0.0/8"] }), naming);
    for (const name of Object.values(PLAINTEXT_REFUSAL)) expect(route).not.toContain(name);
  });
});

describe("Traefik's health check", () => {
  test("asks /ping on the admin entrypoint, with exactly the flags that say where it is", () => {
    expect(traefikHealthcheckCommand(SETTINGS)).toEqual([
      "traefik",
      "healthcheck",
      "--entryPoints.traefik.address=127.0.0.1:8080",
      "--ping=true",
      "--ping.entryPoint=traefik",
    ]);
  });

  test("needs ping", () => {
    expect(() => traefikHealthcheckCommand({ ...SETTINGS, ping: false })).toThrow(/ping is off/);
  });
});
