/**
 * The engine's targets (URN globs) of a scoped run: each tenant in scope, every resource under it,
 * the ingress when in scope, and what both backends share. Pulumi's globs: `*` does not cross a
 * `:`, `**` matches anything (pkg/resource/deploy/deployment.go getMatcher).
 */
import { currentUrn } from "../components/aliases";
import type { ProgramScope } from "../lib/programScope";
import type { StackSettings } from "../lib/stackSettings";

/** `urn:pulumi:<stack>::<project>::` */
export function urnPrefix(settings: Pick<StackSettings, "stack" | "project">): string {
  return `urn:pulumi:${settings.stack}::${settings.project}::`;
}

/**
 * A tenant's component (named by its id), components nested in it under the same name, and its
 * other resources, each named `<id>-<suffix>`. Suffixes, not `<id>-*`, so that tenant `acme`'s
 * targets never match tenant `acme-2`'s resources. A suffixed target matches custom resources
 * only: their types have a `/` in the module (`docker:index/volume:Volume`,
 * `kubernetes:core/v1:Secret`, `pulumi-nodejs:dynamic/pgs:…`) and components' (`pgs:docker:…`)
 * never, so tenant `acme`'s `acme-data` never matches the backup component of a tenant
 * called `acme-data`, which bears that tenant's id.
 */
export function tenantTargets(prefix: string, componentType: string, id: string, suffixes: readonly string[]): string[] {
  return [
    `${prefix}${componentType}::${id}`,
    `${prefix}${componentType}$**::${id}`,
    ...suffixes.map((s) => `${prefix}${componentType}$**/**::${id}-${s}`),
  ];
}

/** The ingress component and everything under it. */
export function ingressTargets(prefix: string, componentType: string): string[] {
  return [`${prefix}${componentType}::ingress`, `${prefix}${componentType}$**`];
}

export function scopedTargets(
  settings: Pick<StackSettings, "stack" | "project">,
  scope: ProgramScope,
  tenant: { type: string; suffixes: readonly string[] },
  ingressType: string,
): string[] {
  const prefix = urnPrefix(settings);
  return [
    ...scope.tenants.flatMap((id) => tenantTargets(prefix, tenant.type, id, tenant.suffixes)),
    ...(scope.ingress ? ingressTargets(prefix, ingressType) : []),
  ];
}

/** Pulumi's URN globs (pkg/resource/deploy/deployment.go getMatcher): `**` matches anything, `*` anything but `:`. */
export function urnGlob(pattern: string): RegExp {
  const part = (p: string) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^:]*");
  return new RegExp(`^${pattern.split("**").map(part).join(".*")}$`);
}

/**
 * The state's own URNs that `targets` select, as literal targets: a refresh takes only resources
 * the state has, under the names the state has them. A stack made before a component was
 * renamed has its resources under the former type until its next full run (components/aliases.ts).
 */
export function stateUrns(targets: readonly string[], inState: Iterable<string>): string[] {
  const globs = targets.map(urnGlob);
  return [...inState].filter((urn) => {
    const now = currentUrn(urn);
    return globs.some((g) => g.test(now));
  });
}
