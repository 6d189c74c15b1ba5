/**
 * lib/hosts/kubectl.ts: which kubectl runs, with which kubeconfig, and how its failures read. A
 * stand-in script plays kubectl (it prints its arguments and stdin, and exits as told): no cluster.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { kubectl } from "../../../../lib/hosts/kubectl";

let dir: string;
let fake: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "pgs-kubectl-"));
  fake = path.join(dir, "kubectl");
  // Prints each argument on a line as `arg:<value>`, then its stdin; FAKE_EXIT and FAKE_STDERR come from the last arguments.
  writeFileSync(
    fake,
    `#!/bin/sh
for a in "$@"; do printf 'arg:%s\\n' "$a"; done
input=$(cat)
[ -n "$input" ] && printf 'stdin:%s\\n' "$input"
for a in "$@"; do
  case $a in
    exit=*) code=\${a#exit=} ;;
    stderr=*) printf '%s\\n' "\${a#stderr=}" >&2 ;;
  esac
done
exit \${code:-0}
`,
  );
  chmodSync(fake, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const argsOf = (stdout: string) =>
  stdout
    .split("\n")
    .filter((l) => l.startsWith("arg:"))
    .map((l) => l.slice(4));

test("the binary is KUBECTL when set, else kubectl on PATH (an empty KUBECTL counts as unset)", () => {
  expect(kubectl(undefined, { KUBECTL: "/opt/k8s/kubectl" }).command[0]).toBe("/opt/k8s/kubectl");
  expect(kubectl(undefined, {}).command[0]).toBe("kubectl");
  expect(kubectl(undefined, { KUBECTL: "" }).command[0]).toBe("kubectl");
});

test("the stack's kubeconfig becomes --kubeconfig=PATH; none leaves kubectl's own default", () => {
  expect(kubectl("/etc/pgs/kubeconfig", { KUBECTL: fake }).command).toEqual([fake, ["--kubeconfig=/etc/pgs/kubeconfig"]]);
  expect(kubectl(undefined, { KUBECTL: fake }).command).toEqual([fake, []]);
  expect(kubectl("", { KUBECTL: fake }).command).toEqual([fake, []]);
});

test("run passes --kubeconfig first, then the arguments as given, and returns the output", async () => {
  const r = await kubectl("/etc/pgs/my kube config", { KUBECTL: fake }).run(["get", "pods", "-n", "pgs-dev"]);
  expect(argsOf(r.stdout)).toEqual(["--kubeconfig=/etc/pgs/my kube config", "get", "pods", "-n", "pgs-dev"]);
  expect(r).toMatchObject({ code: 0, stderr: "" });
});

test("without a kubeconfig no --kubeconfig argument is passed at all", async () => {
  const r = await kubectl(undefined, { KUBECTL: fake }).run(["version", "--client"]);
  expect(argsOf(r.stdout)).toEqual(["version", "--client"]);
});

test("input is written to kubectl's stdin", async () => {
  const r = await kubectl(undefined, { KUBECTL: fake }).run(["apply", "-f", "-"], { input: '{"kind":"Namespace"}' });
  expect(r.stdout).toContain('stdin:{"kind":"Namespace"}');
});

test("a failure rejects as `kubectl <verb> failed (exit N): <last stderr lines>`", async () => {
  const k = kubectl("/etc/pgs/kubeconfig", { KUBECTL: fake });
  await expect(k.run(["get", "pod/x", "exit=3", 'stderr=Error from server (NotFound): pods "x" not found'])).rejects.toThrow(
    'kubectl get failed (exit 3): Error from server (NotFound): pods "x" not found',
  );
  await expect(k.run(["delete", "exit=1", "stderr=one", "stderr=two", "stderr=three", "stderr=four"])).rejects.toThrow(
    /^kubectl delete failed \(exit 1\): two \| three \| four$/,
  );
});

test("allowFailure resolves with the exit code and stderr instead", async () => {
  const r = await kubectl(undefined, { KUBECTL: fake }).run(["get", "exit=4", "stderr=no such kind"], { allowFailure: true });
  expect(r.code).toBe(4);
  expect(r.stderr).toBe("no such kind\n");
});

test("a kubectl that cannot be started says so and how to name another", async () => {
  const missing = path.join(dir, "no-kubectl-here");
  await expect(kubectl(undefined, { KUBECTL: missing }).run(["get", "pods"])).rejects.toThrow(
    new RegExp(`^cannot run ${missing.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(set KUBECTL to its path\\): .*ENOENT`),
  );
});
