/**
 * What one `pgs up` or `pgs preview` hands the engine: the program's scope, the engine's targets,
 * and what to refresh first. From the stack's last `applied` record (app/engine/scope.ts), the
 * file, and one listing of the host's objects (the backend's drift check): work only on what
 * changed or drifted. A full run when asked (`--all`), or when the stack has no record.
 */
import type { Backend } from "../../backends/backend";
import type { StackSettings } from "../../lib/stackSettings";
import type { Tenant } from "../../lib/tenants/tenant";
import { type Applied, appliedRecord, changesSince, fingerprints, type ProgramScope, secretCiphertexts } from "./scope";

export interface RunPlan {
  scope: ProgramScope;
  /** The engine's targets; undefined: a full run. */
  targets?: string[];
  /** Targets to refresh before the run: what drifted, so the engine sees it gone or stopped. */
  refresh: string[];
  /** URNs the run replaces: containers that exist but were stopped or killed out of band. */
  replace: string[];
  /** One line per reason the run touches something, for the operator. */
  reasons: string[];
  /** Nothing changed and nothing drifted: no engine run is needed. */
  nothing: boolean;
}

export interface RunRequest {
  projectDir: string;
  settings: StackSettings;
  tenants: Tenant[];
  backend: Backend;
  /** The stack's last outputs (undefined for a stack never applied). */
  outputs: Record<string, unknown> | undefined;
  /** Build and apply everything. */
  all?: boolean;
  /** A tenant-scoped command: only these tenants, whatever else changed. */
  only?: string[];
  /** The URNs in the stack's state, so that what is already there is not targeted (backends' targets). */
  inState?: ReadonlySet<string>;
}

export async function planRun(request: RunRequest): Promise<RunPlan> {
  const { settings, tenants, backend } = request;
  const current = fingerprints(settings, tenants, secretCiphertexts(request.projectDir, settings.stack));
  const all = tenants.map((t) => t.id);
  const applied = appliedRecord(request.outputs?.applied);
  const full = (reason: string): RunPlan => ({
    scope: { full: true, tenants: all, ingress: true, fingerprints: current },
    refresh: [],
    replace: [],
    reasons: [reason],
    nothing: false,
  });
  if (request.all) return full("every resource (--all)");
  if (!applied || (applied.ingress === undefined && Object.keys(applied.tenants).length === 0)) {
    return full(
      "every resource: the stack has no record of what was applied (a first run, the last was a plain pulumi up, or it was interrupted)",
    );
  }

  // Every tenant's route depends on the ingress: a run that targets the ingress must build them all
  // (the engine refuses to target a resource whose unbuilt dependents it would have to drop).
  if (applied.ingress === undefined) {
    return full("every resource: the ingress was not applied yet, and every tenant's route depends on it");
  }

  if (request.only) {
    const scope: ProgramScope = { full: false, tenants: request.only, ingress: false, fingerprints: current };
    return {
      scope,
      targets: backend.targets(scope, settings, tenants, request.inState),
      refresh: [],
      replace: [],
      reasons: [`tenant${request.only.length === 1 ? "" : "s"} ${request.only.join(", ")}`],
      nothing: false,
    };
  }

  const changes = changesSince(applied, current);
  // Every tenant, changed ones too: a stopped server of an edited tenant must be replaced as well.
  const checked = await backend.host({ settings, projectDir: request.projectDir }).drift(tenants);
  const drift = { ...checked, tenants: checked.tenants.filter((id) => !changes.changed.includes(id)) };
  const scoped = [...new Set([...changes.changed, ...changes.removed, ...drift.tenants])];
  const ingress = changes.ingress || drift.ingress;
  const reasons = [
    ...changes.changed.map((id) => `${id}: ${id in applied.tenants ? "edited" : "new"} since it was applied`),
    ...changes.removed.map((id) => `${id}: removed from the file`),
    ...drift.tenants.map((id) => `${id}: its server or storage is not as applied (stopped, killed or deleted by hand)`),
    ...(changes.ingress ? ["the ingress: the stack settings or pgs changed since it was applied"] : []),
    ...(drift.ingress ? ["the ingress: not running, or its directory is gone"] : []),
  ];
  if (scoped.length === 0 && !ingress) {
    return { scope: { full: false, tenants: [], ingress: false, fingerprints: current }, refresh: [], replace: [], reasons, nothing: true };
  }
  const replace = [...(request.inState ?? [])].filter((urn) => drift.stopped.some((name) => urn.endsWith(`::${name}`)));
  if (ingress) {
    // As above: every route depends on the ingress. Refreshed first when it drifted.
    const everything: ProgramScope = { full: true, tenants: all, ingress: true, fingerprints: current };
    const drifted: ProgramScope = { full: false, tenants: drift.tenants, ingress: drift.ingress, fingerprints: current };
    return {
      scope: everything,
      refresh: drift.tenants.length > 0 || drift.ingress ? backend.targets(drifted, settings, tenants, request.inState) : [],
      replace,
      reasons: [...reasons, "every tenant with it: each route depends on the ingress"],
      nothing: false,
    };
  }
  const scope: ProgramScope = { full: false, tenants: scoped, ingress: false, fingerprints: current };
  const drifted: ProgramScope = { full: false, tenants: drift.tenants, ingress: drift.ingress, fingerprints: current };
  return {
    scope,
    targets: backend.targets(scope, settings, tenants, request.inState),
    refresh: drift.tenants.length > 0 ? backend.targets(drifted, settings, tenants, request.inState) : [],
    replace,
    reasons,
    nothing: false,
  };
}

export type { Applied };
