/**
 * `pgs plan` of a large tenants file: the real program run once per chunk of tenants, each a
 * scoped run (the program's ProgramScope) that builds only its chunk, with the memory of one run
 * freed before the next; the runs merged into the result of one run over all of them
 * (mergeRuns.ts), which the unit test holds to one run's records and outputs. Each run after the
 * first gets the dynamic providers' code as the first did (coldProviders.ts). Where the runs do
 * not merge, or one fails, that one run is made instead, and reports what it reports.
 *
 * Why: the SDK constructs every resource before it registers any, so one run holds the promises
 * and outputs of all of them at once (at 1000 tenants 1.8 GiB, and 40 % of the time collecting
 * garbage); a run of 50 tenants holds a twentieth of that, whatever the file's size.
 */
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { type Program, projectProgram } from "../program";
import { ColdProviders } from "./coldProviders";
import { type ChunkRun, mergeRuns } from "./mergeRuns";
import { PackedResource } from "./packedResource";
import { type RunOptions, type RunResult, runProgram } from "./programRunner";

/** Tenants per run: a run's peak memory grows with it, and each run reads the whole tenants file again. */
export const CHUNK_TENANTS = 50;

type Scope = NonNullable<Parameters<Program>[1]>;

let gc: (() => void) | undefined;
/** Installed at the first run in chunks, for the rest of the process: every run after it is a later run. */
let cold: ColdProviders | undefined;

/**
 * A full collection between runs. Without one V8 grows the heap over the garbage of the runs
 * before (at 1000 tenants 890 MiB instead of 410). It costs 30-50 ms a run, and more collecting
 * in the next run, which starts from a small heap: up to a fifth more CPU time at 1000 tenants.
 */
function collectGarbage(): void {
  if (!gc) {
    v8.setFlagsFromString("--expose-gc");
    gc = vm.runInNewContext("gc") as () => void;
  }
  gc();
}

/** The runs of `tenants` (all the file's, in its order) in chunks, merged; undefined if one fails or they do not merge. */
export async function runChunks(options: RunOptions, tenants: string[], chunkTenants: number): Promise<RunResult | undefined> {
  const program = options.program ?? (await projectProgram());
  const runs: ChunkRun[] = [];
  try {
    cold ??= new ColdProviders();
    for (let i = 0; i < tenants.length; i += chunkTenants) {
      if (i > 0) cold.nextRun();
      const chunk = tenants.slice(i, i + chunkTenants);
      // Nothing applied is recorded in a plan: the fingerprints only name what a real run would record.
      const scope: Scope = { full: false, tenants: chunk, ingress: false, fingerprints: { ingress: "", tenants: {} } };
      const result = await runProgram({ ...options, program: (dir) => program(dir, scope) });
      runs.push({ tenants: chunk, result: { ...result, resources: result.resources.map((r) => new PackedResource(r)) } });
      collectGarbage();
      if (cold.unknownProvider) return undefined;
    }
  } catch {
    return undefined;
  }
  return mergeRuns(runs);
}

/** The run of `tenants` in chunks of `chunkTenants` where that merges, else in one; resources in one run's tree order. */
export async function runInChunks(options: RunOptions, tenants: string[], chunkTenants = CHUNK_TENANTS): Promise<RunResult> {
  if (tenants.length <= chunkTenants) return runProgram(options);
  const program = options.program ?? (await projectProgram());
  const merged = await runChunks({ ...options, program }, tenants, chunkTenants);
  if (merged) return merged;
  collectGarbage();
  return runProgram({ ...options, program });
}
