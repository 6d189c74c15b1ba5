/** Quantities and lists as the Kubernetes API stores them. */
import { claimSize, cpuQuantity, envVars, mebibytes } from "../../../../lib/kubernetes/inputs";

test("CPUs: whole cores as numbers, the rest in millicores, never below 1m", () => {
  expect([1, 2, 0.5, 1.5, 0.1, 0.05, 0.0001].map(cpuQuantity)).toEqual(["1", "2", "500m", "1500m", "100m", "50m", "1m"]);
});

test("MiB: whole GiB as Gi, the rest as Mi", () => {
  expect([256, 1024, 1536, 2048, 64].map(mebibytes)).toEqual(["256Mi", "1Gi", "1536Mi", "2Gi", "64Mi"]);
});

test("environment variables are sorted by name", () => {
  expect(envVars({ B: "2", A: "1" })).toEqual([
    { name: "A", value: "1" },
    { name: "B", value: "2" },
  ]);
});

test("Ti where whole; a claim requests the tenant's storage, else the stack's volumeSize", () => {
  expect(mebibytes(2 * 1024 * 1024)).toBe("2Ti");
  expect(claimSize(undefined, "10Gi")).toBe("10Gi");
  expect(claimSize(1536, "10Gi")).toBe("1536Mi");
  expect(claimSize(20 * 1024, "10Gi")).toBe("20Gi");
});
