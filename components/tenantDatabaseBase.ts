/**
 * What the Docker and Kubernetes TenantDatabase components share, as pulumi-eks shares
 * NodeGroupBaseOptions and its helpers between node-group variants: the arguments every backend
 * takes, the two passwords, the SCRAM verifiers the server gets instead of them, the connection
 * string and the outputs. What differs (the image reference, how the server runs) stays in each.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Naming } from "../lib/naming";
import { scramSha256Verifier } from "../lib/postgres/scram";
import type { Tenant } from "../lib/tenants/tenant";

export interface TenantDatabaseBaseArgs {
  tenant: Tenant;
  naming: Naming;
  /** The port clients use on the ingress. */
  ingressPort: number;
  /** A custom password from secret stack config (`passwordSecret`); generated when absent. */
  customPassword?: pulumi.Output<string>;
}

export interface TenantPasswords {
  /** The tenant role's password: the custom one, or generated (a new `passwordVersion` rotates it). */
  password: pulumi.Output<string>;
  /** The bootstrap superuser's, never handed out. */
  superuserPassword: pulumi.Output<string>;
}

/** The tenant's two passwords, as children of `parent` named after the component. */
export function tenantPasswords(name: string, args: TenantDatabaseBaseArgs, parent: pulumi.Resource): TenantPasswords {
  const { tenant } = args;
  const generated = () =>
    new random.RandomPassword(
      `${name}-password`,
      {
        length: 32,
        special: false,
        ...(tenant.passwordVersion !== undefined ? { keepers: { passwordVersion: String(tenant.passwordVersion) } } : {}),
      },
      { parent },
    ).result;
  return {
    password: pulumi.secret(args.customPassword ?? generated()),
    superuserPassword: pulumi.secret(
      new random.RandomPassword(`${name}-superuser-password`, { length: 32, special: false }, { parent }).result,
    ),
  };
}

/**
 * The verifiers the server's start hook sets the two roles' passwords from (the passwords
 * themselves never enter the server), salted per stack and tenant.
 */
export function serverVerifiers(passwords: TenantPasswords, naming: Naming, tenant: Tenant) {
  const context = `${naming.stack}/${tenant.id}`;
  return {
    tenant: passwords.password.apply((p) => scramSha256Verifier(p, context)),
    superuser: passwords.superuserPassword.apply((p) => scramSha256Verifier(p, context)),
  };
}

/** What a TenantDatabase exposes, on either backend. */
export interface TenantDatabaseOutputs {
  hostname: string;
  port: number;
  database: string;
  user: string;
  password: pulumi.Output<string>;
  connectionString: pulumi.Output<string>;
}

/** The tenant's endpoint and its connection string (a secret) through the ingress, with verify-full. */
export function tenantDatabaseOutputs(args: TenantDatabaseBaseArgs, password: pulumi.Output<string>): TenantDatabaseOutputs {
  const { tenant, ingressPort } = args;
  return {
    hostname: tenant.hostname,
    port: ingressPort,
    database: tenant.database,
    user: tenant.user,
    password,
    connectionString: pulumi.secret(
      pulumi.interpolate`postgresql://${tenant.user}:${password.apply(encodeURIComponent)}@${tenant.hostname}:${ingressPort}/${tenant.database}?sslmode=verify-full`,
    ),
  };
}
