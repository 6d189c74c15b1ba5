/** The CLI's output helpers (app/cli/io.ts). */
import { COLUMN_MAX, paint, table } from "../../../../app/cli/io";

const LONG = "a".repeat(63);

test("a 63-character tenant id does not widen the table: its cell ends in an ellipsis, the other rows stay narrow", () => {
  const lines = table(
    ["TENANT", "HOSTNAME", "STATE"],
    [
      [LONG, `${LONG}.pgs.example.com`, "running"],
      ["acme", "acme.pgs.example.com", "stopped"],
    ],
  );
  expect(lines[1]).toBe(`${"a".repeat(COLUMN_MAX - 1)}…  ${"a".repeat(COLUMN_MAX - 1)}…  running`);
  expect(lines[2]).toBe(`acme${" ".repeat(COLUMN_MAX - 4)}  acme.pgs.example.com${" ".repeat(COLUMN_MAX - 20)}  stopped`);
  expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(2 * COLUMN_MAX + 2 * 2 + "running".length);
});

test("the last column is never cut (a backup's file name, a drift note)", () => {
  expect(table(["TENANT", "NOTE"], [["acme", LONG]])[1]).toBe(`acme    ${LONG}`);
});

test("colour codes do not count as width", () => {
  const io = { color: true } as Parameters<typeof paint>[0];
  const lines = table(
    ["HEALTH", "UP"],
    [
      [paint(io, "green", "healthy"), "2 h"],
      ["starting", "1 s"],
    ],
  );
  expect(lines[1]).toBe("\u001b[32mhealthy\u001b[0m   2 h");
  expect(lines[2]).toBe("starting  1 s");
});
