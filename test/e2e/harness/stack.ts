/**
 * One end-to-end stack on the real Pulumi engine: a project folder of its own (Pulumi.yaml, the
 * stack's config, tenants.yaml, a local file backend and passphrase), opened through the same
 * Automation API code as `pgs up` (app/engine), against the local Docker engine.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { ConfigMap, EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { stringify } from "yaml";
import { loadOffline } from "../../../app/cli/context";
import { StepLog } from "../../../app/engine/changes";
import { checkTenants } from "../../../app/ops/reachability";
import { ENGINE } from "../../../app/engine/environment";
import { recoverInterrupted } from "../../../app/engine/recovery";
import { dockerObject } from "../../../backends/docker/host";
import { openStack, type OpenedStack } from "../../../app/engine/workspace";
import { LOCAL_IMAGES, localImageConfig } from "../../../lib/localImages";
import { Naming } from "../../../lib/naming";
import { SOURCE_DIR } from "../../../lib/project";
import { caFileName, ensureClient, type Endpoint, setCa, TEST_LABEL } from "./clients";
import { claimStack, danglingVolumes, docker } from "./facts";

export const PROJECT_DIR = SOURCE_DIR;
/** The `pgs` command as operators run it. */
export const PGS = path.join(SOURCE_DIR, "bin", "pgs");

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * A free port for a stack's Traefik, below the kernel's ephemeral range (32768-60999): a port
 * from that range can be taken, before Traefik binds it, by any outgoing connection or by the
 * engine's own gRPC listeners of a suite running beside (seen: Traefik never healthy).
 */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (await bindable(port)) return port;
  }
  throw new Error("e2e: no free port in 20000-31999");
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
  for (const ref of [LOCAL_IMAGES.traefik, ...[17, 18].map((m) => LOCAL_IMAGES.postgres.replace("{major}", String(m)))]) {
    await docker
      .getImage(ref)
      .inspect()
      .catch((err: Error) => {
        throw new Error(`e2e: image ${ref} is missing (run bash test/e2e/env.sh): ${err.message}`);
      });
  }
}

async function removeLabelled(label: string): Promise<void> {
  for (const c of await docker.listContainers({ all: true, filters: { label: [label] } })) {
    await docker
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  }
  for (const n of await docker.listNetworks({ filters: { label: [label] } })) {
    await docker
      .getNetwork(n.Id)
      .remove()
      .catch(() => undefined);
  }
  const { Volumes } = await docker.listVolumes({ filters: { label: [label] } });
  for (const v of Volumes ?? [])
    await docker
      .getVolume(v.Name)
      .remove()
      .catch(() => undefined);
}

/**
 * Removes everything a stack created on Docker, whatever state a failed run left, and makes it
 * one of this test file's stacks (danglingVolumes). Only the stack's own objects: suites run side
 * by side, and the tests' shared objects (pgs.test=e2e) go in cleanupTestObjects.
 */
export async function cleanupDocker(stack: string): Promise<void> {
  claimStack(stack);
  await removeLabelled(`pgs.stack=${stack}`);
}

/** Removes what the tests themselves made on Docker (pgs.test=e2e: the psql client, SeaweedFS …): before and after a run of suites (jest's globalSetup and globalTeardown). */
export async function cleanupTestObjects(): Promise<void> {
  await removeLabelled(`pgs.test=${TEST_LABEL["pgs.test"]}`);
}

export interface StackOptions {
  stack: string;
  port: number;
  adminPort: number;
  /** Extra Pulumi config (keys as in Pulumi.yaml), kept for every operation. */
  config?: Record<string, string>;
  /** Removes what the stack made outside Docker (a Kubernetes stack's namespaces), whatever state a failed run left. */
  cleanup?: (stack: string) => Promise<void>;
}

export interface ConfigChange {
  /** Plain config for this operation, over the stack's own. */
  config?: Record<string, string>;
  /** Secret config for this operation. */
  secretConfig?: Record<string, string>;
}

/** How a `pgs up` that a test interrupted ended, and what it printed. */
export interface Interrupted {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface Applied {
  steps: StepLog;
  ms: number;
}

function run(
  file: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: { ...process.env, ...env }, cwd, maxBuffer: 256 * 1024 * 1024, timeout: 600_000 },
      (err, stdout, stderr) => {
        resolve({
          code: err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0,
          stdout,
          stderr,
        });
      },
    );
  });
}

export class TestStack {
  readonly naming: Naming;
  readonly tenantsFile: string;
  outputs: Record<string, unknown> = {};
  private opened!: OpenedStack;
  private configKeys = new Set<string>();
  private readonly danglingBefore: Promise<string[]>;

  private constructor(
    readonly options: StackOptions,
    readonly projectDir: string,
  ) {
    this.naming = new Naming(options.stack, `pgs-${options.stack}-`);
    this.tenantsFile = path.join(projectDir, "tenants.yaml");
    this.danglingBefore = danglingVolumes();
  }

  /** A fresh project folder and stack; anything an earlier run left on Docker is removed first. */
  static async create(options: StackOptions): Promise<TestStack> {
    await docker.ping();
    await requireImages();
    await cleanupDocker(options.stack);
    await options.cleanup?.(options.stack);
    mkdirSync(path.join(SOURCE_DIR, ".e2e"), { recursive: true });
    const projectDir = mkdtempSync(path.join(tmpdir(), `pgs-e2e-${options.stack}-`));
    copyFileSync(path.join(SOURCE_DIR, "Pulumi.yaml"), path.join(projectDir, "Pulumi.yaml"));
    writeFileSync(path.join(projectDir, "tenants.yaml"), tenantsYaml([]));
    const stack = new TestStack(options, projectDir);
    stack.opened = await openStack({ projectDir, stack: options.stack });
    return stack;
  }

  get stack(): Stack {
    return this.opened.stack;
  }

  /** The environment the plain CLI needs for this stack (backend, passphrase, engine). */
  get env(): Record<string, string> {
    return {
      ...this.opened.environment.envVars,
      ...(this.opened.environment.pulumiHome ? { PULUMI_HOME: this.opened.environment.pulumiHome } : {}),
      PATH: `${path.dirname(ENGINE.cli)}:${process.env.PATH}`,
    };
  }

  private pgsArgv(args: string[]): string[] {
    return [...args, "--stack", this.options.stack];
  }

  /** The `pgs` command, in its own process, in this stack's project folder. */
  pgs(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return run(PGS, this.pgsArgv(args), { NO_COLOR: "1" }, this.projectDir);
  }

  /** The same, as a running child process (for tests that signal it, or its pulumi, midway). */
  spawnPgs(args: string[]): ChildProcess {
    return spawn(PGS, this.pgsArgv(args), { cwd: this.projectDir, env: { ...process.env, NO_COLOR: "1" } });
  }

  /** The plain Pulumi CLI in this stack's project folder. */
  pulumi(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return run("pulumi", [...args, "--stack", this.options.stack, "--non-interactive"], this.env, this.projectDir);
  }

  /** The plain config this stack runs with (and `change` adds). */
  plainConfig(change: ConfigChange = {}): Record<string, string> {
    return {
      namePrefix: this.naming.prefix,
      publishAddress: "127.0.0.1",
      publishPort: String(this.options.port),
      adminAddress: `127.0.0.1:${this.options.adminPort}`,
      ...localImageConfig(),
      ...this.options.config,
      ...change.config,
    };
  }

  private async setConfig(change: ConfigChange): Promise<void> {
    const plain = this.plainConfig(change);
    const all: ConfigMap = {};
    for (const [k, v] of Object.entries(plain)) all[k] = { value: v };
    for (const [k, v] of Object.entries(change.secretConfig ?? {})) all[k] = { value: v, secret: true };
    const stale = [...this.configKeys].filter((k) => !(k in all));
    if (stale.length > 0) await this.stack.removeAllConfig(stale);
    await this.stack.setAllConfig(all);
    this.configKeys = new Set(Object.keys(all));
  }

  /** Writes tenants.yaml and sets the config, as `up` does, for a `pgs up` run in its own process. */
  async prepare(tenants: string, change: ConfigChange = {}): Promise<void> {
    writeFileSync(this.tenantsFile, tenants);
    await this.setConfig(change);
  }

  /**
   * `pgs up --yes` of `tenants` in its own process, as an operator runs it; `interrupt` is called
   * once, as soon as `ready()` holds (polled), and the run is awaited to its end.
   */
  async upInterrupted(
    tenants: string,
    change: ConfigChange,
    ready: () => Promise<boolean>,
    interrupt: (child: ChildProcess) => void,
  ): Promise<Interrupted> {
    await this.prepare(tenants, change);
    const child = this.spawnPgs(["up", "--yes"]);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    let done = false;
    const exited = new Promise<Pick<Interrupted, "code" | "signal">>((resolve) =>
      child.on("exit", (code, signal) => {
        done = true;
        resolve({ code, signal });
      }),
    );
    while (!done && !(await ready())) await new Promise((r) => setTimeout(r, 100));
    if (done) throw new Error(`e2e: pgs up ended before the moment to interrupt it:\n${stdout}${stderr}`);
    interrupt(child);
    return { ...(await exited), stdout, stderr };
  }

  /** SIGKILL to the pulumi CLI running this stack's update (`pulumi up ... --stack NAME`); how many. */
  killEngine(): number {
    const found = spawnSync("pgrep", ["-f", `pulumi up .*--stack ${this.options.stack}( |$)`], { encoding: "utf8" });
    const pids = found.stdout.trim().split("\n").filter(Boolean).map(Number);
    for (const pid of pids) process.kill(pid, "SIGKILL");
    return pids.length;
  }

  /**
   * Writes tenants.yaml (unless undefined), sets the config, runs `pulumi up` (every resource,
   * as plain `pulumi up` does) and reads the outputs; then waits, as `pgs up` does, until every
   * tenant is as applied for clients through the ingress (`check: false` leaves that out).
   */
  async up(
    tenants: string | undefined,
    change: ConfigChange = {},
    options: { signal?: AbortSignal; onEvent?: (e: EngineEvent) => void; check?: boolean } = {},
  ): Promise<Applied> {
    const started = Date.now();
    if (tenants !== undefined) writeFileSync(this.tenantsFile, tenants);
    await this.setConfig(change);
    const steps = new StepLog();
    const onEvent = (e: EngineEvent) => {
      steps.onEvent(e);
      options.onEvent?.(e);
    };
    await this.stack.up({ onEvent, ...(options.signal ? { signal: options.signal } : {}) });
    await this.readOutputs();
    const ms = Date.now() - started;
    if (options.check !== false) await this.converged();
    return { steps, ms };
  }

  async preview(tenants: string | undefined, change: ConfigChange = {}, options: { expectNoChanges?: boolean } = {}): Promise<Applied> {
    const started = Date.now();
    if (tenants !== undefined) writeFileSync(this.tenantsFile, tenants);
    await this.setConfig(change);
    const steps = new StepLog();
    await this.stack.preview({ onEvent: steps.onEvent, ...(options.expectNoChanges ? { expectNoChanges: true } : {}) });
    return { steps, ms: Date.now() - started };
  }

  async refresh(options: { expectNoChanges?: boolean } = {}): Promise<Applied> {
    const started = Date.now();
    const steps = new StepLog();
    await this.stack.refresh({ onEvent: steps.onEvent, ...(options.expectNoChanges ? { expectNoChanges: true } : {}) });
    return { steps, ms: Date.now() - started };
  }

  /** What `pgs up` does after an interrupted run: a stale lock and pending operations resolved. */
  recover(): Promise<string[]> {
    return recoverInterrupted(this.opened, dockerObject);
  }

  /** Every tenant of the file as applied for clients (app/ops/reachability.ts, what pgs up checks); throws saying which is not. */
  async converged(): Promise<void> {
    const { settings, tenants, backend } = loadOffline({ projectDir: this.projectDir, stack: this.options.stack });
    const { unusable } = await checkTenants({
      tenants,
      outputs: this.outputs,
      host: backend.host({ settings, projectDir: this.projectDir }),
    });
    if (unusable.length > 0) throw new Error(`e2e: not as applied:\n${unusable.map((u) => u.message).join("\n")}`);
  }

  async readOutputs(): Promise<void> {
    const outputs = await this.stack.outputs();
    this.outputs = Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value]));
    if (this.outputs.caCertificate) {
      setCa(this.ca());
      await ensureClient(this.ca());
    }
  }

  ca(): string {
    return String(this.outputs.caCertificate);
  }

  /** A tenant's endpoint from the stack outputs (tenantEndpoints + the secret connectionStrings). */
  endpoint(id: string): Endpoint {
    const endpoints = this.outputs.tenantEndpoints as Record<string, { hostname: string; port: number; database: string; user: string }>;
    const e = endpoints?.[id];
    if (!e) throw new Error(`e2e: tenant ${id} is not in the stack outputs`);
    const url = new URL((this.outputs.connectionStrings as Record<string, string>)[id]);
    const address = (this.outputs.ingressEndpoint as { address?: string } | undefined)?.address;
    return {
      hostname: e.hostname,
      port: e.port,
      database: e.database,
      user: e.user,
      password: decodeURIComponent(url.password),
      caFile: caFileName(this.ca()),
      ...(address && address !== "0.0.0.0" ? { address } : {}),
    };
  }

  /**
   * Destroys the stack's resources on Docker and its project folder, and fails if the suite left
   * an unnamed, unlabelled volume behind that was not there before it started.
   */
  async dispose(): Promise<void> {
    await cleanupDocker(this.options.stack);
    await this.options.cleanup?.(this.options.stack);
    rmSync(this.projectDir, { recursive: true, force: true });
    const before = new Set(await this.danglingBefore);
    const left = (await danglingVolumes()).filter((v) => !before.has(v));
    if (left.length > 0) throw new Error(`e2e: the suite left ${left.length} unlabelled volume(s) behind: ${left.join(", ")}`);
  }
}

/** What an up did to Docker objects, by logical name. */
export interface DockerChanges {
  created: string[];
  replaced: string[];
  updated: string[];
  deleted: string[];
  retained: string[];
}

export function dockerChanges(steps: StepLog): DockerChanges {
  const of = (op: string) =>
    steps.steps
      .filter((s) => s.type.startsWith("docker:") && s.op === op)
      .map((s) => s.name)
      .sort();
  return {
    created: of("create"),
    replaced: of("replace"),
    updated: of("update"),
    deleted: [...of("delete"), ...of("discard")].sort(),
    retained: steps.steps
      .filter((s) => s.type.startsWith("docker:") && s.retained)
      .map((s) => s.name)
      .sort(),
  };
}
