/**
 * Field values written the way the Kubernetes API stores them (canonical quantities, sorted
 * lists), so that a refresh of an unchanged object finds nothing to change.
 */

/** CPUs as a canonical quantity: whole cores as a number ("1", "2"), the rest in millicores ("500m"). */
export function cpuQuantity(cpus: number): string {
  const millicores = Math.max(1, Math.round(cpus * 1000));
  return millicores % 1000 === 0 ? String(millicores / 1000) : `${millicores}m`;
}

/** MiB as a canonical quantity: the API rewrites "1024Mi" as "1Gi" and "1024Gi" as "1Ti". */
export function mebibytes(mib: number): string {
  if (mib % (1024 * 1024) === 0) return `${mib / (1024 * 1024)}Ti`;
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}

/** What each of a tenant's claims requests: its `resources.storage`, else the stack's volumeSize. */
export function claimSize(storageMiB: number | undefined, volumeSize: string): string {
  return storageMiB === undefined ? volumeSize : mebibytes(storageMiB);
}

/** `{A: "1"}` → `[{name: "A", value: "1"}]`, sorted: the same list every run. */
export function envVars(env: Record<string, string>): { name: string; value: string }[] {
  return Object.keys(env)
    .sort()
    .map((name) => ({ name, value: env[name] }));
}
