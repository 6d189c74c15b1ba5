/** app/cli/inspect.ts: how `pgs status` says a tenant's storage use. */
import { storageUse } from "../../../../app/cli/inspect";

test("used of the limit, with its share; nothing without a limit", () => {
  expect(storageUse({ sizeBytes: 1024 ** 3, usedBytes: 312 * 1024 ** 2 })).toBe("312 MiB of 1.0 GiB (30%)");
  expect(storageUse({ sizeBytes: 10 * 1024 ** 3, usedBytes: 10 * 1024 ** 3 })).toBe("10.0 GiB of 10.0 GiB (100%)");
  expect(storageUse(null)).toBe("");
});
