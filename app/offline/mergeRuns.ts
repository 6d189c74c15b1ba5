/**
 * Merges the runs of the program over chunks of the tenants (each a scoped run that builds only
 * its chunk) into the result of one run over them all, or refuses (undefined) when the runs do
 * not fit together so: the caller then makes that one run.
 *
 * A resource belongs to a tenant when its topmost ancestor is the component named after it; the
 * others (the ingress, the shared images, a provider) are the stack's, and every run must have
 * registered the same ones, in the same order, with the same inputs. Each tenant's resources keep
 * the places they had among the stack's resources in their own run. Outputs: what every run
 * answers alike is kept; records (tenant endpoints, connection strings) are joined, since a scoped
 * run on a new stack answers only for its own tenants.
 */
import type { RecordedResource, RunResult } from "./programRunner";
import { SECRET_PLACEHOLDER } from "./recordingMonitor";

export interface ChunkRun {
  /** The tenant ids this run built. */
  tenants: string[];
  result: RunResult;
}

/** Whether `r` is one of `tenants`'s resources: under the component named after one of them. */
function ownedBy(run: ChunkRun): (r: RecordedResource) => boolean {
  const byUrn = new Map(run.result.resources.map((r) => [r.urn, r]));
  const tenants = new Set(run.tenants);
  return (r) => {
    let top = r;
    for (let parent = top.parent && byUrn.get(top.parent); parent; parent = top.parent && byUrn.get(top.parent)) top = parent;
    return top.parent === undefined && !top.custom && tenants.has(top.name);
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function mergeResources(runs: ChunkRun[]): RecordedResource[] | undefined {
  const split = runs.map((run) => {
    const owned = ownedBy(run);
    return run.result.resources.map((r) => ({ r, owned: owned(r) }));
  });
  const stackWide = split[0].filter((x) => !x.owned).map((x) => x.r);
  const seen = new Set(stackWide.map((r) => r.urn));
  /** Per stack resource, the later runs' tenant resources registered before it; `tail`, after the last. */
  const before = new Map<string, RecordedResource[]>();
  const tail: RecordedResource[] = [];
  for (const [i, entries] of split.entries()) {
    const theirs = entries.filter((x) => !x.owned).map((x) => x.r);
    if (theirs.length !== stackWide.length || theirs.some((r, k) => !same(r, stackWide[k]))) return undefined;
    let pending: RecordedResource[] = [];
    for (const { r, owned } of entries) {
      if (!owned) {
        if (i > 0 && pending.length > 0) before.set(r.urn, [...(before.get(r.urn) ?? []), ...pending]);
        pending = [];
      } else if (seen.has(r.urn)) return undefined;
      else {
        seen.add(r.urn);
        if (i > 0) pending.push(r);
      }
    }
    if (i > 0) tail.push(...pending);
  }
  return [...split[0].flatMap(({ r, owned }) => (owned ? [r] : [...(before.get(r.urn) ?? []), r])), ...tail];
}

/** One value from every run's: the common one, or the records joined; undefined if they differ otherwise. */
function mergeValue(values: unknown[]): { value: unknown } | undefined {
  if (values.every((v) => same(v, values[0]))) return { value: values[0] };
  if (!values.every(isRecord)) return undefined;
  const value: Record<string, unknown> = {};
  for (const key of new Set(values.flatMap((v) => Object.keys(v)))) {
    const merged = mergeValue(values.filter((v) => key in v && v[key] !== undefined).map((v) => v[key]));
    if (!merged) return undefined;
    if (merged.value !== undefined) value[key] = merged.value;
  }
  return { value };
}

export function mergeRuns(runs: ChunkRun[]): RunResult | undefined {
  if (runs.length === 0) return undefined;
  const first = runs[0].result;
  const resources = mergeResources(runs);
  const keys = Object.keys(first.outputs);
  if (!resources || runs.some((run) => !same(Object.keys(run.result.outputs), keys))) return undefined;
  const outputs: Record<string, unknown> = {};
  const displayOutputs: Record<string, unknown> = {};
  const secretOutputs = keys.filter((key) => runs.some((run) => run.result.secretOutputs.includes(key)));
  for (const key of keys) {
    const merged = mergeValue(runs.map((run) => run.result.outputs[key]));
    const display = mergeValue(runs.map((run) => run.result.displayOutputs[key]));
    if (!merged || !display) return undefined;
    outputs[key] = merged.value;
    displayOutputs[key] = secretOutputs.includes(key) ? SECRET_PLACEHOLDER : display.value;
  }
  return { project: first.project, stack: first.stack, resources, outputs, displayOutputs, secretOutputs };
}
