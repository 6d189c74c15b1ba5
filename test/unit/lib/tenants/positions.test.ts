/** lib/tenants/positions.ts: mapping a data path back to the line and column it was written at. */
import { LineCounter, parseDocument } from "yaml";
import { YamlPositions } from "../../../../lib/tenants/positions";

const TEXT = [
  "apiVersion: pgs/v1", // 1
  "tenants:", // 2
  "  - id: acme", // 3
  "    postgres:", // 4
  "      version: 18", // 5
  "  - id: globex", // 6
  "    backup:", // 7
  '    allowFrom: [10.0.0.0/8, "::1"]', // 8
  "    7: seven", // 9
  "",
].join("\n");

function positions(text: string): YamlPositions {
  const lines = new LineCounter();
  return new YamlPositions(parseDocument(text, { lineCounter: lines }), lines);
}

const at = positions(TEXT);

test("a written value: where the value itself starts", () => {
  expect(at.ofValue(["apiVersion"])).toEqual({ line: 1, col: 13 });
  expect(at.ofValue(["tenants", 0, "id"])).toEqual({ line: 3, col: 9 });
  expect(at.ofValue(["tenants", 0, "postgres", "version"])).toEqual({ line: 5, col: 16 });
});

test("lists are indexed by number, flow lists too", () => {
  expect(at.ofValue(["tenants", 1])).toEqual({ line: 6, col: 5 });
  expect(at.ofValue(["tenants", 1, "allowFrom", 0])).toEqual({ line: 8, col: 17 });
  expect(at.ofValue(["tenants", 1, "allowFrom", 1])).toEqual({ line: 8, col: 29 });
});

test("a mapping's value starts at its first key; the whole file at 1:1", () => {
  expect(at.ofValue(["tenants", 0, "postgres"])).toEqual({ line: 5, col: 7 });
  expect(at.ofValue([])).toEqual({ line: 1, col: 1 });
});

test("a missing value: the nearest ancestor that was written", () => {
  expect(at.ofValue(["tenants", 0, "postgres", "settings", "work_mem"])).toEqual({ line: 5, col: 7 });
  expect(at.ofValue(["tenants", 0, "hostname"])).toEqual({ line: 3, col: 5 });
  expect(at.ofValue(["tenants", 9, "id"])).toEqual({ line: 3, col: 3 });
  // A list is not entered with a key.
  expect(at.ofValue(["tenants", "id"])).toEqual({ line: 3, col: 3 });
});

test("a key written with no value: where its empty value is, on the key's line", () => {
  expect(at.ofValue(["tenants", 1, "backup"]).line).toBe(7);
  expect(at.ofValue(["tenants", 1, "backup", "every"]).line).toBe(7);
});

test("a numeric path segment also finds a mapping key written as a number", () => {
  expect(at.ofValue(["tenants", 1, 7])).toEqual({ line: 9, col: 8 });
});

test("ofKey: where the key was written, not its value", () => {
  expect(at.ofKey(["tenants", 0, "postgres"], "version")).toEqual({ line: 5, col: 7 });
  expect(at.ofKey(["tenants", 1], "allowFrom")).toEqual({ line: 8, col: 5 });
  expect(at.ofKey([], "tenants")).toEqual({ line: 2, col: 1 });
});

test("ofKey of a key not written, or of something that is no mapping: where the mapping (or value) is", () => {
  expect(at.ofKey(["tenants", 0], "hostname")).toEqual({ line: 3, col: 5 });
  expect(at.ofKey(["tenants"], "id")).toEqual({ line: 3, col: 3 });
  expect(at.ofKey(["tenants", 0, "postgres", "version"], "x")).toEqual({ line: 5, col: 16 });
});

test("lines and columns count from 1 and follow the text, CRLF line ends included", () => {
  const crlf = positions("apiVersion: pgs/v1\r\ntenants:\r\n  - id: acme\r\n");
  expect(crlf.ofValue(["tenants", 0, "id"])).toEqual({ line: 3, col: 9 });
  expect(crlf.ofKey(["tenants", 0], "id")).toEqual({ line: 3, col: 5 });
});
