/**
 * The seam between pgs and where tenants run. The stack's `backend` setting picks one Backend,
 * once, in backends/index.ts; everything that differs between a Docker host and a Kubernetes
 * cluster is a member here. A new capability is one member, implemented by each backend.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ProgramScope } from "../lib/programScope";
import type { Backend as BackendName, StackSettings } from "../lib/stackSettings";
import type { Tenant } from "../lib/tenants/tenant";
import type { BackendHost, HostTarget } from "./host";

export interface Backend {
  readonly name: BackendName;
  /**
   * What this backend cannot do with a valid tenants file and stack settings, one sentence each;
   * the program and `pgs validate` stop on them before anything is registered.
   */
  problems(tenants: Tenant[], settings: StackSettings): string[];
  /** The stack's resources: the ingress and every tenant (Pulumi; its modules load on the first call). */
  deploy(input: BackendInput): Deployment;
  /**
   * The engine's targets (URN globs) of a run that builds only `scope`: its tenants' resources,
   * the ingress's when in scope, and shared resources the built tenants use (`tenants`: the file's)
   * that are not yet in the state (`inState`, the state's URNs).
   */
  targets(scope: ProgramScope, settings: StackSettings, tenants: Tenant[], inState?: ReadonlySet<string>): string[];
  /** The backend's machines as the operator commands reach them (docker CLI, kubectl). */
  host(target: HostTarget): BackendHost;
}

export interface BackendInput {
  config: pulumi.Config;
  /** The project folder (relative paths in the stack config are relative to it). */
  projectDir: string;
  settings: StackSettings;
  tenants: Tenant[];
}

/** What a backend hands back to the program, whatever it deployed on: the stack's outputs come from it. */
export interface Deployment {
  caCertificate: pulumi.Output<string>;
  ingressEndpoint: pulumi.Input<{ address: pulumi.Input<string>; port: number }>;
  /** The port clients connect to: in tenantEndpoints and the connection strings. */
  port: number;
  /** Each tenant's connection string, by id, in the tenants file's order. */
  connectionStrings: Record<string, pulumi.Output<string>>;
}
