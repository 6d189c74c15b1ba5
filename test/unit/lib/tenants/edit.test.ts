import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { setTenantMajor } from "../../../../lib/tenants/edit";

test("pgs upgrade's edit of tenants.yaml keeps comments and only touches that tenant", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "pgs-edit-"));
  const file = path.join(dir, "tenants.yaml");
  writeFileSync(
    file,
    "# operators' notes\napiVersion: pgs/v1\ntenants:\n  - id: acme # the big one\n    postgres: { version: 17, settings: { work_mem: 8MB } }\n  - id: globex\n",
  );
  setTenantMajor(file, "acme", 18, 17);
  expect(readFileSync(file, "utf8")).toBe(
    "# operators' notes\napiVersion: pgs/v1\ntenants:\n  - id: acme # the big one\n    postgres: { version: 18, settings: { work_mem: 8MB }, upgradedFrom: 17 }\n  - id: globex\n",
  );
  setTenantMajor(file, "globex", 18, 17);
  expect(readFileSync(file, "utf8")).toContain("  - id: globex\n    postgres: { version: 18, upgradedFrom: 17 }\n");
});
