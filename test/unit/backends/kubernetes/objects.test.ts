/**
 * backends/kubernetes/objects.ts: finding what an interrupted `pulumi up` already made in the
 * cluster, with a stand-in kubectl (KUBECTL) that records its arguments and stdin and answers as
 * the test tells it. No cluster.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { kubernetesObject } from "../../../../backends/kubernetes/objects";

let dir: string;
const saved = process.env.KUBECTL;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "pgs-objects-"));
  const file = path.join(dir, "kubectl");
  writeFileSync(
    file,
    `#!/bin/sh
printf '%s\\n' "$@" >"${dir}/args"
cat >"${dir}/stdin"
[ -f "${dir}/stdout" ] && cat "${dir}/stdout"
[ -f "${dir}/stderr" ] && cat "${dir}/stderr" >&2
exit $(cat "${dir}/code" 2>/dev/null || echo 0)
`,
  );
  chmodSync(file, 0o755);
  process.env.KUBECTL = file;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));
afterAll(() => {
  if (saved === undefined) delete process.env.KUBECTL;
  else process.env.KUBECTL = saved;
});

/** What the stand-in answers next. */
function answer(stdout: string, code = 0, stderr = ""): void {
  writeFileSync(path.join(dir, "stdout"), stdout);
  writeFileSync(path.join(dir, "stderr"), stderr);
  writeFileSync(path.join(dir, "code"), String(code));
}
const ran = () => existsSync(path.join(dir, "args"));
const args = () => readFileSync(path.join(dir, "args"), "utf8").trim().split("\n");
const query = () => JSON.parse(readFileSync(path.join(dir, "stdin"), "utf8"));

const SERVICE = {
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "acme-postgres", namespace: "pgs-dev-acme", labels: { app: "pgs" } },
  spec: { ports: [{ port: 5432 }] },
};

test("a namespaced object that exists: its provider id namespace/name, and a name for people", async () => {
  answer("service/acme-postgres\n");
  await expect(kubernetesObject("/etc/pgs/kubeconfig")("kubernetes:core/v1:Service", SERVICE)).resolves.toEqual({
    id: "pgs-dev-acme/acme-postgres",
    name: "Service pgs-dev-acme/acme-postgres",
  });
});

test("kubectl is asked with the stack's kubeconfig for just the object's identity, from stdin, by name", async () => {
  answer("service/acme-postgres\n");
  await kubernetesObject("/etc/pgs/kubeconfig")("kubernetes:core/v1:Service", SERVICE);
  expect(args()).toEqual(["--kubeconfig=/etc/pgs/kubeconfig", "get", "-f", "-", "--ignore-not-found", "-o", "name"]);
  expect(query()).toEqual({ apiVersion: "v1", kind: "Service", metadata: { name: "acme-postgres", namespace: "pgs-dev-acme" } });
});

test("no kubeconfig: kubectl's own default, no --kubeconfig argument", async () => {
  answer("");
  await kubernetesObject(undefined)("kubernetes:core/v1:Service", SERVICE);
  expect(args()[0]).toBe("get");
});

test("a cluster-wide object (no namespace): its id is its name, and the query names no namespace", async () => {
  answer("namespace/pgs-dev-acme\n");
  const found = await kubernetesObject(undefined)("kubernetes:core/v1:Namespace", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "pgs-dev-acme" },
  });
  expect(found).toEqual({ id: "pgs-dev-acme", name: "Namespace pgs-dev-acme" });
  expect(query()).toEqual({ apiVersion: "v1", kind: "Namespace", metadata: { name: "pgs-dev-acme" } });
});

test("custom resources are looked up the same way (kubectl resolves the kind)", async () => {
  answer("ingressroutetcp.traefik.io/acme\n");
  const route = { apiVersion: "traefik.io/v1alpha1", kind: "IngressRouteTCP", metadata: { name: "acme", namespace: "pgs-dev-acme" } };
  await expect(kubernetesObject(undefined)("kubernetes:traefik.io/v1alpha1:IngressRouteTCP", route)).resolves.toEqual({
    id: "pgs-dev-acme/acme",
    name: "IngressRouteTCP pgs-dev-acme/acme",
  });
  expect(query()).toEqual(route);
});

test("an object not in the cluster: undefined", async () => {
  answer("\n");
  await expect(kubernetesObject(undefined)("kubernetes:core/v1:Service", SERVICE)).resolves.toBeUndefined();
});

test("a failed lookup throws with the object and kubectl's last stderr line", async () => {
  answer("", 1, 'W0101 some warning\nerror: the server doesn\'t have a resource type "ingressroutetcps"\n');
  await expect(kubernetesObject(undefined)("kubernetes:core/v1:Service", SERVICE)).rejects.toThrow(
    'looking up Service acme-postgres in the cluster failed: error: the server doesn\'t have a resource type "ingressroutetcps"',
  );
});

test("resources of other providers are not looked up", async () => {
  answer("something\n");
  await expect(kubernetesObject(undefined)("docker:index/container:Container", { name: "acme" })).resolves.toBeUndefined();
  await expect(kubernetesObject(undefined)("random:index/randomPassword:RandomPassword", {})).resolves.toBeUndefined();
  expect(ran()).toBe(false);
});

test("inputs without a string apiVersion, kind and name (e.g. still unknown) are not looked up", async () => {
  answer("something\n");
  const look = kubernetesObject(undefined);
  await expect(look("kubernetes:core/v1:Service", { kind: "Service", metadata: { name: "a" } })).resolves.toBeUndefined();
  await expect(look("kubernetes:core/v1:Service", { apiVersion: "v1", metadata: { name: "a" } })).resolves.toBeUndefined();
  await expect(look("kubernetes:core/v1:Service", { apiVersion: "v1", kind: "Service" })).resolves.toBeUndefined();
  await expect(look("kubernetes:core/v1:Service", { apiVersion: "v1", kind: "Service", metadata: { name: 7 } })).resolves.toBeUndefined();
  expect(ran()).toBe(false);
});
