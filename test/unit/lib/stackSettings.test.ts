/** Stack configuration: Pulumi.yaml's defaults, checked and typed, every mistake reported at once. */
import * as path from "node:path";
import { stackConfig } from "../../../lib/project";
import { readStackSettings, StackConfigError, type StackSettings } from "../../../lib/stackSettings";

const ROOT = path.resolve(__dirname, "../../..");
const S3_CONFIG = {
  backupS3Endpoint: "http://s3.internal:8333",
  backupS3Bucket: "pgs-backups",
  backupS3Prefix: "prod/eu",
  rcloneImage: "pgs-local/rclone:1.75.2",
};

function settings(overrides: Record<string, string> = {}, stack = "unit", secrets?: Record<string, string>): StackSettings {
  const { project, config } = stackConfig(ROOT, stack, overrides);
  return readStackSettings((key) => config[`${project}:${key}`], project, stack, secrets ? (key) => secrets[key] : undefined);
}

function problems(overrides: Record<string, string>, secrets?: Record<string, string>): string[] {
  try {
    settings(overrides, "unit", secrets);
  } catch (err) {
    if (err instanceof StackConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a StackConfigError");
}

describe("with Pulumi.yaml's defaults only", () => {
  test("the stack is self-signed on pgs.example.com, listening on every interface at 5432", () => {
    const s = settings();
    expect(s.baseDomain).toBe("pgs.example.com");
    expect(s.certificate).toEqual({ mode: "selfSigned", validityDays: 365 });
    expect(s.certificateNames).toEqual(["*.pgs.example.com"]);
    expect(s.ingress).toEqual({
      address: "0.0.0.0",
      port: 5432,
      adminAddress: "127.0.0.1:8080",
      ping: true,
      metrics: false,
      dockerSocket: "/var/run/docker.sock",
      dialTimeout: "5s",
    });
    expect(s.naming.prefix).toBe("pgs-unit-");
    expect(s.tenantsFile).toBe("tenants.yaml");
    expect(s.postgresImage(17)).toBe("postgres:17");
  });

  test("tenants run on Docker; the Kubernetes settings are parsed anyway, with their defaults", () => {
    const s = settings();
    expect(s.backend).toBe("docker");
    expect(s.kubernetes).toEqual({
      kubeconfig: "",
      ingressServiceType: "NodePort",
      ingressNodePort: 30432,
      storageClass: "",
      volumeSize: "10Gi",
    });
  });
});

describe("the Kubernetes backend", () => {
  test("is chosen with backend: kubernetes, with its own settings", () => {
    const s = settings({
      backend: "kubernetes",
      kubeconfig: "~/.kube/prod",
      ingressServiceType: "LoadBalancer",
      ingressNodePort: "31000",
      storageClass: "fast-ssd.example.com",
      volumeSize: "50Gi",
    });
    expect(s.backend).toBe("kubernetes");
    expect(s.kubernetes).toEqual({
      kubeconfig: "~/.kube/prod",
      ingressServiceType: "LoadBalancer",
      ingressNodePort: 31000,
      storageClass: "fast-ssd.example.com",
      volumeSize: "50Gi",
    });
  });

  test("an unknown backend, service type, node port, class or size is refused, each on its own line", () => {
    expect(
      problems({ backend: "nomad", ingressServiceType: "Ingress", ingressNodePort: "0", storageClass: "Fast_SSD", volumeSize: "10GB" }),
    ).toEqual([
      'pgs:backend must be docker or kubernetes, got "nomad"',
      'pgs:ingressNodePort must be a whole number from 1 to 65535, got "0"',
      'pgs:ingressServiceType must be NodePort, LoadBalancer or ClusterIP, got "Ingress"',
      'pgs:storageClass must be empty (the cluster\'s default) or a StorageClass name, got "Fast_SSD"',
      'pgs:volumeSize must be a size in Mi, Gi or Ti, e.g. 10Gi, got "10GB"',
    ]);
  });

  test("off-host backup copies are refused on Kubernetes, where they are not built", () => {
    expect(problems({ backend: "kubernetes", ...S3_CONFIG })).toEqual([
      `pgs:backupS3Endpoint must be empty with backend kubernetes (off-host backup copies run on Docker only), got "${S3_CONFIG.backupS3Endpoint}"`,
    ]);
  });
});

describe("images", () => {
  test("postgresImages overrides single majors; the template covers the rest", () => {
    const s = settings({ postgresImage: "registry.local/pg:{major}", postgresImages: '{"17":"x/pg:17.6"}' });
    expect([16, 17, 18].map(s.postgresImage)).toEqual(["registry.local/pg:16", "x/pg:17.6", "registry.local/pg:18"]);
    expect([16, 17, 18].map(s.customPostgresImage)).toEqual([false, true, false]);
    expect(settings().customPostgresImage(17)).toBe(false);
  });

  test("every {major} in the template is replaced", () => {
    expect(settings({ postgresImage: "registry.local/pg{major}:{major}-alpine" }).postgresImage(17)).toBe("registry.local/pg17:17-alpine");
  });

  test("postgresImages that is not a JSON object of image references is refused", () => {
    expect(problems({ postgresImages: "17=x" })).toEqual(['pgs:postgresImages must be a JSON object, got "17=x"']);
    expect(problems({ postgresImages: '{"17": ""}' })).toEqual([
      'pgs:postgresImages must map majors to image references, e.g. {"17": "postgres:17.6"}, got "{\\"17\\": \\"\\"}"',
    ]);
  });
});

describe("mistakes", () => {
  test("are all reported at once, one line per key", () => {
    expect(problems({ publishPort: "70000", namePrefix: "Bad_Prefix", ping: "yes", baseDomain: "Example.COM" })).toEqual([
      'pgs:baseDomain must be a lower-case DNS name such as pgs.example.com, got "Example.COM"',
      'pgs:namePrefix must be lower-case letters, digits and -, ending in - (e.g. pgs-prod-), got "Bad_Prefix"',
      'pgs:publishPort must be a whole number from 1 to 65535, got "70000"',
      'pgs:ping must be true or false, got "yes"',
    ]);
  });

  test("a publish port that is not a whole number is refused", () => {
    expect(problems({ publishPort: "54.32" })).toEqual(['pgs:publishPort must be a whole number from 1 to 65535, got "54.32"']);
    expect(problems({ publishPort: "0" })).toEqual(['pgs:publishPort must be a whole number from 1 to 65535, got "0"']);
  });

  test("publishAddress must be an IP address", () => {
    expect(settings({ publishAddress: "::1" }).ingress.address).toBe("::1");
    expect(problems({ publishAddress: "pgs.example.com" })).toEqual([
      'pgs:publishAddress must be an IP address (0.0.0.0 for every interface), got "pgs.example.com"',
    ]);
    expect(problems({ publishAddress: "300.1.1.1" })).toEqual([
      'pgs:publishAddress must be an IP address (0.0.0.0 for every interface), got "300.1.1.1"',
    ]);
  });

  test("adminAddress must be host:port with a real port", () => {
    expect(problems({ adminAddress: "8080" })).toEqual(['pgs:adminAddress must be host:port, e.g. 127.0.0.1:8080, got "8080"']);
    expect(problems({ adminAddress: "127.0.0.1:99999" })).toEqual([
      'pgs:adminAddress must be host:port, e.g. 127.0.0.1:8080, got "127.0.0.1:99999"',
    ]);
  });

  test("provided certificates must be PEM", () => {
    expect(problems({ certificateMode: "provided", tlsCertificate: "not a pem" })).toEqual([
      'pgs:tlsCertificate must be a PEM certificate (pulumi config set tlsCertificate < cert.pem), got "not a pem"',
    ]);
    expect(problems({ certificateMode: "acme" })).toEqual(['pgs:certificateMode must be selfSigned or provided, got "acme"']);
  });
});

describe("secrets the settings need", () => {
  test("provided mode needs tlsPrivateKey, and says how to set it", () => {
    expect(problems({ certificateMode: "provided", tlsCertificate: "not a pem" }, {})).toEqual([
      'pgs:tlsCertificate must be a PEM certificate (pulumi config set tlsCertificate < cert.pem), got "not a pem"',
      "pgs:tlsPrivateKey is not set: certificateMode is provided, so the certificate's private key is needed (pulumi config set --secret tlsPrivateKey ... --stack unit)",
    ]);
  });

  test("an S3 endpoint needs both credentials", () => {
    expect(problems(S3_CONFIG, { backupS3AccessKeyId: "AKID" })).toEqual([
      "pgs:backupS3SecretAccessKey is not set: backupS3Endpoint is set, so off-host copies need the bucket's credentials (pulumi config set --secret backupS3SecretAccessKey ... --stack unit)",
    ]);
    expect(settings(S3_CONFIG, "unit", { backupS3AccessKeyId: "AKID", backupS3SecretAccessKey: "s" }).backupS3).toBeDefined();
  });

  test("without a secret reader the check is left to the engine", () => {
    expect(settings(S3_CONFIG).backupS3?.bucket).toBe("pgs-backups");
  });
});

describe("the S3 target of off-host backup copies", () => {
  test("is off without an endpoint, and parsed with one", () => {
    expect(settings().backupS3).toBeUndefined();
    expect(settings(S3_CONFIG).backupS3).toEqual({
      endpoint: "http://s3.internal:8333",
      bucket: "pgs-backups",
      prefix: "prod/eu",
      rcloneImage: "pgs-local/rclone:1.75.2",
      network: "",
    });
  });

  test("uses Pulumi.yaml's rclone image unless the stack names another", () => {
    const { rcloneImage: _, ...withoutImage } = S3_CONFIG;
    expect(settings(withoutImage).backupS3?.rcloneImage).toBe(stackConfig(ROOT, "unit").config["pgs:rcloneImage"]);
  });

  test("an endpoint without a bucket, or that is not a URL, is refused", () => {
    expect(problems({ backupS3Endpoint: "http://s3.internal:8333" })).toEqual([
      'pgs:backupS3Bucket must be an S3 bucket name (3-63 lower-case letters, digits, . and -) when backupS3Endpoint is set, got ""',
    ]);
    expect(problems({ backupS3Endpoint: "s3.internal", backupS3Bucket: "b-1" })).toEqual([
      'pgs:backupS3Endpoint must be an http(s) URL such as https://s3.eu-central-1.amazonaws.com, got "s3.internal"',
    ]);
  });
});
