/**
 * Docker container inputs written the way the docker provider reads them back
 * (kreuzwerker/terraform-provider-docker, under @pulumi/docker), so that a `pulumi up` or
 * `pulumi refresh` with nothing changed finds nothing to change. Each function names the
 * provider code whose output it matches.
 */

/**
 * `cpus` as the provider reads NanoCPUs back (internal/provider/helpers.go
 * nanoInt64ToDecimalString): whole numbers keep one decimal ("1.0"), others drop trailing zeros.
 * Anything else ("1") differs from the read-back value and forces a replacement on every up.
 */
export function dockerCpus(cpus: number): string {
  const nano = cpus.toFixed(9).replace(/0+$/, "");
  return nano.endsWith(".") ? `${nano}0` : nano;
}

/** Whole seconds as Go's time.Duration.String() writes them ("5s", "2m0s", "1h0m0s"): healthcheck timings are read back so. */
export function goDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`goDuration: ${seconds} is not a whole number of seconds`);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/** Capability names as the engine reports them (CAP_ prefix; `ALL` stays): the provider reads CapAdd/CapDrop back verbatim. */
export function dockerCapabilities(names: string[]): string[] {
  return names.map((name) => (name === "ALL" || name.startsWith("CAP_") ? name : `CAP_${name}`));
}

/** `{a: "1"}` → `[{label: "a", value: "1"}]`, sorted, the shape the provider takes. */
export function dockerLabels(labels: Record<string, string>): { label: string; value: string }[] {
  return Object.keys(labels)
    .sort()
    .map((label) => ({ label, value: labels[label] }));
}

/** `{A: "1"}` → `["A=1"]`, sorted: the same list every run. */
export function envList(env: Record<string, string>): string[] {
  return Object.keys(env)
    .sort()
    .map((key) => `${key}=${env[key]}`);
}

/**
 * Memory limit and swap limit in MB. The engine defaults the swap limit to twice the memory
 * limit and the provider reads it back, so an unset `memorySwap` shows as a change on every
 * refresh; equal values also mean the server never swaps.
 */
export function dockerMemory(memoryMiB: number): { memory: number; memorySwap: number } {
  return { memory: memoryMiB, memorySwap: memoryMiB };
}
