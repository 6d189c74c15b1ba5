/**
 * The stack's configuration, checked and typed. Defaults live in Pulumi.yaml (the engine
 * applies them; app/offline/programRunner.ts does the same offline), so this file only parses.
 */
import { isIP } from "node:net";
import { certificateDnsNames, selfSignedCertificateNames } from "./tenants/certificateNames";
import { defaultNamePrefix, isValidNamePrefix, Naming } from "./naming";
import type { S3Target } from "./postgres/backup";
import type { IngressSettings } from "./traefik/staticConfig";

export type CertificateSettings =
  | { mode: "selfSigned"; validityDays: number }
  | { mode: "provided"; certificatePem: string; caCertificatePem?: string };

/** Where tenants run: containers on one Docker host, or workloads in a Kubernetes cluster. */
export type Backend = "docker" | "kubernetes";
export const BACKENDS: readonly Backend[] = ["docker", "kubernetes"];

export type IngressServiceType = "NodePort" | "LoadBalancer" | "ClusterIP";
const INGRESS_SERVICE_TYPES: readonly IngressServiceType[] = ["NodePort", "LoadBalancer", "ClusterIP"];

/** What the Kubernetes backend needs besides the shared settings (ignored on Docker). */
export interface KubernetesSettings {
  /** Path of the kubeconfig file (relative to the project folder); "" for the provider's default. */
  kubeconfig: string;
  /** How Traefik's Service is exposed. */
  ingressServiceType: IngressServiceType;
  /** The NodePort clients connect to (NodePort only). */
  ingressNodePort: number;
  /** StorageClass of new data and backup claims; "" for the cluster's default. */
  storageClass: string;
  /** Size requested by each data and backup claim, e.g. 10Gi. */
  volumeSize: string;
}

export interface StackSettings {
  project: string;
  stack: string;
  backend: Backend;
  kubernetes: KubernetesSettings;
  baseDomain: string;
  tenantsFile: string;
  naming: Naming;
  ingress: IngressSettings;
  traefikImage: string;
  postgresImage: (major: number) => string;
  /** Whether postgresImages names the image of `major` (rather than the postgresImage template). */
  customPostgresImage: (major: number) => boolean;
  certificate: CertificateSettings;
  /** The DNS names the ingress certificate carries. */
  certificateNames: string[];
  /** Off-host copies of tenant backups; absent when no endpoint is configured. */
  backupS3?: BackupS3Settings;
  /** Docker: the folder of the size-limited filesystems of tenants with `resources.storage`. */
  storageDir: string;
}

/** The S3-compatible target of off-host backup copies; its credentials are secret config (SECRET_KEYS). */
export interface BackupS3Settings extends S3Target {
  rcloneImage: string;
  /** An extra Docker network the copier joins, to reach a private endpoint; "" for none. */
  network: string;
}

/** The stack's secret config keys (set with `pulumi config set --secret KEY`). */
export const SECRET_KEYS = {
  tlsPrivateKey: "tlsPrivateKey",
  backupS3AccessKeyId: "backupS3AccessKeyId",
  backupS3SecretAccessKey: "backupS3SecretAccessKey",
} as const;

/** Reads one `pgs:<key>` value; undefined when unset. */
export type ConfigReader = (key: string) => string | undefined;

export class StackConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "StackConfigError";
  }
}

const DOMAIN = /^(?=.{1,200}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
const DURATION = /^[0-9]+(ms|s|m)$/;
const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[0-9.]+|localhost)?:[0-9]{1,5}$/;

/**
 * `readSecret`, when given, is asked whether the secrets the settings need are set (their
 * values are never looked at here); without it that check is left to the engine.
 */
export function readStackSettings(read: ConfigReader, project: string, stack: string, readSecret?: ConfigReader): StackSettings {
  const problems: string[] = [];
  const key = (k: string) => `${project}:${k}`;
  const requireSecret = (k: string, why: string) => {
    if (readSecret && readSecret(k) === undefined)
      problems.push(`${key(k)} is not set: ${why} (pulumi config set --secret ${k} ... --stack ${stack})`);
  };
  const text = (k: string): string => {
    const v = read(k);
    if (v === undefined) problems.push(`${key(k)} is not set (Pulumi.yaml declares its default)`);
    return v ?? "";
  };
  const check = (ok: boolean, k: string, what: string) => {
    if (!ok) problems.push(`${key(k)} ${what}, got ${JSON.stringify(read(k) ?? "")}`);
  };
  const bool = (k: string): boolean => {
    const v = text(k);
    check(v === "true" || v === "false", k, "must be true or false");
    return v === "true";
  };
  const int = (k: string, min: number, max: number): number => {
    const n = Number(text(k));
    check(Number.isInteger(n) && n >= min && n <= max, k, `must be a whole number from ${min} to ${max}`);
    return n;
  };

  const baseDomain = text("baseDomain");
  const tenantsFile = text("tenantsFile");
  check(DOMAIN.test(baseDomain), "baseDomain", "must be a lower-case DNS name such as pgs.example.com");
  const prefix = text("namePrefix") || defaultNamePrefix(stack);
  check(isValidNamePrefix(prefix), "namePrefix", "must be lower-case letters, digits and -, ending in - (e.g. pgs-prod-)");

  const ingress: IngressSettings = {
    address: text("publishAddress"),
    port: int("publishPort", 1, 65535),
    adminAddress: text("adminAddress"),
    ping: bool("ping"),
    metrics: bool("metrics"),
    dockerSocket: text("dockerSocket"),
    dialTimeout: text("dialTimeout"),
  };
  check(isIP(ingress.address) !== 0, "publishAddress", "must be an IP address (0.0.0.0 for every interface)");
  check(
    HOST_PORT.test(ingress.adminAddress) && Number(ingress.adminAddress.slice(ingress.adminAddress.lastIndexOf(":") + 1)) <= 65535,
    "adminAddress",
    "must be host:port, e.g. 127.0.0.1:8080",
  );
  check(ingress.dockerSocket.startsWith("/"), "dockerSocket", "must be an absolute path");
  check(DURATION.test(ingress.dialTimeout), "dialTimeout", "must be a duration such as 5s");

  const template = text("postgresImage");
  check(template.length > 0, "postgresImage", "must be an image reference; {major} is replaced by the major version");
  let overrides: Record<string, string> = {};
  const rawOverrides = text("postgresImages");
  if (rawOverrides) {
    try {
      overrides = JSON.parse(rawOverrides) as Record<string, string>;
      check(
        typeof overrides === "object" &&
          overrides !== null &&
          !Array.isArray(overrides) &&
          Object.values(overrides).every((v) => typeof v === "string" && v.length > 0),
        "postgresImages",
        'must map majors to image references, e.g. {"17": "postgres:17.6"}',
      );
    } catch {
      check(false, "postgresImages", "must be a JSON object");
    }
  }
  const traefikImage = text("traefikImage");
  const storageDir = text("storageDir");
  check(storageDir.startsWith("/") && !storageDir.split("/").includes(".."), "storageDir", "must be an absolute path without ..");

  const backend = text("backend") as Backend;
  check(BACKENDS.includes(backend), "backend", "must be docker or kubernetes");
  const kubernetes = readKubernetes(text, int, check);

  const mode = text("certificateMode");
  check(mode === "selfSigned" || mode === "provided", "certificateMode", "must be selfSigned or provided");
  let certificate: CertificateSettings = { mode: "selfSigned", validityDays: int("certificateValidityDays", 1, 3650) };
  let certificateNames = selfSignedCertificateNames(baseDomain);
  if (mode === "provided") {
    const certificatePem = text("tlsCertificate");
    try {
      certificateNames = certificateDnsNames(certificatePem);
      check(certificateNames.length > 0, "tlsCertificate", "must carry DNS subjectAltNames");
    } catch {
      check(false, "tlsCertificate", "must be a PEM certificate (pulumi config set tlsCertificate < cert.pem)");
    }
    const caCertificatePem = text("tlsCaCertificate");
    certificate = { mode: "provided", certificatePem, ...(caCertificatePem ? { caCertificatePem } : {}) };
    requireSecret(SECRET_KEYS.tlsPrivateKey, "certificateMode is provided, so the certificate's private key is needed");
  }

  const backupS3 = readBackupS3(text, check);
  // The off-host copier is a long-running container beside the tenant's backups on Docker; on
  // Kubernetes it is not built yet.
  check(
    !(backupS3 && backend === "kubernetes"),
    "backupS3Endpoint",
    "must be empty with backend kubernetes (off-host backup copies run on Docker only)",
  );
  if (backupS3) {
    for (const k of [SECRET_KEYS.backupS3AccessKeyId, SECRET_KEYS.backupS3SecretAccessKey]) {
      requireSecret(k, "backupS3Endpoint is set, so off-host copies need the bucket's credentials");
    }
  }

  if (problems.length > 0) throw new StackConfigError(problems);
  return {
    project,
    stack,
    backend,
    kubernetes,
    baseDomain,
    tenantsFile,
    naming: new Naming(stack, prefix),
    ingress,
    traefikImage,
    storageDir,
    postgresImage: (major) => overrides[String(major)] ?? template.replaceAll("{major}", String(major)),
    customPostgresImage: (major) => overrides[String(major)] !== undefined,
    certificate,
    certificateNames,
    ...(backupS3 ? { backupS3 } : {}),
  };
}

/** A Kubernetes quantity of bytes in binary units, as PersistentVolumeClaims request storage. */
const VOLUME_SIZE = /^[1-9][0-9]*(Mi|Gi|Ti)$/;
/** A StorageClass name: a DNS subdomain. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function readKubernetes(
  text: (k: string) => string,
  int: (k: string, min: number, max: number) => number,
  check: (ok: boolean, k: string, what: string) => void,
): KubernetesSettings {
  const settings = {
    kubeconfig: text("kubeconfig"),
    ingressServiceType: text("ingressServiceType") as IngressServiceType,
    ingressNodePort: int("ingressNodePort", 1, 65535),
    storageClass: text("storageClass"),
    volumeSize: text("volumeSize"),
  };
  check(INGRESS_SERVICE_TYPES.includes(settings.ingressServiceType), "ingressServiceType", "must be NodePort, LoadBalancer or ClusterIP");
  check(
    settings.storageClass === "" || (settings.storageClass.length <= 253 && DNS_SUBDOMAIN.test(settings.storageClass)),
    "storageClass",
    "must be empty (the cluster's default) or a StorageClass name",
  );
  check(VOLUME_SIZE.test(settings.volumeSize), "volumeSize", "must be a size in Mi, Gi or Ti, e.g. 10Gi");
  return settings;
}

const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const S3_PREFIX = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function readBackupS3(text: (k: string) => string, check: (ok: boolean, k: string, what: string) => void): BackupS3Settings | undefined {
  const endpoint = text("backupS3Endpoint");
  if (endpoint === "") return undefined;
  const settings = {
    endpoint,
    bucket: text("backupS3Bucket"),
    prefix: text("backupS3Prefix"),
    rcloneImage: text("rcloneImage"),
    network: text("backupNetwork"),
  };
  check(
    /^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(endpoint),
    "backupS3Endpoint",
    "must be an http(s) URL such as https://s3.eu-central-1.amazonaws.com",
  );
  check(
    S3_BUCKET.test(settings.bucket),
    "backupS3Bucket",
    "must be an S3 bucket name (3-63 lower-case letters, digits, . and -) when backupS3Endpoint is set",
  );
  check(
    settings.prefix === "" || S3_PREFIX.test(settings.prefix),
    "backupS3Prefix",
    "must be empty or path segments of letters, digits, . _ - separated by /",
  );
  check(settings.network === "" || DOCKER_NAME.test(settings.network), "backupNetwork", "must be a Docker network name");
  check(settings.rcloneImage.length > 0, "rcloneImage", "must be an image reference");
  return settings;
}
