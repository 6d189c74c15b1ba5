/**
 * app/offline/recordingMonitor.ts: the offline runs' monitor records each registration and
 * answers it from the mocks, the values the SDK's own mock monitor would hand back.
 */
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import type { RunResult } from "../../../../app/offline/programRunner";

const ROOT = path.resolve(__dirname, "../../../..");

/** A secret input, a computed output the mocks answer (plain or as an Output), a resource reading it, a component's outputs. */
async function run(answer: "plain" | "output"): Promise<RunResult> {
  let result: RunResult | undefined;
  await jest.isolateModulesAsync(async () => {
    const sdk = await import("@pulumi/pulumi");
    const { runProgram } = await import("../../../../app/offline/programRunner");
    class Thing extends sdk.CustomResource {
      declare readonly computed: pulumi.Output<string>;
      constructor(name: string, props: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) {
        super("fixture:index:Thing", name, { ...props, computed: undefined }, opts);
      }
    }
    class Group extends sdk.ComponentResource {
      constructor(name: string) {
        super("fixture:index:Group", name);
        const first = new Thing(`${name}-first`, { plain: "x", list: [1, undefined], password: sdk.secret("s3cret") }, { parent: this });
        new Thing(`${name}-second`, { fromFirst: first.computed }, { parent: this, deleteBeforeReplace: true });
        this.registerOutputs({ done: true });
      }
    }
    result = await runProgram({
      projectDir: ROOT,
      stack: "unit",
      mocks: {
        newResource: ({ name, inputs }) => ({
          id: `${name}-id`,
          state: { ...inputs, computed: answer === "plain" ? `computed-${name}` : sdk.output(`computed-${name}`) },
        }),
      },
      program: async () => {
        new Group("g");
        return {};
      },
    });
  });
  return result!;
}

test.each(["plain", "output"] as const)(
  "an answer given %s: recorded inputs, secrets hidden for display, outputs read by the next resource",
  async (answer) => {
    const { resources } = await run(answer);
    const [group, first, second] = resources;
    expect(resources.map((r) => [r.name, r.parent?.split("::").pop() ?? null])).toEqual([
      ["g", null],
      ["g-first", "g"],
      ["g-second", "g"],
    ]);
    expect(group.urn).toBe("urn:pulumi:unit::pgs::fixture:index:Group::g");
    expect(first.urn).toBe("urn:pulumi:unit::pgs::fixture:index:Group$fixture:index:Thing::g-first");
    expect(first.inputs).toEqual({ plain: "x", list: [1, null], password: "s3cret" });
    expect(first.displayInputs).toEqual({ plain: "x", list: [1, null], password: "[secret]" });
    expect(second.inputs).toEqual({ fromFirst: "computed-g-first" });
    expect(second.displayInputs).toBe(second.inputs);
    expect(second.options).toMatchObject({ deleteBeforeReplace: true, dependsOn: [first.urn] });
  },
);
