/**
 * Container inputs in the form the docker provider reads back: any other form is a change on
 * every `pulumi up` (a replacement for cpus and healthcheck) or on every refresh. The e2e suite
 * proves the whole container with `pulumi preview --expect-no-changes` and `refresh`.
 */
import { dockerCapabilities, dockerCpus, dockerLabels, dockerMemory, envList, goDuration } from "../../../../lib/docker/inputs";

test.each([
  [1, "1.0"],
  [2, "2.0"],
  [0.5, "0.5"],
  [1.25, "1.25"],
  [0.1, "0.1"],
  [16, "16.0"],
  [0.000000001, "0.000000001"],
])("cpus %d is written %s, as NanoCPUs are read back", (cpus, written) => {
  expect(dockerCpus(cpus)).toBe(written);
});

test.each([
  [0, "0s"],
  [5, "5s"],
  [59, "59s"],
  [60, "1m0s"],
  [120, "2m0s"],
  [125, "2m5s"],
  [3600, "1h0m0s"],
  [3725, "1h2m5s"],
])("%d seconds is written %s, as Go's time.Duration prints it", (seconds, written) => {
  expect(goDuration(seconds)).toBe(written);
});

test("a duration must be whole, non-negative seconds", () => {
  expect(() => goDuration(1.5)).toThrow(/not a whole number of seconds/);
  expect(() => goDuration(-1)).toThrow(/not a whole number of seconds/);
});

test("capabilities carry the CAP_ prefix the engine reports; ALL stays as it is", () => {
  expect(dockerCapabilities(["NET_RAW", "CAP_CHOWN", "ALL", "NET_BIND_SERVICE"])).toEqual([
    "CAP_NET_RAW",
    "CAP_CHOWN",
    "ALL",
    "CAP_NET_BIND_SERVICE",
  ]);
});

test("the swap limit equals the memory limit, so the engine sets no default of its own (and the server never swaps)", () => {
  expect(dockerMemory(512)).toEqual({ memory: 512, memorySwap: 512 });
});

test("labels and environment are sorted, so the same values always give the same inputs", () => {
  expect(dockerLabels({ b: "2", a: "1" })).toEqual([
    { label: "a", value: "1" },
    { label: "b", value: "2" },
  ]);
  expect(envList({ B: "2", A: "x=y" })).toEqual(["A=x=y", "B=2"]);
});
