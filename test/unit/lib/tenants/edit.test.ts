import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { appendTenant, editTenantsFile, setTenantMajor } from "../../../../lib/tenants/edit";

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

describe("an edit keeps the file's own line endings and its byte-order mark", () => {
  const CRLF = "\uFEFFapiVersion: pgs/v1\r\ntenants:\r\n  - id: acme # the big one\r\n    postgres: { version: 17 }\r\n";
  const file = (text: string) => {
    const f = path.join(mkdtempSync(path.join(tmpdir(), "pgs-edit-")), "tenants.yaml");
    writeFileSync(f, text);
    return f;
  };
  const lineEndings = (text: string) => ({ crlf: text.split("\r\n").length - 1, lf: text.split("\n").length - 1 });

  test("pgs create into a CRLF file adds CRLF lines, and the mark stays first", async () => {
    const f = file(CRLF);
    await editTenantsFile(
      f,
      (t) => appendTenant(t, { id: "globex" }),
      () => {},
    );
    const after = readFileSync(f, "utf8");
    expect(after.startsWith("\uFEFFapiVersion: pgs/v1\r\n")).toBe(true);
    expect(after).toContain("  - id: globex\r\n");
    const { crlf, lf } = lineEndings(after);
    expect(crlf).toBe(lf);
    expect(crlf).toBe(5);
  });

  test("pgs upgrade's edit of a CRLF file keeps it CRLF", () => {
    const f = file(CRLF);
    setTenantMajor(f, "acme", 18, 17);
    const after = readFileSync(f, "utf8");
    expect(after).toContain("    postgres: { version: 18, upgradedFrom: 17 }\r\n");
    expect(lineEndings(after).crlf).toBe(lineEndings(after).lf);
  });

  test("an LF file stays LF", async () => {
    const f = file(CRLF.replace(/\r\n/g, "\n"));
    await editTenantsFile(
      f,
      (t) => appendTenant(t, { id: "globex" }),
      () => {},
    );
    expect(readFileSync(f, "utf8")).not.toContain("\r");
  });
});
