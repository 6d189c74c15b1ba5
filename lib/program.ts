/**
 * The project's Pulumi program as a function: index.ts's `export =`, called with the project
 * folder. Plain `pulumi up` calls the same export with none (the working directory is the folder).
 */
export type Program = (projectDir: string) => Promise<Record<string, unknown>>;

export async function projectProgram(): Promise<Program> {
  // index.ts under ts-node and jest, dist/index.js when compiled; a dynamic import of a
  // CommonJS `export =` may arrive wrapped as `default` (esModuleInterop).
  const module = (await import("../index")) as unknown as Program | { default: Program };
  return typeof module === "function" ? module : module.default;
}
