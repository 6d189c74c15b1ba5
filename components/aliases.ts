/** Aliases that keep existing stacks' URNs when a component moves. */
import type * as pulumi from "@pulumi/pulumi";

/**
 * A component's options with the type token it was registered under before: its URN, and its
 * children's, stay those of existing stacks (as pulumi-awsx does when it renames a type).
 */
export function withOldType(opts: pulumi.ComponentResourceOptions | undefined, oldType: string): pulumi.ComponentResourceOptions {
  return { ...opts, aliases: [...(opts?.aliases ?? []), { type: oldType }] };
}
