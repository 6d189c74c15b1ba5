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

export async function projectProgram(): Promise<Program> {
  cheapPromiseBookkeeping();
  // index.ts under ts-node and jest, bundled into dist/pgs.js for the CLI; a dynamic import of a
  // CommonJS `export =` may arrive wrapped as `default` (esModuleInterop).
  const module = (await import("../index")) as unknown as Program | { default: Program };
  return typeof module === "function" ? module : module.default;
}
