/**
 * The offline checks: validate, plan and schema. They read the tenants file and the stack's
 * settings only, and load nothing of the operations on hosts, so that `pgs validate` starts fast.
 */
import * as path from "node:path";
import type { RunResult } from "../offline/programRunner";
import { tenantsJsonSchema } from "../../lib/tenants/schema";
import { loadOffline, type Target } from "./context";
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

/** Registration order regrouped as a tree: each resource right after its parent, as `pulumi preview` shows them. */
function treeOrder(resources: RunResult["resources"]): RunResult["resources"] {
  const children = new Map<string | undefined, RunResult["resources"]>();
  const urns = new Set(resources.map((r) => r.urn));
  for (const r of resources) {
    const parent = r.parent && urns.has(r.parent) ? r.parent : undefined;
    const siblings = children.get(parent);
    if (siblings) siblings.push(r);
    else children.set(parent, [r]);
  }
  const ordered: RunResult["resources"] = [];
  const visit = (parent: string | undefined) => {
    for (const r of children.get(parent) ?? []) {
      ordered.push(r);
      visit(r.urn);
    }
  };
  visit(undefined);
  return ordered;
}

/** `pgs plan`: the program under Pulumi's mock runtime; every resource with its inputs, secrets shown as [secret]. */
export async function plan(t: Target, io: Io, file: string | undefined, json: boolean): Promise<void> {
  const { runProgram } = await import("../offline/programRunner");
  const { planMocks } = await import("../offline/planMocks");
  const result = await runProgram({
    projectDir: t.projectDir,
    stack: t.stack,
    mocks: planMocks,
    preview: true,
    ...(file ? { config: { tenantsFile: path.resolve(file) } } : {}),
  });
  const rows = treeOrder(result.resources).map((r) => ({
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
  }));
  if (json) return printJson(io, rows);
  io.out(`Plan for stack ${result.stack} (offline, under Pulumi's mock runtime; nothing is changed):`);
  for (const row of rows) {
    io.out(`\n+ ${row.type} ${row.name}${row.parent ? `  (parent: ${row.parent})` : ""}`);
    if ("options" in row && row.options) io.out(`    options: ${JSON.stringify(row.options)}`);
    for (const [key, value] of Object.entries(row.inputs)) {
      if (key === "__defaults") continue;
      io.out(`    ${key}: ${JSON.stringify(value)}`);
    }
  }
  io.out("\nOutputs:");
  for (const [key, value] of Object.entries(result.displayOutputs)) io.out(`    ${key}: ${JSON.stringify(value)}`);
  io.out(`\n${rows.length} resources.`);
}
