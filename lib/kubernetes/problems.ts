import { KUBERNETES_NAME_MAX, type Naming } from "../naming";
import type { Tenant } from "../tenants/tenant";
import { cronSchedule } from "./schedule";

/**
 * What a valid tenants file asks that the Kubernetes backend cannot do, one sentence per tenant
 * and problem, so that the program stops before it registers anything.
 */
export function kubernetesProblems(tenants: Tenant[], naming: Naming): string[] {
  const problems: string[] = [];
  for (const tenant of tenants) {
    const namespace = naming.tenantNamespace(tenant.id);
    if (namespace.length > KUBERNETES_NAME_MAX) {
      problems.push(
        `tenant "${tenant.id}": its namespace ${namespace} would be ${namespace.length} characters, and Kubernetes allows ${KUBERNETES_NAME_MAX} (use a shorter id, or a shorter namePrefix for the stack)`,
      );
    }
    if (tenant.backup && cronSchedule(tenant.backup) === undefined) {
      problems.push(
        `tenant "${tenant.id}": backup.every ${tenant.backup.every} cannot be a Kubernetes CronJob schedule (on Kubernetes use an interval that divides an hour, e.g. 15m or 30m, or a day in whole hours, e.g. 6h or 24h, or 7d)`,
      );
    }
  }
  return problems;
}
