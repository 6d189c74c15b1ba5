/**
 * app/offline/planMocks.ts: what `pgs plan` answers for each resource: its inputs, with what
 * providers compute at apply time left unknown, and an empty previous deployment.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { planMocks } from "../../../../app/offline/planMocks";
import type { RunResult } from "../../../../app/offline/programRunner";

const ROOT = path.resolve(__dirname, "../../../..");
const answer = (type: string, name: string, inputs: Record<string, unknown>) =>
  planMocks.newResource({ type, name, urn: `urn:pulumi:unit::pgs::${type}::${name}`, inputs }) as {
    id: string;
    state: Record<string, unknown>;
  };

test("a resource's state is its inputs, and its id the `name` input when it has one", () => {
  const inputs = { name: "pgs-dev-acme-data", driver: "local", labels: [{ label: "pgs.tenant", value: "acme" }] };
  expect(answer("docker:index/volume:Volume", "acme-data", inputs)).toEqual({ id: "pgs-dev-acme-data", state: inputs });
});

test("without a string `name` input the id is made from the logical name", () => {
  expect(answer("pulumi-nodejs:dynamic:Resource", "acme-limits", { bytes: 1 }).id).toBe("acme-limits-id");
  expect(answer("docker:index/volume:Volume", "acme-data", { name: { unknown: true } }).id).toBe("acme-data-id");
});

test.each([
  ["random:index/randomPassword:RandomPassword", ["result", "bcryptHash"]],
  ["tls:index/privateKey:PrivateKey", ["privateKeyPem", "publicKeyPem", "publicKeyOpenssh"]],
  ["tls:index/selfSignedCert:SelfSignedCert", ["certPem"]],
  ["tls:index/locallySignedCert:LocallySignedCert", ["certPem"]],
  ["tls:index/certRequest:CertRequest", ["certRequestPem"]],
  ["docker:index/remoteImage:RemoteImage", ["imageId", "repoDigest"]],
])("%s: what its provider computes (%j) is unknown, its inputs are kept", (type, computed) => {
  const { state } = answer(type, "x", { length: 24, name: "postgres:18" });
  for (const key of computed) expect(state[key]).toBe(pulumi.runtime.unknownValue);
  expect(state).toMatchObject({ length: 24, name: "postgres:18" });
});

test("an input of the same name as a computed output is not taken as the answer", () => {
  expect(answer("random:index/randomPassword:RandomPassword", "acme-password", { result: "from-the-program" }).state.result).toBe(
    pulumi.runtime.unknownValue,
  );
});

test("other resources get no unknown values", () => {
  const { state } = answer("docker:index/container:Container", "acme-postgres", { name: "pgs-dev-acme", image: "sha256:1" });
  expect(Object.values(state)).not.toContain(pulumi.runtime.unknownValue);
});

test("a StackReference reads a new stack's empty outputs", () => {
  expect(answer("pulumi:pulumi:StackReference", "previous", { name: "organization/pgs/dev" })).toEqual({
    id: "organization/pgs/dev",
    state: { name: "organization/pgs/dev", outputs: {} },
  });
});

test("the caller's inputs object is not changed", () => {
  const inputs = { length: 24 };
  answer("random:index/randomPassword:RandomPassword", "p", inputs);
  expect(inputs).toEqual({ length: 24 });
});

/** Runs a program of a password, a volume and a StackReference under planMocks; its outputs. */
async function run(preview: boolean): Promise<RunResult["outputs"]> {
  let result: RunResult | undefined;
  await jest.isolateModulesAsync(async () => {
    const sdk = await import("@pulumi/pulumi");
    const { runProgram } = await import("../../../../app/offline/programRunner");
    const { planMocks: mocks } = await import("../../../../app/offline/planMocks");
    class Password extends sdk.CustomResource {
      declare readonly result: pulumi.Output<string>;
      constructor(name: string) {
        super("random:index/randomPassword:RandomPassword", name, { length: 24, result: undefined });
      }
    }
    class Volume extends sdk.CustomResource {
      declare readonly name: pulumi.Output<string>;
      constructor(name: string) {
        super("docker:index/volume:Volume", name, { name: `pgs-unit-${name}`, driver: "local" });
      }
    }
    result = await runProgram({
      projectDir: ROOT,
      stack: "unit",
      mocks,
      preview,
      program: async () => {
        const previous = new sdk.StackReference("previous", { name: "organization/pgs/unit" });
        return {
          password: new Password("acme-password").result,
          volume: new Volume("acme-data").name,
          lastEndpoints: previous.getOutput("tenantEndpoints"),
        };
      },
    });
  });
  return result!.outputs;
}

// As `pgs plan` runs it (app/cli/check.ts): a preview, where the SDK turns the unknowns into "(known after apply)".
test("run as `pgs plan` runs it: a generated password is known after apply, inputs are known, no previous deployment", async () => {
  const outputs = await run(true);
  expect(outputs).toEqual({ password: "(known after apply)", volume: "pgs-unit-acme-data" });
  // An empty previous deployment: the output is absent, not unknown.
  expect(outputs).toHaveProperty("lastEndpoints", undefined);
});
