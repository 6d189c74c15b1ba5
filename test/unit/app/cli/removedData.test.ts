/**
 * What `pgs remove` says happened to a tenant's data (app/cli/edits.ts removedDataMessage): read
 * from the engine's steps, in the backend's own words (backends/docker|kubernetes/host.ts).
 */
import * as path from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { removedDataMessage } from "../../../../app/cli/edits";
import { StepLog } from "../../../../app/engine/changes";
import { backendOf } from "../../../../backends";
import { stackConfig } from "../../../../lib/project";
import { readStackSettings } from "../../../../lib/stackSettings";

const ROOT = path.resolve(__dirname, "../../../..");
const URN = "urn:pulumi:dev::pgs::pgs:docker:TenantDatabase$docker:index/volume:Volume::acme-data";

function deleted(retainOnDelete: boolean): StepLog {
  const log = new StepLog();
  log.onEvent({
    sequence: 1,
    timestamp: 0,
    resourcePreEvent: { metadata: { op: "delete", urn: URN, type: "docker:index/volume:Volume", old: { retainOnDelete } } },
  } as unknown as EngineEvent);
  return log;
}

const words = (backend: "docker" | "kubernetes") => {
  const { project, config } = stackConfig(ROOT, "dev", { backend });
  const settings = readStackSettings((key) => config[`${project}:${key}`], project, "dev");
  return backendOf(backend).host({ settings, projectDir: ROOT }).dataWords("acme");
};

test("--purge applied: the data volume is said to be deleted, never kept", () => {
  const message = removedDataMessage("acme", words("docker"), deleted(false), "delete");
  expect(message).toBe("The data volume pgs-dev-acme-data was deleted (onRemove: delete).");
});

test("a plain remove applied: the volume is kept, with how to bring it back or delete it", () => {
  expect(removedDataMessage("acme", words("docker"), deleted(true), "retain")).toBe(
    "The data volume pgs-dev-acme-data is kept: pgs create acme brings the tenant back with its data; docker volume rm pgs-dev-acme-data deletes it.",
  );
});

test("on Kubernetes it names the claim and the namespace, and kubectl, never a Docker volume", () => {
  const message = removedDataMessage("acme", words("kubernetes"), deleted(true), "retain");
  expect(message).toMatch(/^The claim data in namespace pgs-dev-acme is kept: .*kubectl delete namespace pgs-dev-acme deletes it\.$/);
  expect(message).not.toMatch(/docker|volume/i);
});

test("not applied yet: what applying will do, not a claim about what happened", () => {
  expect(removedDataMessage("acme", words("docker"), undefined, "retain")).toMatch(
    /^When applied, the data volume pgs-dev-acme-data is kept/,
  );
});
