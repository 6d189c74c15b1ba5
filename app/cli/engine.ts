/**
 * The commands that go through the real engine (Automation API): preview and up with progress
 * resource by resource, and the stack's outputs for list, status and credentials.
 */
import { createInterface } from "node:readline/promises";
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";
import { type ResourceStep, StepLog } from "../engine/changes";
import { planRun, type RunPlan } from "../engine/runPlan";
import type { ProgramScope } from "../engine/scope";
import { checkTenants, type Unusable } from "../ops/reachability";
import { loadOffline } from "./context";
import type { ExistingObject } from "../../backends/host";
import { forgetApplied, recoverInterrupted } from "../engine/recovery";
import type { Deployment, OpenedStack } from "../engine/workspace";
import type { Target } from "./context";
import { connectionHints } from "./inspect";
import { existingStack } from "./stack";
import { CliError, EXIT, type Io, paint } from "./io";

const SYMBOL: Partial<Record<OpType, string>> = {
  create: "+",
  update: "~",
  replace: "+-",
  delete: "-",
  discard: "-",
  "create-replacement": "+-",
  "delete-replaced": "+-",
};
const DONE: Partial<Record<OpType, string>> = {
  create: "created",
  update: "updated",
  replace: "replaced",
  delete: "deleted",
  discard: "kept (retained)",
};

/** `docker:index/container:Container` → `docker Container`. */
const shortType = (type: string) => (type.startsWith("pgs:") ? type.split(":").pop()! : `${type.split(":")[0]} ${type.split(":").pop()}`);

/** Prints each resource step as it finishes, and the engine's errors, from engine events. */
class Progress {
  private readonly started = new Map<string, number>();
  readonly errors: string[] = [];

  constructor(
    private readonly io: Io,
    private readonly live: boolean,
  ) {}

  readonly onEvent = (event: EngineEvent): void => {
    const pre = event.resourcePreEvent?.metadata;
    if (pre && pre.op !== "same" && pre.op !== "refresh" && pre.op !== "read") this.started.set(`${pre.urn} ${pre.op}`, Date.now());
    const done = event.resOutputsEvent?.metadata;
    if (done && this.live && done.op !== "same" && done.op !== "refresh" && done.op !== "read" && DONE[done.op]) {
      const since = this.started.get(`${done.urn} ${done.op}`);
      const name = done.urn.slice(done.urn.lastIndexOf("::") + 2);
      const retained = done.op === "delete" && done.old?.retainOnDelete;
      const what = retained ? "kept (retained)" : DONE[done.op]!;
      this.io.out(
        `  ${paint(this.io, done.op === "delete" ? "red" : "green", (SYMBOL[done.op] ?? " ").padEnd(2))} ${name.padEnd(32)} ${shortType(done.type).padEnd(22)} ${what}${since ? paint(this.io, "dim", ` ${((Date.now() - since) / 1000).toFixed(1)} s`) : ""}`,
      );
    }
    const diagnostic = event.diagnosticEvent;
    if (diagnostic && diagnostic.severity === "error" && !/^\s*$/.test(diagnostic.message)) this.errors.push(diagnostic.message.trim());
  };
}

/** The summary line of a run: "2 created, 1 replaced, 14 unchanged". */
export function summary(steps: StepLog, preview: boolean): string {
  const count = (ops: OpType[]) => steps.steps.filter((s) => ops.includes(s.op)).length;
  const parts = [
    [count(["create"]), preview ? "to create" : "created"],
    [count(["update"]), preview ? "to update" : "updated"],
    [count(["replace"]), preview ? "to replace" : "replaced"],
    [steps.steps.filter((s) => (s.op === "delete" || s.op === "discard") && !s.retained).length, preview ? "to delete" : "deleted"],
    [steps.steps.filter((s) => s.retained).length, preview ? "to keep (retained)" : "kept (retained)"],
    [count(["same"]), "unchanged"],
  ]
    .filter(([n]) => n !== 0)
    .map(([n, what]) => `${n} ${what}`);
  return parts.join(", ") || "no resources";
}

/** The program's own message (e.g. FILE:LINE:COL lines), or the engine's, without stack traces. */
function failure(progress: Progress, err: Error, t: Target): CliError {
  const message = err.message;
  // execa's words when the CLI died of a signal someone else sent (the OOM killer, kill -9)
  const killed = /Command was killed with (SIG[A-Z0-9]+)/.exec(message);
  if (killed) {
    return new CliError(
      `the Pulumi engine (pulumi) was killed (${killed[1]}) before it finished; ` +
        "run pgs up again: it recovers what the engine left (a stale lock, operations left pending)",
    );
  }
  const lock = /the stack is currently locked by \d+ lock\(s\)[^\n]*/.exec(message);
  if (lock) {
    return new CliError(
      `stack ${t.stack} is locked by another pulumi operation (${lock[0]}). Wait for it to finish; ` +
        "a lock left by a pulumi that no longer runs on this machine is removed by the next pgs up.",
    );
  }
  const lines = progress.errors.length > 0 ? progress.errors : message.split("\n").filter((l) => /error:/.test(l));
  const cleaned = lines
    .join("\n")
    .split("\n")
    .filter((l) => !/^\s+at .*:\d+:\d+\)?$/.test(l))
    .join("\n");
  return new CliError(cleaned || message.split("\n").slice(-5).join("\n"));
}

/** Where what an interrupted run made is looked up: the stack's backend's host. */
async function existingObjects(t: Target): Promise<ExistingObject> {
  const { loadOffline } = await import("./context");
  const { settings, backend } = loadOffline(t);
  return backend.host({ settings, projectDir: t.projectDir }).existingObject;
}

/**
 * An engine run that a signal cancels cleanly. At a terminal, Ctrl-C reaches pgs and the pulumi
 * it started alike (one process group): pulumi cancels, finishing the steps in flight, and stops
 * at once on a second Ctrl-C. pgs must outlive it, since it serves the inline program pulumi is
 * running, so it only says what happens. A SIGTERM, or a SIGINT when not at a terminal, is taken
 * to have reached pgs alone: it is passed on to pulumi as one SIGINT (cancel); a second one ends
 * pgs, and pulumi with it (the next pgs up recovers what that leaves).
 */
async function interruptible<T>(io: Io, what: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    const fromTerminal = signal === "SIGINT" && io.interactive;
    if (received === undefined) {
      received = signal;
      io.err(
        `pgs: ${signal}: cancelling the ${what}; the engine finishes the steps in flight, then stops ` +
          `(${fromTerminal ? "Ctrl-C" : signal} again stops it at once; the next pgs up recovers what that leaves)`,
      );
      if (!fromTerminal) controller.abort();
    } else if (fromTerminal) {
      io.err("pgs: stopping at once");
    } else {
      io.err(`pgs: ${signal} again: stopping at once; run pgs up to recover`);
      process.exit(EXIT.interrupted);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await run(controller.signal);
  } catch (err) {
    if (received !== undefined) {
      throw new CliError(
        `${what} interrupted (${received}): ${
          what === "preview" ? "nothing was changed" : "the steps it finished are in the stack's state; run pgs up again to finish"
        }`,
        EXIT.interrupted,
      );
    }
    throw err;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

export interface RunOptions {
  /** Build and apply every resource, whatever the record of what was applied says. */
  all?: boolean;
  /** Refresh every resource from the hosts first (a full run). */
  refresh?: boolean;
  /** A tenant-scoped command's tenants: nothing else is touched. */
  only?: string[];
}

/**
 * The stack's state as a run starts, from one `pulumi stack export`: every CLI call reads the
 * whole state, a cost that grows with the tenants, so a run reads it once for its recovery, its
 * URNs and its last outputs (secrets left encrypted: only the `applied` record is read here).
 */
export interface StateAtStart {
  deployment: Deployment;
  urns: Set<string>;
  /** The root stack's outputs; undefined for a stack never applied. */
  outputs: Record<string, unknown> | undefined;
}

export async function stateAtStart(opened: OpenedStack): Promise<StateAtStart> {
  const deployment = await opened.exportState();
  const resources =
    (deployment.deployment as { resources?: { urn: string; type: string; outputs?: Record<string, unknown> }[] }).resources ?? [];
  const root = resources.find((r) => r.type === "pulumi:pulumi:Stack")?.outputs;
  return {
    deployment,
    urns: new Set(resources.map((r) => r.urn)),
    outputs: root && Object.keys(root).length > 0 ? root : undefined,
  };
}

/** What this run touches: loaded offline, decided against the stack's record and the host (app/engine/runPlan.ts). */
async function runPlanFor(t: Target, io: Io, state: StateAtStart, options: RunOptions): Promise<RunPlan> {
  const loaded = loadOffline(t);
  const plan = await planRun({
    projectDir: t.projectDir,
    settings: loaded.settings,
    tenants: loaded.tenants,
    backend: loaded.backend,
    outputs: state.outputs,
    inState: state.urns,
    all: Boolean(options.all || options.refresh),
    ...(options.only ? { only: options.only } : {}),
  });
  if (!plan.nothing) {
    const shown = plan.reasons.slice(0, 20);
    io.out(`This run: ${shown.join("; ")}${plan.reasons.length > shown.length ? `; and ${plan.reasons.length - shown.length} more` : ""}.`);
  }
  return plan;
}

/** What a preview and an up of `plan` hand the engine: its targets, replacements, refresh, and the step log and progress as events. */
function engineOptions(signal: AbortSignal, plan: RunPlan, options: RunOptions, steps: StepLog, progress: Progress) {
  return {
    signal,
    ...(plan.targets ? { target: plan.targets } : {}),
    ...(plan.replace.length > 0 ? { replace: plan.replace } : {}),
    ...(options.refresh ? { refresh: true } : {}),
    onEvent: (e: EngineEvent) => {
      steps.onEvent(e);
      progress.onEvent(e);
    },
  };
}

/** How each step is shown in a preview: a replaced server restarts; a rewritten settings or route file does not. */
function restartNote(step: ResourceStep): string {
  if (step.type.endsWith(":ContainerFile") && step.op === "update")
    return step.name.endsWith("-settings") ? " (reload, no restart)" : " (no restart)";
  if (step.op === "replace" && /-postgres$/.test(step.name)) return " (restarts the server)";
  return "";
}

export async function preview(
  t: Target,
  io: Io,
  options: RunOptions = {},
  opened?: { stack: OpenedStack; state: StateAtStart },
): Promise<StepLog> {
  const stack = opened?.stack ?? (await existingStack(t));
  const steps = new StepLog();
  const progress = new Progress(io, false);
  const plan = await runPlanFor(t, io, opened?.state ?? (await stateAtStart(stack)), options);
  if (plan.nothing) {
    io.out(
      `Preview: nothing to change (every tenant and the ingress are as last applied, and as the ${loadOffline(t).settings.backend} host runs them).`,
    );
    return steps;
  }
  stack.scope(plan.scope);
  io.out(`Previewing stack ${t.stack} (${stack.stack.workspace.workDir})...`);
  try {
    await interruptible(io, "preview", (signal) => stack.stack.preview(engineOptions(signal, plan, options, steps, progress)));
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw failure(progress, err as Error, t);
  }
  for (const step of steps.steps.filter((s) => s.op !== "same" && s.op !== "read")) {
    const what = step.retained ? "keep (retained, not deleted)" : step.op;
    io.out(
      `  ${(SYMBOL[step.op] ?? " ").padEnd(2)} ${step.name.padEnd(32)} ${shortType(step.type).padEnd(22)} ${what}${restartNote(step)}${step.diffs.length > 0 ? paint(io, "dim", ` [${step.diffs.join(", ")}]`) : ""}`,
    );
  }
  io.out(`Preview: ${summary(steps, true)}.`);
  return steps;
}

async function confirm(io: Io, question: string): Promise<boolean> {
  const rl = createInterface({ input: io.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/**
 * `pulumi up`: recovers from an interrupted run first, works out what changed or drifted (only
 * that is built and targeted), previews and asks unless `yes`, applies with progress, and ends
 * only once every tenant it touched answers through the ingress (or is refused, disabled or
 * stopped): otherwise it fails naming the tenant and the reason its server logged, and the next
 * up tries that tenant again.
 */
export async function up(t: Target, io: Io, options: { yes: boolean } & RunOptions): Promise<StepLog> {
  const opened = await existingStack(t);
  let state = await stateAtStart(opened);
  const recovered = await recoverInterrupted(opened, await existingObjects(t), state.deployment);
  for (const line of recovered) io.out(`recovered: ${line}`);
  if (recovered.length > 0) state = await stateAtStart(opened);
  const plan = await runPlanFor(t, io, state, options);
  const steps = new StepLog();
  if (plan.nothing) {
    io.out("Nothing to change: every tenant and the ingress are as last applied, and running as applied.");
    return steps;
  }
  if (!options.yes) {
    if (!io.interactive) throw new CliError("pgs up changes the stack: pass --yes when not at a terminal", 2);
    const planned = await preview(t, io, options, { stack: opened, state });
    if (planned.steps.every((s) => s.op === "same" || s.op === "read") && plan.refresh.length === 0) {
      io.out("Nothing to change.");
      return planned;
    }
    if (!(await confirm(io, `Apply these changes to stack ${t.stack}? [y/N] `))) throw new CliError("not applied; nothing was changed");
  }
  const progress = new Progress(io, true);
  const started = Date.now();
  let out: Record<string, unknown> = {};
  opened.scope(plan.scope);
  try {
    if (plan.refresh.length > 0) {
      io.out("Reading what drifted from the host...");
      await interruptible(io, "refresh", (signal) => opened.stack.refresh({ signal, target: plan.refresh }));
    }
    io.out(`Updating stack ${t.stack}...`);
    // The outputs `up` reads once the engine is done (Automation API), secrets revealed: the
    // reachability check and the hints use them rather than read the whole state again.
    out = await interruptible(io, "update", (signal) =>
      opened.stack
        .up(engineOptions(signal, plan, options, steps, progress))
        .then((result) => Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value]))),
    );
  } catch (err) {
    await forgetAfterFailure(io, opened, plan.scope);
    if (err instanceof CliError) throw err;
    throw failure(progress, err as Error, t);
  }
  const applied = ((Date.now() - started) / 1000).toFixed(1);
  const unready = await checkReachable(t, io, out, plan.scope);
  if (unready.length > 0) {
    await forgetAfterFailure(io, opened, { ...plan.scope, full: false, tenants: unready.map((u) => u.tenant), ingress: false });
    throw new CliError(
      `applied in ${applied} s (${summary(steps, false)}), but not usable yet; the next pgs up tries again:\n${unready.map((u) => u.message).join("\n")}`,
    );
  }
  io.out(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${summary(steps, false)}.`);
  await connectionHints(t, io, out, plan.scope.full ? undefined : plan.scope.tenants);
  return steps;
}

/**
 * After a failed run, its scope is marked not applied (app/engine/recovery.ts) so that the next
 * pgs up retries it; an interrupted run is left to the next pgs up's recovery. The run's own
 * failure is what the operator needs to read: an error here only adds a line.
 */
async function forgetAfterFailure(io: Io, opened: OpenedStack, scope: ProgramScope): Promise<void> {
  try {
    await forgetApplied(opened, scope);
  } catch (err) {
    io.err(`pgs: the failed run could not be marked for a retry (${(err as Error).message.split("\n")[0]}); run pgs up --all next`);
  }
}

/** The tenants the run built, checked through the ingress (app/ops/reachability.ts); what did not hold, with why. */
async function checkReachable(t: Target, io: Io, outputs: Record<string, unknown>, scope: ProgramScope): Promise<Unusable[]> {
  const { settings, tenants, backend } = loadOffline(t);
  const started = Date.now();
  const result = await checkTenants({
    tenants: tenants.filter((x) => scope.full || scope.tenants.includes(x.id)),
    outputs,
    host: backend.host({ settings, projectDir: t.projectDir }),
  });
  if (result.unusable.length === 0 && result.checked > 0) {
    io.out(
      `Checked through the ingress: ${result.checked} tenant${result.checked === 1 ? "" : "s"} as applied, in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
    );
  }
  return result.unusable;
}
