import * as pulumi from "@pulumi/pulumi";
import type { ProgramScope } from "../lib/programScope";

/**
 * The project's Pulumi program as a function: index.ts's `export =`, called with the project
 * folder. Plain `pulumi up` calls the same export with none (the working directory is the folder).
 */
export type Program = (projectDir: string, scope?: ProgramScope) => Promise<Record<string, unknown>>;

/**
 * The SDK records a formatted stack trace for every promise it makes (runtime/debuggable.ts
 * debuggablePromise), only to name leaked promises at exit; with hundreds of tenants that alone
 * was 40% of evaluating the program (a CPU profile of `pgs plan`). The promises stay tracked for
 * leak detection; only their stack capture is skipped.
 */
export function cheapPromiseBookkeeping(): void {
  const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
    debuggablePromise?: (p: unknown, ctx: unknown) => unknown;
    pgsCheap?: boolean;
  };
  if (typeof debuggable.debuggablePromise !== "function" || debuggable.pgsCheap) return;
  const original = debuggable.debuggablePromise;
  debuggable.debuggablePromise = (p, ctx) => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return original(p, ctx);
    } finally {
      Error.stackTraceLimit = limit;
    }
  };
  debuggable.pgsCheap = true;
}

/**
 * The SDK formats a full stack trace for every resource (Resource.callsites) and the engine keeps
 * it in the state as `sourcePosition` and `stackTrace`: at 200 tenants 1.3 MB of a 13 MB state,
 * written again at every step's checkpoint (a CPU profile of a tenant-scoped `pulumi up`: 38% in
 * saving the snapshot). Only Pulumi Cloud's "declared at" view reads them; the engine diffs
 * without them, so dropping them changes no resource.
 */
export function noSourcePositions(): void {
  (pulumi.Resource as unknown as { callsites: () => unknown[] }).callsites = () => [];
}

export async function projectProgram(): Promise<Program> {
  cheapPromiseBookkeeping();
  noSourcePositions();
  // index.ts under ts-node and jest, bundled into dist/pgs.js for the CLI; a dynamic import of a
  // CommonJS `export =` may arrive wrapped as `default` (esModuleInterop).
  const module = (await import("../index")) as unknown as Program | { default: Program };
  return typeof module === "function" ? module : module.default;
}
