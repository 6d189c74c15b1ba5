/**
 * app/offline/mergeRuns.ts: chunk runs merged into one run's records, or refused when they do
 * not fit together.
 */
import { mergeRuns, type ChunkRun } from "../../../../app/offline/mergeRuns";
import type { RecordedResource, RunResult } from "../../../../app/offline/programRunner";

const OPTIONS = {
  retainOnDelete: false,
  deleteBeforeReplace: false,
  replaceOnChanges: [],
  ignoreChanges: [],
  protect: false,
  dependsOn: [],
};
const urn = (name: string) => `urn:pulumi:unit::pgs::t::${name}`;
function res(name: string, parent?: string, custom = true, inputs: Record<string, unknown> = {}): RecordedResource {
  return {
    urn: urn(name),
    type: "t",
    name,
    ...(parent ? { parent: urn(parent) } : {}),
    custom,
    inputs,
    displayInputs: inputs,
    options: OPTIONS,
  };
}
/** A tenant's component and one child. */
const tenant = (id: string) => [res(id, undefined, false), res(`${id}-data`, id)];
function run(tenants: string[], resources: RecordedResource[], outputs: Record<string, unknown> = {}, secret: string[] = []): ChunkRun {
  const result: RunResult = { project: "pgs", stack: "unit", resources, outputs, displayOutputs: outputs, secretOutputs: secret };
  return { tenants, result };
}
const names = (r: RunResult | undefined) => r?.resources.map((x) => x.name);

test("each later run's tenant resources go where they were among the stack's resources", () => {
  const merged = mergeRuns([
    run(["a"], [res("ingress", undefined, false), ...tenant("a"), res("image")]),
    run(["b"], [res("ingress", undefined, false), ...tenant("b"), res("image")]),
    run(["c"], [res("ingress", undefined, false), ...tenant("c"), res("image")]),
  ]);
  expect(names(merged)).toEqual(["ingress", "a", "a-data", "b", "b-data", "c", "c-data", "image"]);
});

test("stack resources that differ between runs (an image only one chunk needs) refuse the merge", () => {
  expect(mergeRuns([run(["a"], [...tenant("a"), res("image-17")]), run(["b"], [...tenant("b"), res("image-18")])])).toBeUndefined();
  expect(
    mergeRuns([run(["a"], [...tenant("a"), res("image", undefined, true, { name: "x" })]), run(["b"], [...tenant("b"), res("image")])]),
  ).toBeUndefined();
});

test("a URN in two runs' tenant resources refuses the merge, as one run would refuse it", () => {
  expect(mergeRuns([run(["a"], [...tenant("a"), res("x", "a")]), run(["b"], [...tenant("b"), res("x", "a")])])).toBeUndefined();
});

test("outputs: common values kept, records joined, secrets shown as [secret]", () => {
  const merged = mergeRuns([
    run(["a"], tenant("a"), { port: 5432, endpoints: { a: 1 }, strings: { a: "s" } }, ["strings"]),
    run(["b"], tenant("b"), { port: 5432, endpoints: { b: 2 }, strings: { b: "t" } }, ["strings"]),
  ]);
  expect(merged?.outputs).toEqual({ port: 5432, endpoints: { a: 1, b: 2 }, strings: { a: "s", b: "t" } });
  expect(merged?.displayOutputs).toEqual({ port: 5432, endpoints: { a: 1, b: 2 }, strings: "[secret]" });
  expect(merged?.secretOutputs).toEqual(["strings"]);
  expect(mergeRuns([run(["a"], tenant("a"), { port: 1 }), run(["b"], tenant("b"), { port: 2 })])).toBeUndefined();
});
