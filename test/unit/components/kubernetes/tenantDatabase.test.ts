/** TenantDatabase on Kubernetes, constructed directly: what a tenant is made of, what survives it, and what stays secret. */
import { ANNOTATION, CREDENTIAL_KEYS } from "../../../../lib/kubernetes/server";
import { envVars } from "../../../../lib/kubernetes/inputs";
import type { RecordedResource, RunResult } from "../../../../app/offline/programRunner";
import { ACCEPTING_PROBE, HEALTH_PROBE, SERVER_FILES, serverCommand, serverEnv, serverFiles } from "../../../../lib/postgres/server";
import { scramSha256Verifier } from "../../../../lib/postgres/scram";
import { resolveTenant } from "../../../../lib/tenants/tenant";
import { recordComponents, thrownBy, underMocks, promiseOf } from "../../helpers/component";
import { recordingMocks } from "../../helpers/program";

const file = { apiVersion: "pgs/v1" as const, tenants: [] };
const tenant = (entry: Record<string, unknown>) => resolveTenant({ id: "acme", ...entry } as never, file, "pgs.example.com");
const KUBERNETES = { storageClass: "", volumeSize: "10Gi" };
const IMAGE = "pgs-local/postgres:18";

const K8S = {
  tenant: "pgs:kubernetes:TenantDatabase",
  namespace: "kubernetes:core/v1:Namespace",
  secret: "kubernetes:core/v1:Secret",
  configMap: "kubernetes:core/v1:ConfigMap",
  claim: "kubernetes:core/v1:PersistentVolumeClaim",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  service: "kubernetes:core/v1:Service",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  route: "kubernetes:traefik.io/v1alpha1:IngressRouteTCP",
  middleware: "kubernetes:traefik.io/v1alpha1:MiddlewareTCP",
  cronJob: "kubernetes:batch/v1:CronJob",
  password: "random:index/randomPassword:RandomPassword",
} as const;

interface Built {
  result: RunResult;
  /** Every resource below tenant `id`'s component. */
  under(id: string): RecordedResource[];
  of(id: string, type: string): RecordedResource[];
  one(id: string, type: string): RecordedResource;
}

/** Builds tenants (each its own TenantDatabase) as a program; `customPasswords` by tenant id. */
async function build(entries: Record<string, unknown>[], customPasswords: Record<string, string> = {}): Promise<Built> {
  const result = await recordComponents(async () => {
    const pulumi = await import("@pulumi/pulumi");
    const k8s = await import("@pulumi/kubernetes");
    const { TenantDatabase } = await import("../../../../components/kubernetes/tenantDatabase");
    const { Naming } = await import("../../../../lib/naming");
    const naming = new Naming("unit", "pgs-unit-");
    // Stands for the ingress's CRDs, which every route waits for.
    const crds = new k8s.apiextensions.v1.CustomResourceDefinition("crds", {
      metadata: { name: "ingressroutetcps.traefik.io" },
      spec: {} as never,
    });
    for (const entry of entries) {
      const t = tenant(entry);
      new TenantDatabase(t.id, {
        tenant: t,
        naming,
        image: IMAGE,
        ingressPort: 30432,
        kubernetes: KUBERNETES,
        routeDependsOn: [crds],
        ...(customPasswords[t.id] ? { customPassword: pulumi.output(customPasswords[t.id]) } : {}),
      });
    }
  }, recordingMocks());
  const under = (id: string) => {
    const root = result.resources.find((r) => r.type === K8S.tenant && r.name === id)!;
    const below = (urn: string): RecordedResource[] =>
      result.resources.filter((r) => r.parent === urn).flatMap((r) => [r, ...below(r.urn)]);
    return below(root.urn);
  };
  const of = (id: string, type: string) => under(id).filter((r) => r.type === type);
  const one = (id: string, type: string) => {
    const found = of(id, type);
    if (found.length !== 1) throw new Error(`expected one ${type} of ${id}, found ${found.length}`);
    return found[0];
  };
  return { result, under, of, one };
}

type PodSpec = {
  shareProcessNamespace: boolean;
  terminationGracePeriodSeconds: number;
  automountServiceAccountToken: boolean;
  containers: Record<string, any>[];
  initContainers: Record<string, any>[];
  volumes: Record<string, any>[];
};
const podOf = (sts: RecordedResource) =>
  (sts.inputs.spec as { template: { metadata: { annotations: Record<string, string> }; spec: PodSpec } }).template;

describe("one tenant", () => {
  let built: Built;
  beforeAll(async () => {
    built = await build([{ id: "acme", postgres: { version: 17, settings: { work_mem: "8MB" } } }]);
  });

  test("is a namespace of its own with a Secret, two ConfigMaps (files, settings), a data claim, a StatefulSet, a ClusterIP Service, a NetworkPolicy and a route", () => {
    const children = built.under("acme");
    expect(children.map((r) => r.type).sort()).toEqual(
      [
        K8S.configMap,
        K8S.configMap,
        K8S.namespace,
        K8S.claim,
        K8S.secret,
        K8S.service,
        K8S.route,
        K8S.networkPolicy,
        K8S.statefulSet,
        K8S.password,
        K8S.password,
      ].sort(),
    );
    expect(built.one("acme", K8S.namespace).inputs.metadata).toEqual({
      name: "pgs-unit-acme",
      labels: { "pgs.stack": "unit", "pgs.tenant": "acme", "pgs.role": "tenant" },
    });
    for (const r of children.filter((x) => x.type.startsWith("kubernetes:") && x.type !== K8S.namespace)) {
      expect({ name: r.name, namespace: (r.inputs.metadata as { namespace: string }).namespace }).toEqual({
        name: r.name,
        namespace: "pgs-unit-acme",
      });
    }
    expect(built.one("acme", K8S.service).inputs.spec).toEqual({
      type: "ClusterIP",
      selector: { "pgs.stack": "unit", "pgs.tenant": "acme", "pgs.role": "postgres" },
      ports: [{ name: "postgres", protocol: "TCP", port: 5432, targetPort: "postgres" }],
    });
  });

  test("runs one replica of the same image, start hook, settings and environment as the Docker container", () => {
    const sts = built.one("acme", K8S.statefulSet);
    const spec = sts.inputs.spec as { replicas: number; podManagementPolicy: string };
    expect(spec.replicas).toBe(1);
    expect(spec.podManagementPolicy).toBe("Parallel");
    const server = podOf(sts).spec.containers[0];
    expect(server.image).toBe(IMAGE);
    expect(server.command).toEqual([SERVER_FILES.start]);
    expect(server.args).toEqual(serverCommand({ postgres: { version: 17, settings: { work_mem: "8MB" } } }));
    // As on Docker, but the start hook watches settings.conf: nothing signals the server when the kubelet updates it.
    expect(server.env).toEqual(envVars(serverEnv({ tenantId: "acme", role: "acme", database: "acme", superuser: false, major: 17 }, 10)));
    expect(server.volumeMounts).toContainEqual({ name: "data", mountPath: "/var/lib/postgresql/data" });
  });

  test("health is probe.sh: ready once the roles are synced, alive while the server accepts connections", () => {
    const server = podOf(built.one("acme", K8S.statefulSet)).spec.containers[0];
    expect(server.readinessProbe.exec.command).toEqual(HEALTH_PROBE);
    expect(server.livenessProbe.exec.command).toEqual(ACCEPTING_PROBE);
    expect(server.startupProbe.exec.command).toEqual(ACCEPTING_PROBE);
  });

  test("requests and limits come from resources, /dev/shm from shm, and a stop has 120 s", () => {
    const pod = podOf(built.one("acme", K8S.statefulSet)).spec;
    expect(pod.containers[0].resources).toEqual({ limits: { cpu: "1", memory: "512Mi" }, requests: { cpu: "100m", memory: "512Mi" } });
    expect(pod.volumes).toContainEqual({ name: "shm", emptyDir: { medium: "Memory", sizeLimit: "128Mi" } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: "shm", mountPath: "/dev/shm" });
    expect(pod.terminationGracePeriodSeconds).toBe(120);
  });

  test("the start hook's detached role sync is reaped by the pod's pause process: one PID namespace per pod", () => {
    expect(podOf(built.one("acme", K8S.statefulSet)).spec.shareProcessNamespace).toBe(true);
  });

  test("a root init container hands the claim's mount point to postgres; the server gets no API token and keeps Docker's hardening", () => {
    const pod = podOf(built.one("acme", K8S.statefulSet)).spec;
    expect(pod.initContainers.map((c) => c.command)).toEqual([["chown", "postgres:postgres", "/var/lib/postgresql/data"]]);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ["NET_RAW"] } });
  });

  test("the settings a reload applies are their own ConfigMap, mounted at /etc/pgs and outside the pod template's checksums: editing one rolls nothing", () => {
    const settings = built.of("acme", K8S.configMap).find((r) => r.name === "acme-settings")!;
    expect(settings.inputs.data).toEqual({ "settings.conf": expect.stringContaining("work_mem = '8MB'") });
    const pod = podOf(built.one("acme", K8S.statefulSet));
    expect(pod.spec.containers[0].volumeMounts).toContainEqual({ name: "settings", mountPath: "/etc/pgs", readOnly: true });
    expect(JSON.stringify(pod.metadata)).not.toContain("work_mem");
    expect(pod.spec.containers[0].args).not.toContain("work_mem=8MB");
  });

  test("the ConfigMap holds the files of lib/postgres/files, verbatim", () => {
    const data = built.of("acme", K8S.configMap).find((r) => r.name === "acme-files")!.inputs.data as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(
      serverFiles()
        .map((f) => f.path.split("/").pop())
        .sort(),
    );
    for (const f of serverFiles()) expect(data[f.path.split("/").pop()!]).toBe(f.content);
  });

  test("only the stack's Traefik pods and the tenant's backup jobs may reach the server", () => {
    const policy = built.one("acme", K8S.networkPolicy).inputs.spec as {
      podSelector: unknown;
      ingress: { from: unknown[] }[];
      egress: unknown[];
    };
    expect(policy.podSelector).toEqual({ matchLabels: { "pgs.stack": "unit", "pgs.tenant": "acme", "pgs.role": "postgres" } });
    expect(policy.ingress[0].from).toEqual([
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "pgs-unit-traefik" } },
        podSelector: { matchLabels: { "pgs.stack": "unit", "pgs.role": "ingress" } },
      },
      { podSelector: { matchLabels: { "pgs.stack": "unit", "pgs.tenant": "acme", "pgs.role": "backup" } } },
    ]);
    expect(policy.egress).toEqual([]);
  });

  test("its route waits for the ingress's CRDs and routes the tenant's hostname to its Service with the shared TLS option", () => {
    const route = built.one("acme", K8S.route);
    expect(route.options.dependsOn).toContain(built.result.resources.find((r) => r.name === "crds")!.urn);
    expect(route.inputs.spec).toEqual({
      entryPoints: ["postgres"],
      routes: [{ match: "HostSNI(`acme.pgs.example.com`)", services: [{ name: "postgres", port: 5432 }] }],
      tls: { options: { name: "pgs", namespace: "pgs-unit-traefik" } },
    });
    expect((route.inputs.metadata as { labels: Record<string, string> }).labels).toMatchObject({ "pgs.stack": "unit" });
  });
});

describe("what a removed tenant leaves behind", () => {
  test("the namespace and the data claim are kept (retainOnDelete) unless onRemove: delete; nothing else is", async () => {
    const built = await build([{ id: "acme" }, { id: "hooli", onRemove: "delete" }]);
    for (const [id, retained] of [
      ["acme", true],
      ["hooli", false],
    ] as const) {
      const kept = built.result.resources
        .filter((r) => r.urn.includes(`::${id}-`) && r.options.retainOnDelete)
        .map((r) => r.type)
        .sort();
      expect({ id, kept }).toEqual({ id, kept: retained ? [K8S.namespace, K8S.claim].sort() : [] });
    }
  });

  test("resources.storage is what the data claim requests (else the stack's volumeSize)", async () => {
    const built = await build([{ id: "acme", resources: { storage: "20Gi" } }, { id: "globex" }]);
    expect(built.one("acme", K8S.claim).inputs.spec).toMatchObject({ resources: { requests: { storage: "20Gi" } } });
    expect(built.one("globex", K8S.claim).inputs.spec).toMatchObject({ resources: { requests: { storage: "10Gi" } } });
  });

  test("the data claim's inputs depend on the stack and the id only, and a new storageClass never touches an existing claim", async () => {
    const plain = await build([{ id: "acme" }]);
    const edited = await build([
      {
        id: "acme",
        hostname: "db.pgs.example.com",
        postgres: { settings: { work_mem: "8MB" } },
        resources: { memory: "1Gi" },
        access: "disabled",
        state: "stopped",
        superuser: true,
      },
    ]);
    expect(edited.one("acme", K8S.claim).inputs).toEqual(plain.one("acme", K8S.claim).inputs);
    expect(plain.one("acme", K8S.claim).options.replaceOnChanges).toEqual([]);
    expect(plain.one("acme", K8S.claim).options.ignoreChanges).toEqual(["spec.storageClassName"]);
    expect(plain.one("acme", K8S.claim).inputs.spec).toEqual({
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "10Gi" } },
    });
  });
});

describe("tenants.yaml switches", () => {
  let built: Built;
  beforeAll(async () => {
    built = await build([
      { id: "umbrella", state: "stopped" },
      { id: "initech", access: "disabled", allowFrom: ["203.0.113.0/24"] },
      { id: "acme", allowFrom: ["203.0.113.0/24", "198.51.100.7"] },
    ]);
  });

  test("state: stopped is zero replicas; the claim, the Service, the NetworkPolicy and the route stay", () => {
    expect((built.one("umbrella", K8S.statefulSet).inputs.spec as { replicas: number }).replicas).toBe(0);
    for (const type of [K8S.claim, K8S.service, K8S.networkPolicy, K8S.route, K8S.namespace])
      expect(built.of("umbrella", type)).toHaveLength(1);
  });

  test("access: disabled is no IngressRouteTCP (and no allowlist); the server keeps running", () => {
    expect(built.of("initech", K8S.route)).toEqual([]);
    expect(built.of("initech", K8S.middleware)).toEqual([]);
    expect((built.one("initech", K8S.statefulSet).inputs.spec as { replicas: number }).replicas).toBe(1);
  });

  test("allowFrom is a MiddlewareTCP ipAllowList that the tenant's route names", () => {
    expect(built.one("acme", K8S.middleware).inputs.spec).toEqual({ ipAllowList: { sourceRange: ["203.0.113.0/24", "198.51.100.7"] } });
    expect((built.one("acme", K8S.route).inputs.spec as { routes: { middlewares: unknown }[] }).routes[0].middlewares).toEqual([
      { name: "allow-from" },
    ]);
    expect(built.of("umbrella", K8S.middleware)).toEqual([]);
  });
});

describe("secrets", () => {
  const CUSTOM = "a custom/passw0rd with spaces";
  let built: Built;
  let secrets: string[];
  beforeAll(async () => {
    built = await build([{ id: "acme", backup: { every: "1h", keep: 2 } }, { id: "globex" }], { globex: CUSTOM });
    const generated = (name: string) => `Gen3rated-${name}-Pw9x`;
    const context = (id: string) => `unit/${id}`;
    secrets = [
      generated("acme-password"),
      generated("acme-superuser-password"),
      generated("globex-superuser-password"),
      CUSTOM,
      scramSha256Verifier(generated("acme-password"), context("acme")),
      scramSha256Verifier(generated("acme-superuser-password"), context("acme")),
      scramSha256Verifier(CUSTOM, context("globex")),
      scramSha256Verifier(generated("globex-superuser-password"), context("globex")),
    ];
  });

  test("passwords and verifiers are only in the tenants' Secrets: never in a ConfigMap, env, label, annotation or any other input", () => {
    const leaks = built.result.resources
      .filter((r) => r.type !== K8S.secret)
      .flatMap((r) => secrets.filter((s) => JSON.stringify(r.inputs).includes(s)).map((s) => `${r.type} ${r.name}: ${s}`));
    expect(leaks).toEqual([]);
    for (const id of ["acme", "globex"]) {
      const secret = built.one(id, K8S.secret);
      expect(secret.displayInputs.stringData).toBe("[secret]");
      expect(Object.keys(secret.inputs.stringData as object).sort()).toEqual(
        [
          CREDENTIAL_KEYS.superuserPassword,
          CREDENTIAL_KEYS.superuserVerifier,
          CREDENTIAL_KEYS.tenantVerifier,
          ...(id === "acme" ? [CREDENTIAL_KEYS.tenantPassword] : []),
        ].sort(),
      );
    }
  });

  test("the server's container holds only the verifiers and its initdb password: the tenant's password is for the backup job alone", () => {
    const pod = podOf(built.one("acme", K8S.statefulSet)).spec;
    const credentials = pod.volumes.find((v) => v.name === "credentials")!;
    expect(credentials.secret.items.map((i: { key: string }) => i.key)).toEqual([
      CREDENTIAL_KEYS.tenantVerifier,
      CREDENTIAL_KEYS.superuserVerifier,
      CREDENTIAL_KEYS.superuserPassword,
    ]);
    expect(JSON.stringify(built.one("acme", K8S.secret).inputs.stringData)).toContain("Gen3rated-acme-password-Pw9x");
  });

  test("a changed password rolls the pod: the pod template carries a digest of the credentials, not the credentials", async () => {
    const other = await build([{ id: "globex" }], { globex: `${CUSTOM} rotated` });
    const before = podOf(built.one("globex", K8S.statefulSet)).metadata.annotations;
    const after = podOf(other.one("globex", K8S.statefulSet)).metadata.annotations;
    expect(after[ANNOTATION.credentials]).not.toBe(before[ANNOTATION.credentials]);
    expect(after[ANNOTATION.files]).toBe(before[ANNOTATION.files]);
    expect(after[ANNOTATION.credentials]).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("the component", () => {
  test("guards its arguments with plain sentences", async () => {
    const errors = await underMocks(async (p) => {
      const { TenantDatabase } = await import("../../../../components/kubernetes/tenantDatabase");
      const { Naming } = await import("../../../../lib/naming");
      const naming = new Naming("unit", "pgs-unit-");
      const crds = new p.ComponentResource("test:index:Crds", "crds");
      return [
        thrownBy(
          () =>
            new TenantDatabase("acme", {
              tenant: tenant({}),
              naming,
              image: "",
              ingressPort: 30432,
              kubernetes: KUBERNETES,
              routeDependsOn: [crds],
            }),
        ),
        thrownBy(
          () =>
            new TenantDatabase("globex", {
              tenant: tenant({ id: "globex" }),
              naming,
              image: IMAGE,
              ingressPort: 30432,
              kubernetes: KUBERNETES,
              routeDependsOn: [],
            }),
        ),
      ];
    });
    expect(errors).toEqual([
      new Error("TenantDatabase acme: `image` must name the tenant's PostgreSQL image."),
      new Error("TenantDatabase globex: `routeDependsOn` must list the ingress's CRDs, which the tenant's route needs."),
    ]);
  });

  test("exports its password and connection string (with the ingress's port) as secrets", async () => {
    const seen = await underMocks(async (p) => {
      const { TenantDatabase } = await import("../../../../components/kubernetes/tenantDatabase");
      const { Naming } = await import("../../../../lib/naming");
      const crds = new p.ComponentResource("test:index:Crds", "crds");
      const db = new TenantDatabase("acme", {
        tenant: tenant({}),
        naming: new Naming("unit", "pgs-unit-"),
        image: IMAGE,
        ingressPort: 30432,
        kubernetes: KUBERNETES,
        routeDependsOn: [crds],
      });
      return {
        secret: [await p.isSecret(db.password), await p.isSecret(db.connectionString)],
        connectionString: await promiseOf(db.connectionString),
      };
    });
    expect(seen).toEqual({
      secret: [true, true],
      connectionString: "postgresql://acme:generated-acme-password@acme.pgs.example.com:30432/acme?sslmode=verify-full",
    });
  });
});
