import { quantityToMiB } from "../../../../lib/tenants/quantity";

describe("quantities", () => {
  test.each([
    ["512Mi", 512],
    ["1Gi", 1024],
    ["2Gi", 2048],
    ["128Mi", 128],
    ["1024Ki", 1],
    ["2048Ki", 2],
  ])("%s is %d MiB", (quantity, mib) => {
    expect(quantityToMiB(quantity)).toBe(mib);
  });

  test("sizes that are not whole MiB round up, never down to zero", () => {
    expect(quantityToMiB("1Ki")).toBe(1);
    expect(quantityToMiB("1536Ki")).toBe(2);
  });

  test("anything but a whole number with Ki, Mi, Gi or Ti is refused", () => {
    for (const bad of ["512MB", "1.5Gi", "512", "Mi", "-1Mi", "1Pi"]) expect(() => quantityToMiB(bad)).toThrow(/not a quantity/);
  });

  test("Ti, for storage", () => {
    expect(quantityToMiB("2Ti")).toBe(2 * 1024 * 1024);
  });
});
