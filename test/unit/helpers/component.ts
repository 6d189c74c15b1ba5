/**
 * Builds components directly under Pulumi's mock runtime, in a fresh module registry (Pulumi's
 * runtime is process-global): `build` must import what it constructs itself, inside the callback.
 */
import * as path from "node:path";
import type * as pulumiType from "@pulumi/pulumi";
import type { ResourceMocks, RunResult } from "../../../app/offline/programRunner";

export async function underMocks<T>(build: (pulumi: typeof pulumiType) => Promise<T>): Promise<T> {
  let result: T | undefined;
  await jest.isolateModulesAsync(async () => {
    const pulumi = await import("@pulumi/pulumi");
    await pulumi.runtime.setMocks(
      {
        newResource: ({ name, inputs }) => ({ id: `${name}-id`, state: { ...inputs, result: `generated-${name}` } }),
        call: () => ({}),
      },
      "pgs",
      "unit",
      false,
    );
    result = await build(pulumi);
    // Registrations still in flight would otherwise reach the next test's mock monitor.
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  });
  return result as T;
}

/** The error `construct` throws, or undefined. */
export function thrownBy(construct: () => unknown): unknown {
  try {
    construct();
  } catch (err) {
    return err;
  }
  return undefined;
}

export const promiseOf = <V>(o: pulumiType.Output<V>) => new Promise<V>((resolve) => o.apply(resolve));

/**
 * Runs `build` as a program under the mock runtime (app/offline/programRunner) and records every
 * resource it registers, with its options (retainOnDelete, dependsOn, ...), which
 * `underMocks` cannot see. Like there, `build` imports what it constructs itself.
 */
export async function recordComponents(build: () => Promise<unknown>, mocks: ResourceMocks): Promise<RunResult> {
  let result: RunResult | undefined;
  await jest.isolateModulesAsync(async () => {
    const { runProgram } = await import("../../../app/offline/programRunner");
    result = await runProgram({
      projectDir: path.resolve(__dirname, "../../.."),
      stack: "unit",
      mocks,
      program: async () => {
        await build();
        return {};
      },
    });
  });
  return result!;
}
