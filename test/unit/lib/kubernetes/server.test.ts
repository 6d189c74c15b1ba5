/** The pod-level facts of a tenant's server on Kubernetes. */
import {
  serverNetworkPolicy,
  serverProbes,
  serverResources,
  serverSecretFiles,
  shmVolume,
  volumeOwnerCommand,
} from "../../../../lib/kubernetes/server";
import { Naming } from "../../../../lib/naming";
import { ACCEPTING_PROBE, HEALTH_PROBE, SERVER_SECRET_FILES } from "../../../../lib/postgres/server";

test("readiness is Docker's healthcheck (roles synced); liveness and startup only ask whether the server accepts connections", () => {
  const probes = serverProbes();
  expect(probes.readinessProbe.exec.command).toEqual(HEALTH_PROBE);
  expect(probes.livenessProbe.exec.command).toEqual(ACCEPTING_PROBE);
  expect(probes.startupProbe.exec.command).toEqual(ACCEPTING_PROBE);
  // As long as the start hook waits for the server: 20 minutes.
  expect(probes.startupProbe.periodSeconds * probes.startupProbe.failureThreshold).toBe(1200);
});

test("limits are the tenant's resources; memory is requested in full, CPU a tenth", () => {
  expect(serverResources({ memoryMiB: 512, cpus: 2, shmMiB: 128 })).toEqual({
    limits: { cpu: "2", memory: "512Mi" },
    requests: { cpu: "200m", memory: "512Mi" },
  });
});

test("/dev/shm is a memory-backed emptyDir of the shm size", () => {
  expect(shmVolume({ memoryMiB: 512, cpus: 1, shmMiB: 128 })).toEqual({
    volume: { name: "shm", emptyDir: { medium: "Memory", sizeLimit: "128Mi" } },
    volumeMount: { name: "shm", mountPath: "/dev/shm" },
  });
});

test("the server mounts its verifiers and initdb password, never the tenant's password", () => {
  expect(serverSecretFiles().map((f) => f.path)).toEqual(Object.values(SERVER_SECRET_FILES));
  expect(serverSecretFiles().map((f) => f.key)).not.toContain("tenant-password");
});

test("the init container hands only the mount point to postgres", () => {
  expect(volumeOwnerCommand("/var/lib/postgresql")).toEqual(["chown", "postgres:postgres", "/var/lib/postgresql"]);
});

test("only the stack's Traefik pods and the tenant's backup jobs reach the server, and the server reaches nothing", () => {
  expect(serverNetworkPolicy(new Naming("prod", "pgs-prod-"), "acme")).toEqual({
    podSelector: { matchLabels: { "pgs.stack": "prod", "pgs.tenant": "acme", "pgs.role": "postgres" } },
    policyTypes: ["Ingress", "Egress"],
    ingress: [
      {
        from: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "pgs-prod-traefik" } },
            podSelector: { matchLabels: { "pgs.stack": "prod", "pgs.role": "ingress" } },
          },
          { podSelector: { matchLabels: { "pgs.stack": "prod", "pgs.tenant": "acme", "pgs.role": "backup" } } },
        ],
        ports: [{ protocol: "TCP", port: 5432 }],
      },
    ],
    egress: [],
  });
});
