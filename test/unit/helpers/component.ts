/**
 * Builds components directly under Pulumi's mock runtime, in a fresh module registry (Pulumi's
 * runtime is process-global): `build` must import what it constructs itself, inside the callback.
 */
import type * as pulumiType from "@pulumi/pulumi";

export async function underMocks<T>(build: (pulumi: typeof pulumiType) => Promise<T>): Promise<T> {
  let result: T | undefined;
  await jest.isolateModulesAsync(async () => {
    const pulumi = await import("@pulumi/pulumi");
    await pulumi.runtime.setMocks({
      newResource: ({ name, inputs }) => ({ id: `${name}-id`, state: { ...inputs, result: `generated-${name}` } }),
      call: () => ({}),
    }, "pgs", "unit", false);
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

export const valueOf = <V>(o: pulumiType.Output<V>) => new Promise<V>((resolve) => o.apply(resolve));
