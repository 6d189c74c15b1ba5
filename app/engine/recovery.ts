/**
 * After an interrupted `pulumi up` (the CLI killed, the machine rebooted): a lock the dead CLI
 * left on a local file backend, and the operations it left pending, resolved the way Pulumi
 * documents (docs: iac/operations/troubleshooting/interrupted-updates): check what the
 * interrupted operations did, then refresh. A create that did happen (on Docker, or in the
 * stack's cluster: the caller's ExistingObject lookup) is imported, never deleted: a volume being
 * "created" may be a tenant's retained data; one that did not is cleared.
 *
 * The import is a state edit, not `pulumi refresh --import-pending-creates`: that flag turns the
 * pending create into a pending import, which the refresh's new snapshot then drops (pulumi
 * 3.274.1, backend/journal.go keeps only pending creates), so the resource never reaches the
 * state and the next up fails on Docker's name conflict (seen here: "The container name ... is
 * already in use"). The resource goes into the state with its provider id; the refresh reads it.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { hostname } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { ExistingObject } from "../../backends/host";
import type { Applied, ProgramScope } from "./scope";
import type { Deployment, OpenedStack } from "./workspace";

interface LockFile {
  pid?: number;
  hostname?: string;
  timestamp?: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Lock files of `stack` under a local file backend (`.pulumi/locks/.../<stack>/*.json`). */
function lockFiles(backendUrl: string, stack: string): string[] {
  if (!backendUrl.startsWith("file://")) return [];
  const locks = path.join(fileURLToPath(backendUrl), ".pulumi", "locks");
  if (!existsSync(locks)) return [];
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => {
      const full = path.join(dir, n);
      return statSync(full).isDirectory() ? walk(full) : [full];
    });
  return walk(locks).filter((f) => path.basename(path.dirname(f)) === stack && f.endsWith(".json"));
}

/**
 * Removes locks of this stack whose CLI is gone: written on this host by a process that no
 * longer runs. A lock held by a live process is left alone.
 */
function releaseStaleLocks(opened: OpenedStack): string[] {
  const done: string[] = [];
  for (const file of lockFiles(opened.environment.backendUrl, opened.stack.name)) {
    const lock = JSON.parse(readFileSync(file, "utf8")) as LockFile;
    if (lock.hostname === hostname() && typeof lock.pid === "number" && !alive(lock.pid)) {
      rmSync(file);
      done.push(`removed the lock left by pulumi (pid ${lock.pid}, no longer running, since ${lock.timestamp ?? "?"})`);
    }
  }
  return done;
}

interface PendingOperation {
  type: string;
  resource: { urn: string; type: string; inputs?: Record<string, unknown> };
}

/**
 * Resolves what an interrupted run left behind; returns what it did, in words. After an
 * interrupted run the stack's `applied` record is not to be trusted (the program may have
 * recorded it before the engine died), so it is cleared: this run is a full one. `exportedAlready`:
 * the state the caller has just exported (one `pulumi stack export` per run: each CLI call reads
 * the whole state, and that cost grows with the tenants). When this returns lines, the state changed.
 */
export async function recoverInterrupted(opened: OpenedStack, existing: ExistingObject, exportedAlready?: Deployment): Promise<string[]> {
  const done = releaseStaleLocks(opened);
  const exported = exportedAlready ?? (await opened.exportState());
  const pending = (exported.deployment as { pending_operations?: PendingOperation[] }).pending_operations ?? [];
  if (pending.length === 0) {
    if (done.length > 0 && (await forgetApplied(opened, "all")))
      done.push("cleared the record of what was applied: this run applies everything");
    return done;
  }
  const imported: PendingOperation[] = [];
  for (const op of pending.filter((p) => p.type === "creating")) {
    const found = await existing(op.resource.type, op.resource.inputs ?? {});
    if (found) {
      imported.push({ ...op, resource: { ...op.resource, id: found.id, outputs: {} } as PendingOperation["resource"] });
      done.push(`imported ${op.resource.urn.split("::").pop()} (${found.name}), which the interrupted run had created`);
    } else {
      done.push(`cleared the pending create of ${op.resource.urn.split("::").pop()}, which the interrupted run had not finished`);
    }
  }
  if (imported.length > 0) {
    // Nothing in the state depends on a resource whose create never finished: appended, the
    // resources stay in dependency order.
    const deployment = exported.deployment as { resources: unknown[]; pending_operations: PendingOperation[] };
    deployment.resources.push(...imported.map((op) => op.resource));
    deployment.pending_operations = pending.filter(
      (op) => !imported.some((i) => i.resource.urn === op.resource.urn && op.type === "creating"),
    );
    await opened.stack.importStack(exported);
  }
  // Through the Automation API, as every run: the plain CLI could not start the dynamic providers' host.
  try {
    await opened.stack.refresh({ clearPendingCreates: true });
  } catch (err) {
    const message = (err as Error).message.trim().split("\n").slice(-5).join("\n");
    throw new Error(`recovering from the interrupted run failed (pulumi refresh): ${message}`);
  }
  done.push(`refreshed the state: ${pending.length} pending operation(s) resolved`);
  if (await forgetApplied(opened, "all")) done.push("cleared the record of what was applied: this run applies everything");
  return done;
}

interface StackResource {
  type: string;
  outputs?: { applied?: Applied };
}

/**
 * After a failed run: what it was to apply (`scope`, or "all") is no longer recorded as applied,
 * so that the next pgs up does it again. A state edit (export, import), made only when the state
 * is at rest: an import drops pending operations and needs the lock, so after an interrupted run
 * (a lock or pending operations left) it is left to the next pgs up, whose recovery clears the
 * whole record. Returns whether there was a record to edit.
 */
export async function forgetApplied(opened: OpenedStack, scope: ProgramScope | "all"): Promise<boolean> {
  const exported = await opened.exportState();
  const deployment = exported.deployment as { resources?: StackResource[]; pending_operations?: unknown[] };
  if ((deployment.pending_operations ?? []).length > 0) return false;
  if (lockFiles(opened.environment.backendUrl, opened.stack.name).length > 0) return false;
  const root = deployment.resources?.find((r) => r.type === "pulumi:pulumi:Stack");
  const applied = root?.outputs?.applied;
  if (!root?.outputs || !applied?.tenants) return false;
  if (scope === "all") {
    root.outputs.applied = { tenants: {} };
  } else {
    for (const id of scope.full ? Object.keys(applied.tenants) : scope.tenants) applied.tenants[id] = "not applied: the last run failed";
    if (scope.ingress) applied.ingress = "not applied: the last run failed";
  }
  await opened.stack.importStack(exported);
  return true;
}
