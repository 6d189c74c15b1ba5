/**
 * What one `pgs up` or `pgs preview` hands the engine: the program's scope, the engine's targets,
 * and what to refresh first. From the stack's last `applied` record (app/engine/scope.ts), the
 * file, and one listing of the host's objects (the backend's drift check): work only on what
 * changed or drifted. A full run when asked (`--all`), or when the stack has no record.
 */
import type { Backend } from "../../backends/backend";
import { stateUrns } from "../../backends/targets";
import { type Drift, stateHas } from "../../backends/host";
import type { StackSettings } from "../../lib/stackSettings";
import type { Tenant } from "../../lib/tenants/tenant";
import { type Applied, appliedRecord, changesSince, fingerprints, type ProgramScope, secretCiphertexts } from "./scope";

export interface RunPlan {
  scope: ProgramScope;
  /** The engine's targets; undefined: a full run. */
  targets?: string[];
  /** What to refresh before the run (URNs as the state has them): what drifted, so the engine sees it gone or stopped. */
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

/** What drifted on the host, for the tenants the state has (a tenant never applied has nothing to drift). */
async function hostDrift(request: RunRequest): Promise<Drift> {
  const inState = request.inState;
  if (!inState || inState.size === 0) return { tenants: [], ingress: false, stopped: [] };
  const urns = [...inState];
  const known = request.tenants.filter((t) => urns.some((urn) => urn.endsWith(`::${t.id}`)));
  const drift = await request.backend.host({ settings: request.settings, projectDir: request.projectDir }).drift(known, stateHas(urns));
  const ingressKnown = urns.some((urn) => urn.endsWith("::ingress"));
  return { ...drift, ingress: drift.ingress && ingressKnown };
}

export async function planRun(request: RunRequest): Promise<RunPlan> {
  const { settings, tenants, backend } = request;
  const current = fingerprints(settings, tenants, secretCiphertexts(request.projectDir, settings.stack));
  const all = tenants.map((t) => t.id);
  const applied = appliedRecord(request.outputs?.applied);
  // One listing of the host, whatever the run: what drifted is refreshed first, and a container
  // stopped or killed out of band is replaced (a refresh keeps a stopped container as it is).
  const drift = await hostDrift(request);
  const drifted: ProgramScope = { full: false, tenants: drift.tenants, ingress: drift.ingress, fingerprints: current };
  const inState = request.inState ?? new Set<string>();
  const refresh = drift.tenants.length > 0 || drift.ingress ? stateUrns(backend.targets(drifted, settings, tenants, inState), inState) : [];
  const replace = [...(request.inState ?? [])].filter((urn) => drift.stopped.some((name) => urn.endsWith(`::${name}`)));
  const driftReasons = [
    ...drift.tenants.map((id) => `${id}: its server or storage is not as applied (stopped, killed or deleted by hand)`),
    ...(drift.ingress ? ["the ingress: not running, or its directory is gone"] : []),
  ];
  const full = (reasons: string[]): RunPlan => ({
    scope: { full: true, tenants: all, ingress: true, fingerprints: current },
    refresh,
    replace,
    reasons: [...reasons, ...driftReasons],
    nothing: false,
  });
  if (request.all) return full(["every resource (--all)"]);
  if (!applied || (applied.ingress === undefined && Object.keys(applied.tenants).length === 0)) {
    return full([
      "every resource: the stack has no record of what was applied (a first run, the last was a plain pulumi up, or it was interrupted)",
    ]);
  }
  // Every tenant's route depends on the ingress: a run that targets the ingress must build them all
  // (the engine refuses to target a resource whose unbuilt dependents it would have to drop).
  if (applied.ingress === undefined) {
    return full(["every resource: the ingress was not applied yet, and every tenant's route depends on it"]);
  }

  if (request.only) {
    // A tenant-scoped command: that tenant, repaired too if it drifted; nothing else.
    const scope: ProgramScope = { full: false, tenants: request.only, ingress: false, fingerprints: current };
    const own = (urn: string) => request.only!.some((id) => urn.includes(`::${id}-`) || urn.endsWith(`::${id}`));
    const ownDrift: ProgramScope = { ...drifted, tenants: drift.tenants.filter((id) => request.only!.includes(id)), ingress: false };
    return {
      scope,
      targets: backend.targets(scope, settings, tenants, request.inState),
      refresh: ownDrift.tenants.length > 0 ? stateUrns(backend.targets(ownDrift, settings, tenants, inState), inState) : [],
      replace: replace.filter(own),
      reasons: [`tenant${request.only.length === 1 ? "" : "s"} ${request.only.join(", ")}`],
      nothing: false,
    };
  }

  const changes = changesSince(applied, current);
  const scoped = [...new Set([...changes.changed, ...changes.removed, ...drift.tenants])];
  const reasons = [
    ...changes.changed.map((id) => `${id}: ${id in applied.tenants ? "edited" : "new"} since it was applied`),
    ...changes.removed.map((id) => `${id}: removed from the file`),
    ...driftReasons.filter((r) => !changes.changed.some((id) => r.startsWith(`${id}: `))),
    ...(changes.ingress ? ["the ingress: the stack settings or pgs changed since it was applied"] : []),
  ];
  if (scoped.length === 0 && !changes.ingress && !drift.ingress) {
    return { scope: { full: false, tenants: [], ingress: false, fingerprints: current }, refresh: [], replace: [], reasons, nothing: true };
  }
  if (changes.ingress || drift.ingress) {
    return {
      scope: { full: true, tenants: all, ingress: true, fingerprints: current },
      refresh,
      replace,
      reasons: [...reasons, "every tenant with it: each route depends on the ingress"],
      nothing: false,
    };
  }
  const scope: ProgramScope = { full: false, tenants: scoped, ingress: false, fingerprints: current };
  return { scope, targets: backend.targets(scope, settings, tenants, request.inState), refresh, replace, reasons, nothing: false };
}

export type { Applied };
