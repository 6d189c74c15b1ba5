/**
 * A tenant's server on Kubernetes: the pod-level facts of its StatefulSet, from the same image,
 * start hook, probe and files as the Docker container (lib/postgres).
 */
import { KUBERNETES_OBJECTS, type Naming } from "../naming";
import { HEALTHCHECK, POSTGRES_PORT } from "../postgres/container";
import { ACCEPTING_PROBE, HEALTH_PROBE, SERVER_SECRET_FILES } from "../postgres/server";
import type { Tenant } from "../tenants/tenant";
import { fileKey } from "./files";
import { cpuQuantity, mebibytes } from "./inputs";

/** Pod template annotations: a changed file or credential rolls the pod, as a changed upload replaces a Docker container. */
export const ANNOTATION = {
  files: "pgs/files-sha256",
  credentials: "pgs/credentials-sha256",
} as const;

/** The keys of a tenant's credentials Secret; the server mounts the first three, the backup job the last. */
export const CREDENTIAL_KEYS = {
  tenantVerifier: fileKey({ path: SERVER_SECRET_FILES.tenantVerifier }),
  superuserVerifier: fileKey({ path: SERVER_SECRET_FILES.superuserVerifier }),
  superuserPassword: fileKey({ path: SERVER_SECRET_FILES.superuserPassword }),
  tenantPassword: "tenant-password",
} as const;

/** The server's secret files, each with its key in the credentials Secret. */
export function serverSecretFiles(): { path: string; key: string; executable: boolean }[] {
  return [
    { path: SERVER_SECRET_FILES.tenantVerifier, key: CREDENTIAL_KEYS.tenantVerifier, executable: false },
    { path: SERVER_SECRET_FILES.superuserVerifier, key: CREDENTIAL_KEYS.superuserVerifier, executable: false },
    { path: SERVER_SECRET_FILES.superuserPassword, key: CREDENTIAL_KEYS.superuserPassword, executable: false },
  ];
}

/** The OS user of the PostgreSQL image, which must own the data volume's mount point. */
const POSTGRES_OS_USER = "postgres";

/**
 * Dynamically provisioned volumes may come root-owned and closed to others (the in-tree hostPath
 * provisioner makes them root 0750, and fsGroup does not apply to them). The image's entrypoint
 * chowns PGDATA but, from 18 on, PGDATA is a directory below the mount, which uid 999 then cannot
 * enter: a root init container hands the mount point (only it, not recursively) to postgres.
 */
export function volumeOwnerCommand(mountPath: string): string[] {
  return ["chown", `${POSTGRES_OS_USER}:${POSTGRES_OS_USER}`, mountPath];
}

/**
 * The start hook waits up to 20 minutes for the server to accept connections
 * (lib/postgres/files/sync-roles.sh): initdb of a new tenant and crash recovery may take that
 * long, and liveness must not kill a server that is still recovering.
 */
const STARTUP_WINDOW_SECONDS = 20 * 60;

/** The same probe.sh as Docker's healthcheck: ready (routed) once roles are synced, alive while it accepts connections. */
export function serverProbes() {
  const exec = (command: readonly string[]) => ({
    exec: { command: [...command] },
    successThreshold: 1,
    timeoutSeconds: HEALTHCHECK.timeoutSeconds,
  });
  return {
    startupProbe: {
      ...exec(ACCEPTING_PROBE),
      periodSeconds: HEALTHCHECK.intervalSeconds,
      failureThreshold: STARTUP_WINDOW_SECONDS / HEALTHCHECK.intervalSeconds,
    },
    readinessProbe: { ...exec(HEALTH_PROBE), periodSeconds: HEALTHCHECK.intervalSeconds, failureThreshold: HEALTHCHECK.retries },
    livenessProbe: { ...exec(ACCEPTING_PROBE), periodSeconds: 10, failureThreshold: 6 },
  };
}

/**
 * Limits are the tenant's resources. Memory is requested in full (a server must not be evicted
 * for using what it was given); CPU requests a tenth of the limit, so idle tenants do not hold
 * cores, as on Docker where `cpus` is only a cap.
 */
export function serverResources(resources: Tenant["resources"]) {
  return {
    limits: { cpu: cpuQuantity(resources.cpus), memory: mebibytes(resources.memoryMiB) },
    requests: { cpu: cpuQuantity(resources.cpus / 10), memory: mebibytes(resources.memoryMiB) },
  };
}

/** /dev/shm as a memory-backed emptyDir of the tenant's shm size (it counts towards the memory limit). */
export function shmVolume(resources: Tenant["resources"]) {
  return {
    volume: { name: "shm", emptyDir: { medium: "Memory", sizeLimit: mebibytes(resources.shmMiB) } },
    volumeMount: { name: "shm", mountPath: "/dev/shm" },
  };
}

/** What every container a tenant owns runs with, as on Docker: no raw sockets, no privilege gain through setuid. */
export const TENANT_CONTAINER_SECURITY = { allowPrivilegeEscalation: false, capabilities: { drop: ["NET_RAW"] } };

/**
 * Only the stack's Traefik pods and the tenant's own backup jobs may connect to the server, and
 * the server connects nowhere (a superuser tenant could otherwise use it to reach other servers).
 */
export function serverNetworkPolicy(naming: Naming, tenantId: string) {
  return {
    podSelector: { matchLabels: naming.tenantLabels(tenantId, "postgres") },
    policyTypes: ["Ingress", "Egress"],
    ingress: [
      {
        from: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": naming.ingressNamespace() } },
            podSelector: { matchLabels: naming.ingressLabels() },
          },
          { podSelector: { matchLabels: naming.tenantLabels(tenantId, "backup") } },
        ],
        ports: [{ protocol: "TCP", port: POSTGRES_PORT }],
      },
    ],
    egress: [],
  };
}

/** The server's pod, for `kubectl exec` by the operator commands. */
export function serverPod(): string {
  return `${KUBERNETES_OBJECTS.server}-0`;
}
