/**
 * What pgs asks of one run of the program (index.ts): which tenants to build, with the
 * fingerprints to record for them in the stack output `applied` (app/engine/scope.ts). A run
 * without a scope (plain `pulumi up`) builds everything and records nothing, so that pgs's next
 * run is a full one.
 */

/** The stack output `applied`: the fingerprint of what each run applied, for the ingress and each tenant. */
export interface Applied {
  ingress?: string;
  tenants: Record<string, string>;
}

export interface ProgramScope {
  /** Every tenant and the ingress (the engine gets no targets); else only `tenants` and the ingress's outputs. */
  full: boolean;
  /** The tenants this run builds (those still in the file) and whose outputs it replaces. */
  tenants: string[];
  /** Whether this run applies the ingress (its fingerprint is recorded only then). */
  ingress: boolean;
  /** The fingerprints of the file's current tenants and ingress. */
  fingerprints: Required<Applied>;
}
