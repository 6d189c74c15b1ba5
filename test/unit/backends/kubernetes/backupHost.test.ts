/**
 * The Kubernetes BackupHost's conversation with kubectl, against a stand-in kubectl that records
 * its calls (the real cluster is test/e2e/kubernetes.test.ts's): which objects it makes, where,
 * with which kubeconfig, and that it cleans up.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { backupNow, BackupError, listBackups } from "../../../../app/ops/backups";
import { kubernetesBackupHost } from "../../../../backends/kubernetes/backupHost";
import { Naming } from "../../../../lib/naming";

let dir: string;
const naming = new Naming("prod", "pgs-prod-");

/** A kubectl that logs each call (and its stdin) and answers from `replies`: the first pattern found in its arguments wins. */
function standIn(replies: [string, string, number][]): void {
  const cases = replies.map(([pattern, out, code]) => `  *"${pattern}"*) printf '%s' '${out}'; exit ${code} ;;`).join("\n");
  const file = path.join(dir, "kubectl");
  writeFileSync(
    file,
    `#!/bin/sh\nprintf '%s' "$*" | tr '\\n' ' ' >>"${dir}/calls"\necho >>"${dir}/calls"\ncat >>"${dir}/stdin"\ncase "$*" in\n${cases}\n  *) exit 0 ;;\nesac\n`,
  );
  chmodSync(file, 0o755);
  process.env.KUBECTL = file;
}
const calls = () => readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "pgs-kubectl-"));
});
afterEach(() => {
  delete process.env.KUBECTL;
  rmSync(dir, { recursive: true, force: true });
});

test("pgs backups: a reader pod in the tenant's namespace runs backup-volume.sh through kubectl exec, with the stack's kubeconfig, and is removed", async () => {
  standIn([
    ["get pvc backups", "persistentvolumeclaim/backups", 0],
    [" exec ", "acme-20250101T030000Z.dump\t2048\tok\n", 0],
  ]);
  const host = kubernetesBackupHost({ naming, image: "pgs-local/postgres:18", kubeconfig: "/etc/pgs/prod.kubeconfig" });
  const backups = await listBackups({ log: () => undefined, host }, "acme");
  expect(backups.map((b) => [b.name, b.bytes, b.checksum])).toEqual([["acme-20250101T030000Z.dump", 2048, "ok"]]);
  const made = calls();
  expect(made.every((c) => c.startsWith("--kubeconfig=/etc/pgs/prod.kubeconfig "))).toBe(true);
  const pod = /pod\/(backup-reader-\S+)/.exec(made.find((c) => c.includes(" wait "))!)![1];
  expect(
    made.map((c) =>
      c
        .replace("--kubeconfig=/etc/pgs/prod.kubeconfig ", "")
        .replace(pod, "POD")
        .replace(/sh -c .*backup-volume\.sh/, "sh -c SCRIPT backup-volume.sh"),
    ),
  ).toEqual([
    "-n pgs-prod-acme get pvc backups -o name",
    "create -f -",
    "-n pgs-prod-acme wait --for=condition=Ready pod/POD --timeout=120s",
    "-n pgs-prod-acme exec POD -- sh -c SCRIPT backup-volume.sh list",
    "-n pgs-prod-acme delete pod POD --wait=false",
  ]);
  const manifest = JSON.parse(readFileSync(path.join(dir, "stdin"), "utf8")) as {
    metadata: { name: string; namespace: string };
    spec: { volumes: unknown[] };
  };
  expect(manifest.metadata).toMatchObject({ name: pod, namespace: "pgs-prod-acme" });
  expect(manifest.spec.volumes).toEqual([{ name: "backups", persistentVolumeClaim: { claimName: "backups", readOnly: true } }]);
});

test("pgs backup: without a backup CronJob in the tenant's namespace it says what to do, and starts nothing", async () => {
  standIn([["get cronjob backup", "", 1]]);
  const host = kubernetesBackupHost({ naming, image: "pgs-local/postgres:18" });
  await expect(backupNow({ log: () => undefined, host }, "acme")).rejects.toEqual(
    new BackupError("tenant acme has no backup CronJob in namespace pgs-prod-acme: set backup: in tenants.yaml for it and apply (pgs up)"),
  );
  expect(calls()).toEqual(["-n pgs-prod-acme get cronjob backup -o json"]);
});

test("pgs backup: a one-off Job from the CronJob's template, run as manual; its log line is the result", async () => {
  const cronJob = JSON.stringify({
    metadata: { namespace: "pgs-prod-acme" },
    spec: {
      jobTemplate: {
        metadata: { labels: { "pgs.role": "backup" } },
        spec: { template: { spec: { containers: [{ name: "backup", args: ["scheduled"] }] } } },
      },
    },
  });
  standIn([
    ["get cronjob backup", cronJob, 0],
    ["get pod postgres-0", "True", 0],
    ["get job", "1:", 0],
    ["logs job/", "pgs-backup: ok tenant=acme trigger=manual file=acme-20250101T030000Z.dump bytes=1 sha256=00 seconds=0 pruned=0\n", 0],
  ]);
  const host = kubernetesBackupHost({ naming, image: "pgs-local/postgres:18" });
  const line = await backupNow({ log: () => undefined, host }, "acme");
  expect(line).toBe("pgs-backup: ok tenant=acme trigger=manual file=acme-20250101T030000Z.dump bytes=1 sha256=00 seconds=0 pruned=0");
  const job = JSON.parse(readFileSync(path.join(dir, "stdin"), "utf8")) as {
    kind: string;
    metadata: { name: string };
    spec: { template: { spec: { containers: { args: string[] }[] } } };
  };
  expect(job.kind).toBe("Job");
  expect(job.metadata.name).toMatch(/^backup-manual-[0-9]{14}-[a-z0-9]+$/);
  expect(job.spec.template.spec.containers[0].args).toEqual(["manual"]);
});

test("restoring from S3 is refused on Kubernetes, with nothing changed", async () => {
  standIn([]);
  const host = kubernetesBackupHost({ naming, image: "pgs-local/postgres:18" });
  await expect(host.backupStore("acme", "scratch-volume")).rejects.toThrow(
    "restoring from S3 is not available on the Kubernetes backend (off-host copies run on Docker only); nothing was changed",
  );
});
