/** Traefik's static configuration (CLI flags) and the file provider's TLS configuration. */
import { stringify } from "yaml";
import { LABEL } from "../naming";

/** Names of the ingress that tenant routes refer to. */
export const INGRESS = {
  /** The entrypoint clients connect to. */
  entrypoint: "postgres",
  /** The entrypoint serving /ping and /metrics on adminAddress. */
  adminEntrypoint: "traefik",
  /** The TLS option of every tenant router (defined by the file provider: labels say `@file`). */
  tlsOptions: "pgs",
} as const;

export interface IngressSettings {
  /** Address the `postgres` entrypoint binds on the host; "" or 0.0.0.0 for every interface. */
  address: string;
  port: number;
  /** host:port of the `traefik` entrypoint serving /ping and /metrics; keep it on loopback. */
  adminAddress: string;
  ping: boolean;
  metrics: boolean;
  dockerSocket: string;
  /** How long Traefik waits for a tenant's server to accept a TCP connection. */
  dialTimeout: string;
}

export const TRAEFIK_PATHS = {
  /** Watched by the file provider; a volume, written by pgs (components/docker/containerFile.ts). */
  dynamicDir: "/etc/traefik/dynamic",
  /** The TLS option and the plaintext refusal (a name no tenant route file can have: ids and prefixes hold no "_"). */
  dynamicConfig: "/etc/traefik/dynamic/_pgs.yml",
  /** The ingress certificate and key, inline: a renewal rewrites it and Traefik reloads it, no restart. */
  certificateConfig: "/etc/traefik/dynamic/_pgs-tls.yml",
  dockerSocket: "/var/run/docker.sock",
} as const;

/**
 * How long Traefik gathers provider events before it applies them. Its default of 2 s is most of
 * the time a route edit or a new tenant takes to become routable; bursts still coalesce.
 */
const PROVIDERS_THROTTLE = "500ms";

function hostPort(address: string, port: number): string {
  const host = address === "0.0.0.0" ? "" : address.includes(":") ? `[${address}]` : address;
  return `${host}:${port}`;
}

/** The flags every pgs Traefik starts with, whatever its provider: entrypoint, privacy, timeouts. */
export function traefikCommonArgs(entrypointAddress: string, dialTimeout: string): { head: string[]; tail: string[] } {
  return {
    head: [
      // Never phone home: the ingress host may have no egress and must not leak its version.
      "--global.checkNewVersion=false",
      "--global.sendAnonymousUsage=false",
      "--log.level=INFO",
      `--entryPoints.${INGRESS.entrypoint}.address=${entrypointAddress}`,
    ],
    // A tenant whose server is gone must fail fast, not hang the client (traefik#9929).
    tail: [`--tcpServersTransport.dialTimeout=${dialTimeout}`],
  };
}

export function traefikStaticArgs(settings: IngressSettings, stack: string): string[] {
  const common = traefikCommonArgs(hostPort(settings.address, settings.port), settings.dialTimeout);
  const args = [
    ...common.head,
    "--providers.docker=true",
    `--providers.docker.endpoint=unix://${TRAEFIK_PATHS.dockerSocket}`,
    "--providers.docker.exposedByDefault=false",
    `--providers.docker.constraints=Label(\`${LABEL.stack}\`,\`${stack}\`)`,
    `--providers.file.directory=${TRAEFIK_PATHS.dynamicDir}`,
    "--providers.file.watch=true",
    `--providers.providersThrottleDuration=${PROVIDERS_THROTTLE}`,
    ...common.tail,
  ];
  return [...args, ...adminArgs(settings)];
}

/** The admin entrypoint and what it serves; also what `traefik healthcheck` needs to find /ping. */
export function adminArgs(settings: Pick<IngressSettings, "adminAddress" | "ping" | "metrics">): string[] {
  const args: string[] = [];
  if (settings.ping || settings.metrics) args.push(`--entryPoints.${INGRESS.adminEntrypoint}.address=${settings.adminAddress}`);
  if (settings.ping) args.push("--ping=true", `--ping.entryPoint=${INGRESS.adminEntrypoint}`);
  if (settings.metrics) args.push("--metrics.prometheus=true", `--metrics.prometheus.entryPoint=${INGRESS.adminEntrypoint}`);
  return args;
}

/** Traefik's own health check command (needs `ping`): asks /ping on the admin entrypoint. */
export function traefikHealthcheckCommand(settings: IngressSettings): string[] {
  if (!settings.ping) throw new Error("traefikHealthcheckCommand: ping is off, so Traefik has no health endpoint");
  return ["traefik", "healthcheck", ...adminArgs({ ...settings, metrics: false })];
}

/** Names the file provider defines; tenant labels never use them. */
export const PLAINTEXT_REFUSAL = { router: "pgs-refuse-plaintext", middleware: "pgs-refuse-all", service: "pgs-nowhere" } as const;
/** The allowlist of the plaintext refusal: no client address is 0.0.0.0. */
export const NOBODY = ["0.0.0.0/32"];

/** The TLS option of every tenant router (what the file provider and the TLSOption object both say). */
export const TLS_OPTIONS = { minVersion: "VersionTLS12", sniStrict: true, alpnProtocols: ["postgresql"] };

/**
 * The file provider's base configuration: the TLS option the Postgres routers use, and a router
 * that refuses plaintext clients.
 * - libpq 17+ always offers ALPN `postgresql` and fails the handshake without an overlap
 *   (pgadmin-org/pgadmin4#8282); sniStrict refuses clients that send no SNI instead of
 *   answering with some certificate.
 * - A client that skips TLS (sslmode=disable/allow) matches no TLS router and would sit in
 *   Traefik's HTTP handler until its 60 s read timeout; a non-TLS catch-all whose allowlist
 *   admits nobody closes it at once.
 */
export function traefikDynamicConfig(): string {
  return stringify({
    tcp: {
      routers: {
        [PLAINTEXT_REFUSAL.router]: {
          entryPoints: [INGRESS.entrypoint],
          rule: "HostSNI(`*`)",
          middlewares: [PLAINTEXT_REFUSAL.middleware],
          service: PLAINTEXT_REFUSAL.service,
        },
      },
      middlewares: { [PLAINTEXT_REFUSAL.middleware]: { ipAllowList: { sourceRange: NOBODY } } },
      services: { [PLAINTEXT_REFUSAL.service]: { loadBalancer: { servers: [{ address: "127.0.0.1:1" }] } } },
    },
    tls: { options: { [INGRESS.tlsOptions]: TLS_OPTIONS } },
  });
}

/** The ingress certificate, PEM inline (Traefik takes a certificate's content where it takes a path). */
export function traefikCertificateConfig(certificatePem: string, privateKeyPem: string): string {
  const certificate = { certFile: certificatePem, keyFile: privateKeyPem };
  return stringify({ tls: { certificates: [certificate], stores: { default: { defaultCertificate: certificate } } } });
}
