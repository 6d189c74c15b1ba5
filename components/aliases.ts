/** Aliases that keep existing stacks' URNs when a component moves. */
import type * as pulumi from "@pulumi/pulumi";

/** The type token each renamed component was registered under before, by its type now. */
export const FORMER_TYPES: Readonly<Record<string, string>> = {
  "pgs:docker:TenantDatabase": "pgs:index:TenantDatabase",
  "pgs:docker:TenantBackup": "pgs:index:TenantBackup",
  "pgs:docker:TraefikIngress": "pgs:index:TraefikIngress",
};

/**
 * A component's options with the type token it was registered under before: its URN, and its
 * children's, stay those of existing stacks (as pulumi-awsx does when it renames a type).
 */
export function withOldType(opts: pulumi.ComponentResourceOptions | undefined, oldType: string): pulumi.ComponentResourceOptions {
  return { ...opts, aliases: [...(opts?.aliases ?? []), { type: oldType }] };
}

/** `withOldType` with the former type of `type` from FORMER_TYPES. */
export function withFormerType(
  opts: pulumi.ComponentResourceOptions | undefined,
  type: keyof typeof FORMER_TYPES,
): pulumi.ComponentResourceOptions {
  const former = FORMER_TYPES[type];
  if (!former) throw new Error(`no former type recorded for ${type}`);
  return withOldType(opts, former);
}

/**
 * A URN in the state of a stack made before a rename, as this release names it (what the
 * aliases make the engine see): each former type token in its type chain (`parent$child`)
 * replaced by the current one.
 */
export function currentUrn(urn: string): string {
  let out = urn;
  for (const [now, former] of Object.entries(FORMER_TYPES)) out = out.replace(new RegExp(`(?<=::|\\$)${former}(?=::|\\$)`, "g"), now);
  return out;
}
