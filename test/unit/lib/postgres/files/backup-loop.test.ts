/** backup-loop.sh under sh, with `date` frozen and `sleep` reporting how long the loop waits for its first slot. */
import { backupEnv } from "../../../../../lib/postgres/backup";
import { resolveTenant } from "../../../../../lib/tenants/tenant";
import { Sandbox } from "../../../helpers/shell";

let box: Sandbox;
beforeAll(() => {
  box = new Sandbox();
  box.stub("date", 'echo "$FAKE_NOW"');
  // Reports the first sleep, then ends the loop.
  box.stub("sleep", 'echo "sleep $1"; kill -TERM $PPID');
});
afterAll(() => box.remove());

function firstSleep(every: string, at: string, now: string): number {
  const tenant = resolveTenant({ id: "acme", backup: { every, at, keep: 1 } }, { apiVersion: "pgs/v1", tenants: [] }, "pgs.example.com");
  const r = box.run("backup-loop.sh", [], { ...backupEnv(tenant, tenant.backup!, "postgres"), FAKE_NOW: String(Date.parse(now) / 1000) });
  return Number(/^sleep ([0-9]+)$/m.exec(r.stdout)?.[1]);
}

test.each([
  ["24h", "03:00", "2025-01-01T02:00:00Z", 3600],
  ["24h", "03:00", "2025-01-01T03:00:00Z", 86400],
  ["24h", "03:00", "2025-01-01T04:00:00Z", 23 * 3600],
  ["6h", "03:30", "2025-01-01T10:00:00Z", 5.5 * 3600],
  ["1m", "00:00", "2025-01-01T10:00:42Z", 18],
  // Slots count from 1970-01-01, a Thursday: a weekly backup runs on Thursdays (2025-01-01 is a Wednesday).
  ["7d", "00:00", "2025-01-01T00:00:00Z", 86400],
])("every %s at %s, at %s: the first backup is %d s away", (every, at, now, seconds) => {
  expect(firstSleep(every, at, now)).toBe(seconds);
});

test("the scheduler says when it starts and what its schedule is", () => {
  const tenant = resolveTenant(
    { id: "acme", backup: { every: "6h", at: "03:30", keep: 4 } },
    { apiVersion: "pgs/v1", tenants: [] },
    "pgs.example.com",
  );
  const r = box.run("backup-loop.sh", [], { ...backupEnv(tenant, tenant.backup!, "postgres"), FAKE_NOW: "0" });
  expect(r.stdout.split("\n")[0]).toBe("pgs-backup: scheduler started: tenant=acme every=6h at=03:30Z keep=4");
});
