/**
 * Runs the real program (index.ts) under Pulumi's mock runtime with a tenants file of the
 * test's own. Pulumi's runtime is process-global and index.ts runs on import, so every run
 * gets a fresh module registry (jest.isolateModulesAsync) and with it a fresh @pulumi/pulumi.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { RecordedResource, ResourceMocks, RunResult } from "../../../app/offline/programRunner";

export const ROOT = path.resolve(__dirname, "../../..");
/** No Pulumi.unit.yaml exists: the stack runs on Pulumi.yaml's defaults alone. */
// Each program run under jest.isolateModules loads a fresh Pulumi runtime, which adds a process exit listener.
process.setMaxListeners(50);

export const STACK = "unit";
export const PREFIX = `pgs-${STACK}-`;

export const TYPES = {
  tenant: "pgs:docker:TenantDatabase",
  ingress: "pgs:docker:TraefikIngress",
  container: "docker:index/container:Container",
  volume: "docker:index/volume:Volume",
  network: "docker:index/network:Network",
  image: "docker:index/remoteImage:RemoteImage",
  password: "random:index/randomPassword:RandomPassword",
  file: "pulumi-nodejs:dynamic/pgs:ContainerFile",
  limits: "pulumi-nodejs:dynamic/pgs:ContainerLimits",
  storage: "pulumi-nodejs:dynamic/pgs:TenantStorage",
} as const;

/**
 * What a mocked provider answers: recognisable passwords and image ids, and a log of every call.
 * `lastOutputs` is what the program's StackReference to its own stack reads (the last deployment).
 */
export function recordingMocks(
  lastOutputs: Record<string, unknown> = {},
): ResourceMocks & { calls: { type: string; name: string }[]; passwords: string[] } {
  const calls: { type: string; name: string }[] = [];
  const passwords: string[] = [];
  return {
    calls,
    passwords,
    newResource({ type, name, inputs }) {
      calls.push({ type, name });
      const state: Record<string, unknown> = { ...inputs };
      if (type === "pulumi:pulumi:StackReference") state.outputs = lastOutputs;
      if (type === TYPES.password) {
        state.result = `Gen3rated-${name}-Pw9x`;
        passwords.push(state.result as string);
      }
      if (type === TYPES.image) state.imageId = imageIdOf(String(inputs.name));
      if (type.startsWith("tls:")) {
        state.privateKeyPem = `-----BEGIN PRIVATE KEY----- ${name}`;
        state.certPem = `-----BEGIN CERTIFICATE----- ${name}`;
        state.certRequestPem = `-----BEGIN CERTIFICATE REQUEST----- ${name}`;
      }
      return { id: typeof inputs.name === "string" ? inputs.name : `${name}-id`, state };
    },
  };
}

export const imageIdOf = (ref: string) => `sha256:id-of-${ref}`;

let tmp: string | undefined;
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

export function writeTenants(yaml: string): string {
  tmp ??= mkdtempSync(path.join(tmpdir(), "pgs-program-"));
  const file = path.join(tmp, `tenants-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

export interface PlanOptions {
  /** tenants.yaml text; a file under a tmp dir is written for it. */
  tenants: string;
  config?: Record<string, string>;
  secretConfig?: Record<string, string>;
  mocks?: ResourceMocks;
  projectDir?: string;
}

export async function plan(options: PlanOptions): Promise<RunResult> {
  const tenantsFile = writeTenants(options.tenants);
  let result: RunResult | undefined;
  await jest.isolateModulesAsync(async () => {
    const { runProgram } = await import("../../../app/offline/programRunner");
    result = await runProgram({
      projectDir: options.projectDir ?? ROOT,
      stack: STACK,
      config: { tenantsFile, ...options.config },
      ...(options.secretConfig ? { secretConfig: options.secretConfig } : {}),
      mocks: options.mocks ?? recordingMocks(),
    });
  });
  return result!;
}

/** Runs the program expecting it to fail; returns what it threw. */
export async function planError(options: PlanOptions): Promise<unknown> {
  try {
    await plan(options);
  } catch (err) {
    return err;
  }
  throw new Error("expected the program to fail, but it ran");
}

export const tenantsYaml = (entries: string, defaults = "") =>
  `apiVersion: pgs/v1\n${defaults ? `defaults:\n${defaults}\n` : ""}tenants:${entries.trim() ? `\n${entries}` : " []"}\n`;

/** Lookups over a run's recorded resources. */
export class Graph {
  constructor(readonly result: RunResult) {}

  get resources(): RecordedResource[] {
    return this.result.resources;
  }

  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  tenant(id: string): RecordedResource {
    return this.one(
      this.ofType(TYPES.tenant).filter((r) => r.name === id),
      `TenantDatabase ${id}`,
    );
  }

  hasTenant(id: string): boolean {
    return this.ofType(TYPES.tenant).some((r) => r.name === id);
  }

  childrenOf(parent: RecordedResource): RecordedResource[] {
    return this.resources.filter((r) => r.parent === parent.urn);
  }

  /** Everything registered under `root`, at any depth. */
  descendantsOf(root: RecordedResource): RecordedResource[] {
    const under = (urn: string | undefined): boolean =>
      !!urn && (urn === root.urn || under(this.resources.find((r) => r.urn === urn)?.parent));
    return this.resources.filter((r) => r.urn !== root.urn && under(r.parent));
  }

  /** Every resource below `parent`, at any depth. */
  subtree(parent: RecordedResource): RecordedResource[] {
    const below = this.childrenOf(parent);
    return below.flatMap((r) => [r, ...this.subtree(r)]);
  }

  tenantChildren(id: string, type: string): RecordedResource[] {
    return this.childrenOf(this.tenant(id)).filter((r) => r.type === type);
  }

  container(id: string): RecordedResource {
    return this.one(this.tenantChildren(id, TYPES.container), `container of ${id}`);
  }
  /** The tenant's data volume. */
  volume(id: string): RecordedResource {
    return this.one(
      this.tenantChildren(id, TYPES.volume).filter((r) => r.name === `${id}-data`),
      `data volume of ${id}`,
    );
  }
  /** One of the tenant's files: its route (in Traefik's directory) or its settings (in its server). */
  file(id: string, which: "route" | "settings"): RecordedResource {
    return this.one(
      this.tenantChildren(id, TYPES.file).filter((r) => r.name === `${id}-${which}`),
      `${which} file of ${id}`,
    );
  }
  network(id: string): RecordedResource {
    return this.one(this.tenantChildren(id, TYPES.network), `network of ${id}`);
  }

  ingress(): RecordedResource {
    return this.one(this.ofType(TYPES.ingress), "TraefikIngress");
  }
  ingressContainer(): RecordedResource {
    return this.one(
      this.subtree(this.ingress()).filter((r) => r.type === TYPES.container && r.name === `${this.ingress().name}-traefik`),
      "Traefik container",
    );
  }

  /** Postgres images: RemoteImages at the top level (Traefik's image is a child of the ingress). */
  postgresImages(): RecordedResource[] {
    return this.ofType(TYPES.image).filter((r) => r.parent === undefined || !r.parent.includes("TraefikIngress"));
  }

  private one(found: RecordedResource[], what: string): RecordedResource {
    if (found.length !== 1) throw new Error(`expected exactly one ${what}, found ${found.length}`);
    return found[0];
  }
}

/** `[{label, value}]` → `{label: value}`. */
export function labelMap(labels: unknown): Record<string, string> {
  return Object.fromEntries((labels as { label: string; value: string }[]).map((l) => [l.label, l.value]));
}
