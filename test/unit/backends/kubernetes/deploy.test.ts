/** The whole program (index.ts) with backend: kubernetes, under Pulumi's mock runtime. */
import * as path from "node:path";
import { Graph, plan, planError, recordingMocks, ROOT, tenantsYaml } from "../../helpers/program";

const K8S = { backend: "kubernetes", kubeconfig: "clusters/prod.kubeconfig", publishAddress: "10.88.0.1" };
const TENANTS = tenantsYaml("  - id: acme\n  - id: globex\n    state: stopped\n    backup: { every: 24h, keep: 3 }");

describe("backend: kubernetes", () => {
  let graph: Graph;
  beforeAll(async () => {
    graph = new Graph(await plan({ tenants: TENANTS, config: K8S }));
  });

  test("reaches the cluster through one kubernetes provider given the kubeconfig's path, relative to the project folder", () => {
    const providers = graph.ofType("pulumi:providers:kubernetes");
    expect(providers.map((p) => p.inputs.kubeconfig)).toEqual([path.join(ROOT, "clusters/prod.kubeconfig")]);
  });

  test("registers the Kubernetes components and no Docker resource", () => {
    expect(graph.resources.filter((r) => r.type.startsWith("docker:") || r.type.startsWith("pgs:docker:"))).toEqual([]);
    expect(graph.ofType("pgs:kubernetes:TenantDatabase").map((r) => r.name)).toEqual(["acme", "globex"]);
    expect(graph.ofType("pgs:kubernetes:TraefikIngress")).toHaveLength(1);
    expect(graph.ofType("pgs:kubernetes:TenantBackup").map((r) => r.name)).toEqual(["globex"]);
  });

  test("publishes the same outputs as on Docker, on the node port: endpoints, secret connection strings, the CA and the ingress endpoint", () => {
    const { outputs, secretOutputs } = graph.result;
    expect(outputs.tenantEndpoints).toEqual({
      acme: {
        hostname: "acme.pgs.example.com",
        port: 30432,
        database: "acme",
        user: "acme",
        access: "enabled",
        state: "running",
        postgresVersion: 18,
        superuser: false,
      },
      globex: {
        hostname: "globex.pgs.example.com",
        port: 30432,
        database: "globex",
        user: "globex",
        access: "enabled",
        state: "stopped",
        postgresVersion: 18,
        superuser: false,
      },
    });
    expect(outputs.ingressEndpoint).toEqual({ address: "10.88.0.1", port: 30432 });
    expect((outputs.connectionStrings as Record<string, string>).acme).toMatch(
      /^postgresql:\/\/acme:Gen3rated-acme-password-Pw9x@acme\.pgs\.example\.com:30432\/acme\?sslmode=verify-full$/,
    );
    expect(secretOutputs).toEqual(["connectionStrings"]);
    expect(outputs.caCertificate).toBe("-----BEGIN CERTIFICATE----- ingress-tls-ca");
  });

  test("an empty kubeconfig leaves the cluster to the provider's default (KUBECONFIG, ~/.kube/config)", async () => {
    const g = new Graph(await plan({ tenants: tenantsYaml(""), config: { backend: "kubernetes" } }));
    expect(g.ofType("pulumi:providers:kubernetes").map((p) => p.inputs.kubeconfig)).toEqual([undefined]);
  });

  test("tenants the cluster cannot hold stop the program before anything is registered, every problem at once", async () => {
    const mocks = recordingMocks();
    const long = "a".repeat(60);
    const err = await planError({
      tenants: tenantsYaml(`  - id: ${long}\n  - id: acme\n    backup: { every: 90m, keep: 2 }`),
      config: K8S,
      mocks,
    });
    const message = (err as Error).message;
    expect(message).toMatch(/^invalid input, nothing was changed:\n/);
    expect(message).toContain(`tenant "${long}": its namespace pgs-unit-${long} would be 69 characters, and Kubernetes allows 63`);
    expect(message).toContain('tenant "acme": backup.every 90m cannot be a Kubernetes CronJob schedule');
    expect(mocks.calls).toEqual([]);
  });

  test("the Docker backend stays the default and registers no Kubernetes resource", async () => {
    const g = new Graph(await plan({ tenants: TENANTS }));
    expect(
      g.resources.filter(
        (r) => r.type.startsWith("kubernetes:") || r.type.startsWith("pgs:kubernetes:") || r.type.startsWith("pulumi:providers:kubernetes"),
      ),
    ).toEqual([]);
    expect(g.ofType("pgs:docker:TenantDatabase").map((r) => r.name)).toEqual(["acme", "globex"]);
  });
});
