/**
 * The offline checks: validate, plan and schema. They read the tenants file and the stack's
 * settings only, and load nothing of the operations on hosts, so that `pgs validate` starts fast.
 */
import * as path from "node:path";
import { tenantsJsonSchema } from "../../lib/tenants/schema";
import { loadOffline, type Target } from "./context";
import type { RecordedResource } from "../offline/programRunner";
import { type Io, printJson } from "./io";

export function validate(t: Target, io: Io, file: string | undefined): void {
  const { tenantsFile, tenants } = loadOffline(t, { ...(file ? { tenantsFile: file } : {}), checkSecrets: true, refuseUnknownKeys: true });
  const running = tenants.filter((x) => x.state === "running").length;
  io.out(
    `${path.relative(process.cwd(), tenantsFile) || tenantsFile}: valid, ${tenants.length} tenant${tenants.length === 1 ? "" : "s"} (${running} running)`,
  );
}

export function schema(io: Io): void {
  printJson(io, tenantsJsonSchema());
}

/** The file's tenant ids, for running the plan in chunks; none if it is invalid (the program's run reports that). */
function planTenants(t: Target, file: string | undefined): string[] {
  try {
    return loadOffline(t, file ? { tenantsFile: file } : {}).tenants.map((tenant) => tenant.id);
  } catch {
    return [];
  }
}

/** printJson of an array, one element at a time: the same text as JSON.stringify(array, null, 2). */
function printJsonArray(io: Io, length: number, element: (i: number) => unknown): void {
  if (length === 0) {
    io.out("[]");
    return;
  }
  io.out("[");
  for (let i = 0; i < length; i++) io.out(`  ${JSON.stringify(element(i), null, 2).replaceAll("\n", "\n  ")}${i < length - 1 ? "," : ""}`);
  io.out("]");
}

/** `pgs plan`: the program under Pulumi's mock runtime; every resource with its inputs, secrets shown as [secret]. */
export async function plan(t: Target, io: Io, file: string | undefined, json: boolean): Promise<void> {
  const { runInChunks } = await import("../offline/chunkedRun");
  const { planMocks } = await import("../offline/planMocks");
  const { treeOrder } = await import("../offline/treeOrder");
  const options = {
    projectDir: t.projectDir,
    stack: t.stack,
    mocks: planMocks,
    preview: true,
    ...(file ? { config: { tenantsFile: path.resolve(file) } } : {}),
  };
  const result = await runInChunks(options, planTenants(t, file));
  // One row at a time: at 1000 tenants all of them at once were a few hundred MB.
  const ordered = treeOrder(result.resources);
  const row = (r: RecordedResource) => ({
    type: r.type,
    name: r.name,
    parent: r.parent ? r.parent.split("::").pop() : null,
    inputs: r.displayInputs,
    ...(r.options.retainOnDelete || r.options.deleteBeforeReplace || r.options.replaceOnChanges.length > 0
      ? {
          options: {
            ...(r.options.retainOnDelete ? { retainOnDelete: true } : {}),
            ...(r.options.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
            ...(r.options.replaceOnChanges.length > 0 ? { replaceOnChanges: r.options.replaceOnChanges } : {}),
          },
        }
      : {}),
  });
  if (json) {
    printJsonArray(io, ordered.length, (i) => row(ordered[i]));
    return;
  }
  io.out(`Plan for stack ${result.stack} (offline, under Pulumi's mock runtime; nothing is changed):`);
  for (const r of ordered) {
    const { type, name, parent, inputs, options } = row(r);
    io.out(`\n+ ${type} ${name}${parent ? `  (parent: ${parent})` : ""}`);
    if (options) io.out(`    options: ${JSON.stringify(options)}`);
    for (const [key, value] of Object.entries(inputs)) {
      if (key === "__defaults") continue;
      io.out(`    ${key}: ${JSON.stringify(value)}`);
    }
  }
  io.out("\nOutputs:");
  for (const [key, value] of Object.entries(result.displayOutputs)) io.out(`    ${key}: ${JSON.stringify(value)}`);
  io.out(`\n${ordered.length} resources.`);
}
