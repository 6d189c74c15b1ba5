/** What the Kubernetes backend refuses in a valid tenants file. */
import { kubernetesProblems } from "../../../../lib/kubernetes/problems";
import { Naming } from "../../../../lib/naming";
import { resolveTenant } from "../../../../lib/tenants/tenant";

const file = { apiVersion: "pgs/v1" as const, tenants: [] };
const tenant = (entry: Record<string, unknown>) => resolveTenant({ id: "acme", ...entry } as never, file, "pgs.example.com");
const naming = new Naming("prod", "pgs-prod-");

test("a tenant Kubernetes can hold raises nothing", () => {
  expect(kubernetesProblems([tenant({}), tenant({ id: "globex", backup: { every: "6h", keep: 2 } })], naming)).toEqual([]);
});

test("a namespace over 63 characters and a schedule cron cannot say are reported per tenant, all at once", () => {
  const long = "a".repeat(60);
  expect(kubernetesProblems([tenant({ id: long }), tenant({ backup: { every: "90m", keep: 2 } })], naming)).toEqual([
    `tenant "${long}": its namespace pgs-prod-${long} would be 69 characters, and Kubernetes allows 63 (use a shorter id, or a shorter namePrefix for the stack)`,
    'tenant "acme": backup.every 90m cannot be a Kubernetes CronJob schedule (on Kubernetes use an interval that divides an hour, e.g. 15m or 30m, or a day in whole hours, e.g. 6h or 24h, or 7d)',
  ]);
});
