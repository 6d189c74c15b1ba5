/**
 * The Docker backend's scoped targets (backends/docker/index.ts): the suffix list names every
 * resource the components register for a tenant, and a tenant's targets match its own resources
 * only (never those of a tenant whose id it prefixes), nor the ingress's.
 */
import { DOCKER_TENANT_SUFFIXES, dockerBackend } from "../../../../backends/docker";
import { stackConfig } from "../../../../lib/project";
import { readStackSettings } from "../../../../lib/stackSettings";
import { Graph, plan, ROOT, STACK, tenantsYaml } from "../../helpers/program";
import { urnGlob } from "../../../../backends/targets";

const S3 = {
  backupS3Endpoint: "http://s3.internal:8333",
  backupS3Bucket: "pgs-backups",
  backupS3Prefix: "prod/eu",
  rcloneImage: "pgs-local/rclone:1.75.2",
};
const S3_SECRETS = { backupS3AccessKeyId: "AKIDEXAMPLE", backupS3SecretAccessKey: "s3-Secret-Key-Example-123" };
// Every kind of resource a tenant can have: a storage limit, backups with an off-site copy, and a
// neighbour whose id starts with acme's.
const TENANTS = tenantsYaml(
  "  - id: acme\n    resources: { storage: 1Gi }\n    backup: { every: 24h, keep: 3 }\n  - id: acme-2\n    resources: { storage: 1Gi }\n    backup: { every: 24h, keep: 3 }",
);

let graph: Graph;
beforeAll(async () => {
  graph = new Graph(await plan({ tenants: TENANTS, config: S3, secretConfig: S3_SECRETS }));
}, 120_000);

const tenantComponent = (id: string) => graph.resources.find((r) => r.type === "pgs:docker:TenantDatabase" && r.name === id)!;
const descendants = (id: string) => graph.descendantsOf(tenantComponent(id));

test("the suffix list is exactly the names of what a tenant with backups and an off-site copy registers", () => {
  const names = descendants("acme").map((r) => r.name);
  const suffixes = new Set(names.filter((n) => n.startsWith("acme-")).map((n) => n.slice("acme-".length)));
  // Components nested in the tenant carry its id as their own name.
  expect(names.filter((n) => !n.startsWith("acme-")).every((n) => n === "acme")).toBe(true);
  expect([...suffixes].sort()).toEqual([...DOCKER_TENANT_SUFFIXES].sort());
});

test("acme's targets match every resource of acme, none of acme-2's and none of the ingress's", () => {
  const { project, config } = stackConfig(ROOT, STACK, {});
  const settings = readStackSettings((key) => config[`${project}:${key}`], project, STACK);
  const patterns = dockerBackend
    .targets({ full: false, tenants: ["acme"], ingress: false, fingerprints: { tenants: {}, ingress: "" } }, settings, [])
    .map(urnGlob);
  const matched = (urn: string) => patterns.some((p) => p.test(urn));
  const acme = graph.resources.filter((r) => r.type === "pgs:docker:TenantDatabase" && r.name === "acme");
  for (const r of [...acme, ...descendants("acme")]) expect({ urn: r.urn, matched: matched(r.urn) }).toEqual({ urn: r.urn, matched: true });
  const others = graph.resources.filter((r) => !acme.includes(r) && !descendants("acme").includes(r));
  expect(others.filter((r) => matched(r.urn)).map((r) => r.urn)).toEqual([]);
  expect(others.some((r) => r.name.startsWith("acme-2"))).toBe(true);
});
