/**
 * Runs the real Pulumi program (index.ts) under Pulumi's mock runtime and records every
 * resource it registers: type, name, parent, resolved inputs and resource options. Used by
 * `pgs plan`, the unit tests and the end-to-end applier, so there is one implementation.
 */
import * as pulumi from "@pulumi/pulumi";
import { type Program, projectProgram } from "../program";
import { stackConfig } from "../../lib/project";
import {
  type Monitor,
  type RecordedResource,
  type ResourceMocks,
  recordInto,
  SECRET_PLACEHOLDER,
  UNKNOWN_PLACEHOLDER,
  urnOf,
} from "./recordingMonitor";

export type { RecordedResource, ResourceMocks } from "./recordingMonitor";

/** What a value the engine only knows at apply time (e.g. a new password) is shown as; and a secret. */
export { SECRET_PLACEHOLDER, UNKNOWN_PLACEHOLDER };

export interface RunOptions {
  projectDir: string;
  stack: string;
  /** `key` or `project:key` → value; applied over Pulumi.yaml defaults and Pulumi.<stack>.yaml. */
  config?: Record<string, string>;
  /** Keys (`project:key`) whose values are secrets. */
  secretConfig?: Record<string, string>;
  mocks: ResourceMocks;
  /** The program to run; default this project's (index.ts), called with `projectDir`. */
  program?: Program;
  /**
   * Run as a preview: outputs the mocks leave out are unknown, as in `pulumi preview` of a new
   * stack, and nothing computed from them (e.g. password verifiers) is computed.
   */
  preview?: boolean;
}

export interface RunResult {
  project: string;
  stack: string;
  resources: RecordedResource[];
  /** Stack outputs, secrets revealed. */
  outputs: Record<string, unknown>;
  /** Stack outputs, secrets as "[secret]". */
  displayOutputs: Record<string, unknown>;
  /** Names of outputs that are secret. */
  secretOutputs: string[];
}

async function resolveOutput(value: unknown): Promise<{ value: unknown; secret: boolean }> {
  const output: pulumi.Output<unknown> = pulumi.output(value as pulumi.Input<unknown>) as pulumi.Output<unknown>;
  // An unknown output never runs its apply callbacks (the SDK's OutputImpl.isKnown).
  if (!(await (output as unknown as { isKnown: Promise<boolean> }).isKnown))
    return { value: UNKNOWN_PLACEHOLDER, secret: await pulumi.isSecret(output) };
  const [resolved, secret] = await Promise.all([
    new Promise<unknown>((resolve) =>
      output.apply((v) => {
        resolve(v);
        return v;
      }),
    ),
    pulumi.isSecret(output),
  ]);
  return { value: resolved, secret };
}

type WaitForRpcs = () => Promise<void>;

/**
 * Two pieces of the SDK's bookkeeping that only serve a real deployment, switched off for the
 * offline runs (a CPU profile of `pgs plan` of 1000 tenants: a quarter of the time and a third
 * of the peak memory). debuggablePromise tags every promise and chains two more onto it to name
 * leaked ones at exit; runProgram waits for every RPC itself. Resource.callsites() formats a
 * full stack trace per resource for the engine's source positions; there is no engine here.
 * A real deployment later in the same process (the e2e suite) loses only those two debugging aids.
 */
function offlineRuntime(): void {
  const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise?: (p: unknown, ctx: unknown) => unknown };
  if (typeof debuggable.debuggablePromise !== "function")
    throw new Error("this @pulumi/pulumi has no runtime/debuggable.debuggablePromise");
  debuggable.debuggablePromise = (p) => p;
  (pulumi.Resource as unknown as { callsites: () => unknown[] }).callsites = () => [];
}

export async function runProgram(options: RunOptions): Promise<RunResult> {
  const { project, config, secretKeys } = stackConfig(options.projectDir, options.stack, {
    ...options.config,
    ...options.secretConfig,
  });
  const allSecretKeys = [...secretKeys, ...Object.keys(options.secretConfig ?? {}).map((k) => (k.includes(":") ? k : `${project}:${k}`))];

  const resources: RecordedResource[] = [];
  const failures: Error[] = [];

  offlineRuntime();
  pulumi.runtime.setAllConfig(config, allSecretKeys);
  // The SDK's mock monitor answers reads (the StackReference) through here; registrations go to recordInto.
  await pulumi.runtime.setMocks(
    {
      newResource: async (args) => {
        const urn = urnOf(options.stack, project, undefined, args.type, args.name);
        const result = await options.mocks.newResource({ type: args.type, name: args.name, urn, inputs: args.inputs });
        return { id: result.id, state: result.state };
      },
      call: () => {
        throw new Error("pgs makes no provider calls");
      },
    },
    project,
    options.stack,
    options.preview ?? false,
    "organization",
  );
  recordInto(pulumi.runtime.getMonitor() as unknown as Monitor, {
    stack: options.stack,
    project,
    mocks: options.mocks,
    resources,
    failures,
  });

  // A failed registration (e.g. a RunError thrown from an apply) surfaces as an unhandled
  // rejection in the SDK; collect it and fail the run with it, as the CLI would.
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => {
    rejections.push(reason);
  };
  process.on("unhandledRejection", onRejection);
  try {
    return await runAndCollect();
  } finally {
    process.off("unhandledRejection", onRejection);
  }

  async function runAndCollect(): Promise<RunResult> {
    // The project's program: index.ts under ts-node and jest, bundled into dist/pgs.js for the CLI.
    const main = options.program ?? (await projectProgram());
    const exportedValues = (await main(options.projectDir)) ?? {};
    const exported = Object.entries(exportedValues).filter(([key]) => key !== "default" && key !== "__esModule");
    const outputs: Record<string, unknown> = {};
    const displayOutputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    for (const [key, value] of exported) {
      const resolved = await resolveOutput(value);
      outputs[key] = resolved.value;
      displayOutputs[key] = resolved.secret ? SECRET_PLACEHOLDER : resolved.value;
      if (resolved.secret) secretOutputs.push(key);
    }
    const waitForRpcs = (pulumi.runtime as unknown as { waitForRPCs?: WaitForRpcs }).waitForRPCs;
    if (typeof waitForRpcs !== "function") throw new Error("this @pulumi/pulumi has no runtime.waitForRPCs");
    await waitForRpcs();
    await new Promise((resolve) => setImmediate(resolve));
    if (failures.length > 0) throw failures[0];
    if (rejections.length > 0) {
      const first = rejections[0];
      throw first instanceof Error ? first : new Error(String(first));
    }
    return { project, stack: options.stack, resources, outputs, displayOutputs, secretOutputs };
  }
}
