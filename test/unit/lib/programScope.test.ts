/**
 * lib/programScope.ts declares types only (what pgs asks of one run of the program): it must stay
 * free of code, as lib/ may be loaded by the program and the CLI alike.
 */

test("the module has no runtime exports, so importing it loads nothing", async () => {
  const module = await import("../../../lib/programScope");
  expect(Object.keys(module).filter((k) => k !== "__esModule" && k !== "default")).toEqual([]);
});
