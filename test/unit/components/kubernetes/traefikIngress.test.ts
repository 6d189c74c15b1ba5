/** TraefikIngress on Kubernetes: the CRD provider's Traefik, its CRDs, RBAC, TLS objects and Service; no tenant input anywhere. */
import type { RecordedResource, RunResult } from "../../../../app/offline/programRunner";
import { traefikCrds, traefikKubernetesArgs } from "../../../../lib/traefik/kubernetes";
import { recordComponents, underMocks, promiseOf } from "../../helpers/component";
import { Graph, plan, recordingMocks, tenantsYaml } from "../../helpers/program";

const SETTINGS = {
  address: "10.88.0.1",
  port: 5432,
  adminAddress: "127.0.0.1:8080",
  ping: true,
  metrics: false,
  dockerSocket: "/var/run/docker.sock",
  dialTimeout: "5s",
};
const SECRET = "kubernetes:core/v1:Secret";

async function build(serviceType: "NodePort" | "LoadBalancer" | "ClusterIP" = "NodePort"): Promise<RunResult> {
  return recordComponents(async () => {
    const { TraefikIngress } = await import("../../../../components/kubernetes/traefikIngress");
    const { Naming } = await import("../../../../lib/naming");
    new TraefikIngress("ingress", {
      naming: new Naming("unit", "pgs-unit-"),
      image: "pgs-local/traefik:3.7.15",
      settings: SETTINGS,
      kubernetes: { ingressServiceType: serviceType, ingressNodePort: 30432 },
      certificate: { mode: "selfSigned", validityDays: 365 },
      certificateNames: ["*.pgs.example.com"],
    });
  }, recordingMocks());
}
const named = (result: RunResult, name: string): RecordedResource => result.resources.find((r) => r.name === name)!;

describe("the ingress", () => {
  let result: RunResult;
  beforeAll(async () => {
    result = await build();
  });

  test("creates every CRD the provider watches and never deletes one (retainOnDelete)", () => {
    const crds = result.resources.filter((r) => r.type === "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition");
    expect(crds.map((r) => (r.inputs.metadata as { name: string }).name).sort()).toEqual(
      traefikCrds()
        .map((c) => c.metadata.name)
        .sort(),
    );
    expect(crds.every((r) => r.options.retainOnDelete)).toBe(true);
  });

  test("runs Traefik with the CRD provider's flags, unprivileged, with /ping as readiness and liveness", () => {
    const pod = (named(result, "ingress-traefik").inputs.spec as { template: { spec: Record<string, any> } }).template.spec;
    const traefik = pod.containers[0];
    expect(traefik.args).toEqual(traefikKubernetesArgs(SETTINGS, "unit"));
    expect(traefik.readinessProbe.httpGet).toEqual({ path: "/ping", port: "admin" });
    expect(traefik.livenessProbe.httpGet).toEqual({ path: "/ping", port: "admin" });
    expect(traefik.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(pod.serviceAccountName).toBe("traefik");
  });

  test("its ServiceAccount is bound to a ClusterRole of the provider's rules", () => {
    const binding = named(result, "ingress-cluster-role-binding").inputs;
    expect(binding.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "pgs-unit-traefik" });
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "traefik", namespace: "pgs-unit-traefik" }]);
  });

  test("the TLS option is min TLS 1.2, sniStrict and ALPN postgresql; the default TLSStore names the certificate Secret", () => {
    expect(named(result, "ingress-tls-option").inputs).toMatchObject({
      kind: "TLSOption",
      metadata: { name: "pgs", namespace: "pgs-unit-traefik" },
      spec: { minVersion: "VersionTLS12", sniStrict: true, alpnProtocols: ["postgresql"] },
    });
    expect(named(result, "ingress-tls-store").inputs).toMatchObject({
      kind: "TLSStore",
      metadata: { name: "default" },
      spec: { defaultCertificate: { secretName: "traefik-tls" }, certificates: [{ secretName: "traefik-tls" }] },
    });
  });

  test("the certificate's private key is only in its Secret, as a secret", () => {
    const secret = named(result, "ingress-certificate");
    expect(secret.type).toBe(SECRET);
    expect(secret.displayInputs.stringData).toBe("[secret]");
    const key = "-----BEGIN PRIVATE KEY----- ingress-tls-key";
    expect(JSON.stringify(secret.inputs)).toContain(key);
    expect(
      result.resources
        .filter((r) => r.type.startsWith("kubernetes:") && r !== secret && JSON.stringify(r.inputs).includes(key))
        .map((r) => r.name),
    ).toEqual([]);
  });

  test("plaintext clients meet a non-TLS catch-all route that admits nobody", () => {
    expect(named(result, "ingress-refuse-plaintext").inputs).toMatchObject({
      kind: "IngressRouteTCP",
      spec: { routes: [{ match: "HostSNI(`*`)", middlewares: [{ name: "pgs-refuse-all" }] }] },
    });
    expect(named(result, "ingress-refuse-all").inputs).toMatchObject({
      kind: "MiddlewareTCP",
      spec: { ipAllowList: { sourceRange: ["0.0.0.0/32"] } },
    });
    expect((named(result, "ingress-nowhere").inputs.spec as { selector?: unknown }).selector).toBeUndefined();
  });

  test("every Traefik object carries the stack label its provider selects on", () => {
    for (const r of result.resources.filter((x) => x.type.startsWith("kubernetes:traefik.io/"))) {
      expect({ name: r.name, labels: (r.inputs.metadata as { labels: Record<string, string> }).labels }).toEqual({
        name: r.name,
        labels: { "pgs.stack": "unit", "pgs.role": "ingress" },
      });
    }
  });
});

describe("the Service", () => {
  test("is a NodePort at ingressNodePort by default, keeping client addresses for allowFrom (externalTrafficPolicy Local)", async () => {
    expect(named(await build(), "ingress-service").inputs.spec).toEqual({
      type: "NodePort",
      selector: { "pgs.stack": "unit", "pgs.role": "ingress" },
      externalTrafficPolicy: "Local",
      ports: [{ name: "postgres", protocol: "TCP", port: 5432, targetPort: "postgres", nodePort: 30432 }],
    });
  });

  test("LoadBalancer and ClusterIP serve the publish port; ClusterIP has no external traffic policy", async () => {
    const lb = named(await build("LoadBalancer"), "ingress-service").inputs.spec as Record<string, any>;
    expect(lb).toMatchObject({ type: "LoadBalancer", externalTrafficPolicy: "Local", ports: [{ port: 5432 }] });
    expect(lb.ports[0].nodePort).toBeUndefined();
    const cluster = named(await build("ClusterIP"), "ingress-service").inputs.spec as Record<string, any>;
    expect(cluster.type).toBe("ClusterIP");
    expect(cluster.externalTrafficPolicy).toBeUndefined();
  });

  test("clients connect on the node port with NodePort, on the publish port otherwise", async () => {
    const ports = await underMocks(async () => {
      const { TraefikIngress } = await import("../../../../components/kubernetes/traefikIngress");
      const { Naming } = await import("../../../../lib/naming");
      const make = (name: string, ingressServiceType: "NodePort" | "ClusterIP") =>
        new TraefikIngress(name, {
          naming: new Naming("unit", `pgs-${name}-`),
          image: "traefik",
          settings: SETTINGS,
          kubernetes: { ingressServiceType, ingressNodePort: 30432 },
          certificate: { mode: "selfSigned", validityDays: 365 },
          certificateNames: ["*.pgs.example.com"],
        });
      const node = make("node", "NodePort");
      return [node.port, await promiseOf(node.address), make("cluster", "ClusterIP").port];
    });
    expect(ports).toEqual([30432, "10.88.0.1", 5432]);
  });
});

describe("tenants never touch the ingress", () => {
  test("Traefik's Deployment, Service, RBAC and TLS objects are identical for 0, 1 and 5 tenants of every kind", async () => {
    const files = [
      tenantsYaml(""),
      tenantsYaml("  - id: acme"),
      tenantsYaml(
        ["acme", "globex", "initech", "umbrella", "hooli"]
          .map(
            (id, i) =>
              `  - id: ${id}\n${["", "    access: disabled\n", "    state: stopped\n", "    allowFrom: [203.0.113.0/24]\n", "    backup: { every: 1h, keep: 2 }\n"][i]}`,
          )
          .join(""),
      ),
    ];
    const ingressOf = async (tenants: string) => {
      const graph = new Graph(await plan({ tenants, config: { backend: "kubernetes" } }));
      const ingress = graph.ofType("pgs:kubernetes:TraefikIngress")[0];
      return graph
        .subtree(ingress)
        .filter((r) => r.type.startsWith("kubernetes:"))
        .map((r) => ({ urn: r.urn, inputs: r.displayInputs, options: r.options }));
    };
    const [none, one, five] = [await ingressOf(files[0]), await ingressOf(files[1]), await ingressOf(files[2])];
    expect(none.find((r) => r.urn.endsWith("::ingress-traefik"))).toBeDefined();
    expect(one).toEqual(none);
    expect(five).toEqual(none);
  });
});
