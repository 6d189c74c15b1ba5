/**
 * app/offline/chunkedRun.ts: `pgs plan` in chunks of tenants records what one run over all of
 * them records: the same resources in the same tree order with the same inputs, and the same
 * outputs; and where the chunks' runs do not fit together, it makes that one run.
 */
import { planMocks } from "../../../../app/offline/planMocks";
import type { RunOptions, RunResult } from "../../../../app/offline/programRunner";
import { ROOT, STACK, tenantsYaml, writeTenants } from "../../helpers/program";

const ids = (n: number) => Array.from({ length: n }, (_, i) => `t${String(i).padStart(2, "0")}`);

/** The generated file of the bench (test/bench/controlPlane.ts), with some tenants of every kind. */
const GENERATED = tenantsYaml(
  ids(30)
    .map((id, i) =>
      [
        `  - id: ${id}`,
        i % 9 === 4 ? "    state: stopped" : "",
        i % 7 === 3 ? "    access: disabled" : "",
        i % 5 === 2 ? "    backup: off" : "",
        i % 8 === 6 ? "    resources: { storage: 2Gi }" : "",
      ]
        .filter(Boolean)
        .join("\n"),
    )
    .join("\n"),
  "  resources: { memory: 256Mi }\n  backup: { every: 24h, keep: 3 }",
);

/** What `pgs plan` prints of a run: the tree order of the records, and the outputs. */
async function planned(run: () => Promise<RunResult | undefined>): Promise<unknown> {
  const { treeOrder } = await import("../../../../app/offline/treeOrder");
  const result = await run();
  if (!result) return undefined;
  return {
    resources: treeOrder(result.resources).map(({ urn, type, name, parent, custom, inputs, displayInputs, options }) => ({
      urn,
      type,
      name,
      parent,
      custom,
      inputs,
      displayInputs,
      options,
    })),
    outputs: result.outputs,
    displayOutputs: result.displayOutputs,
    secretOutputs: result.secretOutputs,
  };
}

function options(tenantsFile: string): RunOptions {
  return { projectDir: ROOT, stack: STACK, mocks: planMocks, preview: true, config: { tenantsFile } };
}

/** A run in a fresh module registry (a fresh Pulumi runtime), as each `pgs plan` is. */
async function isolated<T>(body: (chunked: typeof import("../../../../app/offline/chunkedRun")) => Promise<T>): Promise<T> {
  let value: T | undefined;
  await jest.isolateModulesAsync(async () => {
    value = await body(await import("../../../../app/offline/chunkedRun"));
  });
  return value as T;
}

test("30 tenants in chunks of 7 merge into exactly what one run records", async () => {
  const file = writeTenants(GENERATED);
  const one = await isolated(async () => {
    const { runProgram } = await import("../../../../app/offline/programRunner");
    return planned(() => runProgram(options(file)));
  });
  const chunked = await isolated((c) => planned(() => c.runChunks(options(file), ids(30), 7)));
  expect(chunked).toBeDefined();
  expect(JSON.stringify(chunked)).toBe(JSON.stringify(one));
  expect((one as { resources: unknown[] }).resources.length).toBeGreaterThan(300);
});

test("a stack resource only some chunks register (one tenant's image) refuses the merge; runInChunks then makes one run", async () => {
  const file = writeTenants(
    tenantsYaml(
      `${ids(12)
        .map((id) => `  - id: ${id}`)
        .join("\n")}\n  - id: old\n    postgres: { version: 17 }`,
    ),
  );
  const tenants = [...ids(12), "old"];
  expect(await isolated((c) => c.runChunks(options(file), tenants, 5))).toBeUndefined();
  const one = await isolated(async () => {
    const { runProgram } = await import("../../../../app/offline/programRunner");
    return planned(() => runProgram(options(file)));
  });
  expect(JSON.stringify(await isolated((c) => planned(() => c.runInChunks(options(file), tenants, 5))))).toBe(JSON.stringify(one));
});

test("an invalid file fails as one run fails, with its message", async () => {
  const file = writeTenants(
    tenantsYaml(
      ids(8)
        .map((id) => `  - id: ${id}\n    hostname: same.example.com`)
        .join("\n"),
    ),
  );
  const error = (run: () => Promise<unknown>) =>
    run().then(
      () => "resolved",
      (err: Error) => err.message,
    );
  const one = await isolated(async () => {
    const { runProgram } = await import("../../../../app/offline/programRunner");
    return error(() => runProgram(options(file)));
  });
  expect(one).toMatch(/invalid input/);
  expect(await isolated((c) => error(() => c.runInChunks(options(file), ids(8), 3)))).toBe(one);
});
