/** What a backend hands back to the program, whatever it deployed on: the stack's outputs come from it. */
import type * as pulumi from "@pulumi/pulumi";
import type { StackSettings } from "../lib/stackSettings";
import type { Tenant } from "../lib/tenants/tenant";

export interface BackendInput {
  config: pulumi.Config;
  /** The project folder (relative paths in the stack config are relative to it). */
  projectDir: string;
  settings: StackSettings;
  tenants: Tenant[];
}

export interface Deployment {
  caCertificate: pulumi.Output<string>;
  ingressEndpoint: pulumi.Input<{ address: pulumi.Input<string>; port: number }>;
  /** The port clients connect to: in tenantEndpoints and the connection strings. */
  port: number;
  /** Each tenant's connection string, by id, in the tenants file's order. */
  connectionStrings: Record<string, pulumi.Output<string>>;
}
