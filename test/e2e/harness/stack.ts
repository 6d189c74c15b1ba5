/**
 * One e2e stack: writes tenants.yaml, records the program in a child process, applies it to
 * Docker and keeps both kinds of state (generated values, applied resources) in memory.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import * as path from "node:path";
import { stringify } from "yaml";
import type { RunResult } from "../../../lib/programRunner";
import { ensureClient, Endpoint, setCa, TEST_LABEL } from "./clients";
import { apply, AppliedState, ApplySummary, docker } from "./dockerApplier";
import type { Generated } from "./realMocks";
import { record } from "./recorder";

export const PROJECT_DIR = path.resolve(__dirname, "../../..");
export const E2E_DIR = path.join(PROJECT_DIR, ".e2e");
export const STACK = "e2e";
export const PREFIX = "pgs-e2e-";
export const IMAGES = { postgres: "pgs-local/postgres:{major}", traefik: "pgs-local/traefik:3.7.15" };

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export type TenantEntry = Record<string, unknown> & { id: string };

/** Small profile so the suite fits on 2 cores. */
export const SMALL_DEFAULTS = {
  postgres: { version: 18, settings: { max_connections: "20", shared_buffers: "16MB" } },
  resources: { memory: "256Mi", cpus: 1, shm: "64Mi" },
};

export function tenantsYaml(tenants: TenantEntry[], defaults: object = SMALL_DEFAULTS): string {
  return stringify({ apiVersion: "pgs/v1", defaults, tenants });
}

/** Every image the suite needs must be local: nothing can be pulled, and a missing one fails loudly. */
export async function requireImages(): Promise<void> {
  for (const ref of [IMAGES.traefik, "pgs-local/postgres:17", "pgs-local/postgres:18"]) {
    await docker.getImage(ref).inspect().catch((err: Error) => {
      throw new Error(`e2e: image ${ref} is missing (run bash scripts/e2e-env.sh): ${err.message}`);
    });
  }
}

/** Removes everything the e2e stack or the tests created, whatever state a failed run left. */
export async function cleanup(stack = STACK): Promise<void> {
  const filters = [`pgs.stack=${stack}`, `pgs.test=${TEST_LABEL["pgs.test"]}`];
  for (const label of filters) {
    for (const c of await docker.listContainers({ all: true, filters: { label: [label] } })) {
      await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
    }
  }
  for (const label of filters) {
    for (const n of await docker.listNetworks({ filters: { label: [label] } })) {
      await docker.getNetwork(n.Id).remove().catch(() => undefined);
    }
    const { Volumes } = await docker.listVolumes({ filters: { label: [label] } });
    for (const v of Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
  }
}

export interface StackOptions {
  stack?: string;
  namePrefix?: string;
  port: number;
  adminPort: number;
  /** Extra Pulumi config (keys as in Pulumi.yaml). */
  config?: Record<string, string>;
}

export class E2EStack {
  readonly stack: string;
  readonly prefix: string;
  private generated: Generated = {};
  readonly state: AppliedState = {};
  outputs: Record<string, unknown> = {};
  resources: RunResult["resources"] = [];
  readonly tenantsFile: string;

  constructor(readonly options: StackOptions) {
    this.stack = options.stack ?? STACK;
    this.prefix = options.namePrefix ?? PREFIX;
    this.tenantsFile = path.join(E2E_DIR, `tenants-${this.stack}.yaml`);
  }

  /**
   * Records the program for this tenants.yaml and applies it; ms covers both, like `pulumi up`.
   * `more` adds stack config (plain and secret) for this apply, as `pulumi config set` would.
   */
  async apply(yamlText: string, more: { config?: Record<string, string>; secretConfig?: Record<string, string> } = {}):
    Promise<ApplySummary & { ms: number; recordMs: number }> {
    const started = Date.now();
    mkdirSync(E2E_DIR, { recursive: true });
    writeFileSync(this.tenantsFile, yamlText);
    const { result, generated } = await record({
      run: {
        projectDir: PROJECT_DIR,
        stack: this.stack,
        config: {
          namePrefix: this.prefix,
          publishAddress: "127.0.0.1",
          publishPort: String(this.options.port),
          adminAddress: `127.0.0.1:${this.options.adminPort}`,
          postgresImage: IMAGES.postgres,
          traefikImage: IMAGES.traefik,
          tenantsFile: this.tenantsFile,
          ...this.options.config,
          ...more.config,
        },
        ...(more.secretConfig ? { secretConfig: more.secretConfig } : {}),
      },
      generated: this.generated,
      lastOutputs: this.outputs,
    });
    const recordMs = Date.now() - started;
    this.generated = generated;
    this.outputs = result.outputs;
    this.resources = result.resources;
    setCa(this.ca());
    const summary = await apply(result.resources, this.state);
    await ensureClient(this.ca());
    return { ...summary, ms: Date.now() - started, recordMs };
  }

  ca(): string {
    return String(this.outputs.caCertificate);
  }

  /** A tenant's endpoint from the stack outputs (tenantEndpoints + the secret connectionStrings). */
  endpoint(id: string): Endpoint {
    const endpoints = this.outputs.tenantEndpoints as Record<string, { hostname: string; port: number; database: string; user: string }>;
    const e = endpoints[id];
    if (!e) throw new Error(`e2e: tenant ${id} is not in the stack outputs`);
    const url = new URL((this.outputs.connectionStrings as Record<string, string>)[id]);
    return { hostname: e.hostname, port: e.port, database: e.database, user: e.user, password: decodeURIComponent(url.password) };
  }

  containerName(id: string): string { return `${this.prefix}${id}`; }
  networkName(id: string): string { return `${this.prefix}${id}-net`; }
  volumeName(id: string): string { return `${this.prefix}${id}-data`; }
  traefikName(): string { return `${this.prefix}traefik`; }
}
