/** lib/tenants/didYouMean.ts: the "did you mean" guess behind unknown keys, values and settings. */
import { didYouMean } from "../../../../lib/tenants/didYouMean";

const TENANT_KEYS = ["id", "hostname", "database", "access", "allowFrom", "state", "postgres", "resources", "superuser", "backup"];

test("a one-letter slip finds the key it was meant to be", () => {
  expect(didYouMean("hostnme", TENANT_KEYS)).toBe("hostname");
  expect(didYouMean("databse", TENANT_KEYS)).toBe("database");
  expect(didYouMean("postgress", TENANT_KEYS)).toBe("postgres");
});

test("swapped letters count as two edits and are still found", () => {
  expect(didYouMean("acecss", TENANT_KEYS)).toBe("access");
});

test("case does not count, and the candidate is returned as written", () => {
  expect(didYouMean("ALLOWFROM", TENANT_KEYS)).toBe("allowFrom");
  expect(didYouMean("allowfrom", TENANT_KEYS)).toBe("allowFrom");
});

test("the closest candidate wins over one further away", () => {
  expect(didYouMean("stae", ["start", "state"])).toBe("state");
  expect(didYouMean("memry", ["merry-go", "memory"])).toBe("memory");
});

test("of candidates equally close, the first listed wins", () => {
  expect(didYouMean("tast", ["test", "toast"])).toBe("test");
  expect(didYouMean("tast", ["toast", "test"])).toBe("toast");
});

test("a short word allows two edits; a long word a third of its length", () => {
  // 6 letters: at most 2 edits.
  expect(didYouMean("colour", ["color"])).toBe("color");
  expect(didYouMean("abcdef", ["abcxyz"])).toBeUndefined();
  // 12 letters: at most 4 edits.
  expect(didYouMean("publishAddrs", ["publishAddress"])).toBe("publishAddress");
  expect(didYouMean("abcdefghijkl", ["abcdefghwxyz"])).toBe("abcdefghwxyz");
  expect(didYouMean("abcdefghijkl", ["abcdefgvwxyz"])).toBeUndefined();
});

test("nothing close enough, or nothing to choose from, gives no guess", () => {
  expect(didYouMean("colour", TENANT_KEYS)).toBeUndefined();
  expect(didYouMean("password", TENANT_KEYS)).toBeUndefined();
  expect(didYouMean("hostname", [])).toBeUndefined();
});

test("insertions and deletions at either end are edits like any other", () => {
  expect(didYouMean("xhostname", ["hostname"])).toBe("hostname");
  expect(didYouMean("ostname", ["hostname"])).toBe("hostname");
});

test("a word of one or two letters is no typo of anything it shares no letter with", () => {
  expect(didYouMean("db", ["id", "hostname", "database"])).toBeUndefined();
  expect(didYouMean("x", ["id"])).toBeUndefined();
  expect(didYouMean("im", ["id"])).toBe("id");
});
