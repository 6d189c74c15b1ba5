/** The stack a command works on, opened through the engine, and its last outputs. */
import { type OpenedStack, selectStack } from "../engine/workspace";
import type { Target } from "./context";
import { CliError } from "./io";

/** The stack, which `pgs setup` must have created. */
export async function existingStack(t: Target): Promise<OpenedStack> {
  try {
    return await selectStack({ projectDir: t.projectDir, stack: t.stack });
  } catch (err) {
    const message = (err as Error).message;
    if (/no stack named|not found|does not exist/i.test(message)) {
      throw new CliError(`stack ${t.stack} does not exist yet: run pgs setup --stack ${t.stack} first`);
    }
    throw err;
  }
}

/** The stack's outputs, secrets revealed (for credentials; other commands print no secret). */
export async function outputs(opened: OpenedStack): Promise<Record<string, unknown>> {
  const out = await opened.stack.outputs();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.value]));
}
