/**
 * A pgs stack on the real Pulumi engine, through the Automation API: the CLI runs the
 * project's own program inline (no Node.js language host is needed), against the backend and
 * secrets of app/engine/environment.ts.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import type { ProgramScope } from "../../lib/programScope";
import { projectProgram } from "../program";
import { readProjectFile } from "../../lib/project";
import { ENGINE, type EngineEnvironment, engineEnvironment } from "./environment";

export class EngineMissingError extends Error {}

/** This checkout's engine when scripts/engine.sh made one, else a `pulumi` on PATH. */
async function pulumiCommand(): Promise<PulumiCommand> {
  try {
    return existsSync(ENGINE.cli) ? await PulumiCommand.get({ root: ENGINE.root, skipVersionCheck: true }) : await PulumiCommand.get();
  } catch (err) {
    throw new EngineMissingError(
      `no Pulumi engine: run bash scripts/engine.sh (or install Pulumi) first (${(err as Error).message.split("\n")[0]})`,
    );
  }
}

export interface StackRef {
  /** The project folder: Pulumi.yaml, Pulumi.<stack>.yaml, the tenants file. */
  projectDir: string;
  stack: string;
}

export interface OpenedStack {
  stack: Stack;
  environment: EngineEnvironment;
  projectDir: string;
  /** The Pulumi CLI this stack is run with. */
  cli: string;
  /** Makes the stack's next runs build `scope` (everything, recording nothing, when undefined). */
  scope(scope: ProgramScope | undefined): void;
  /**
   * `pulumi stack export` with the secrets left encrypted. The Automation API's exportStack
   * decrypts every secret of every tenant (--show-secrets), work that grows with the stack and
   * that no reader of the export here needs; its import takes this export as it is.
   */
  exportState(): Promise<Deployment>;
}

export type Deployment = Awaited<ReturnType<Stack["exportStack"]>>;

/** As the Automation API runs the CLI: the workspace's folder and environment, the CLI's folder first on PATH (its plugins). */
async function exportState(stack: Stack, cli: string): Promise<Deployment> {
  const ws = stack.workspace as LocalWorkspace;
  const env = {
    ...process.env,
    ...(ws.pulumiHome ? { PULUMI_HOME: ws.pulumiHome } : {}),
    ...ws.envVars,
    ...(path.isAbsolute(cli) ? { PATH: `${path.dirname(cli)}${path.delimiter}${process.env.PATH ?? ""}` } : {}),
  };
  const args = ["stack", "export", "--stack", stack.name, "--non-interactive"];
  const { stdout } = await promisify(execFile)(cli, args, { cwd: ws.workDir, env, maxBuffer: 1024 * 1024 * 1024 }).catch(
    (err: Error & { stderr?: string }) => {
      throw new Error(`pulumi ${args.join(" ")} failed: ${(err.stderr ?? err.message).trim()}`);
    },
  );
  return JSON.parse(stdout) as Deployment;
}

async function workspaceOptions(ref: StackRef) {
  const environment = engineEnvironment(ref.projectDir);
  const program = await projectProgram();
  const command = await pulumiCommand();
  return {
    environment,
    cli: command.command,
    projectName: readProjectFile(ref.projectDir).name,
    program: () => program(ref.projectDir),
    scoped: (stack: Stack) => (scope: ProgramScope | undefined) => {
      (stack.workspace as LocalWorkspace).program = () => program(ref.projectDir, scope);
    },
    options: {
      workDir: ref.projectDir,
      pulumiCommand: command,
      envVars: environment.envVars,
      ...(environment.pulumiHome ? { pulumiHome: environment.pulumiHome } : {}),
    },
  };
}

/** The stack, created when it does not exist yet (secrets provider: passphrase unless given). */
export async function openStack(ref: StackRef, create: { secretsProvider?: string } = {}): Promise<OpenedStack> {
  const { environment, cli, projectName, program, scoped, options } = await workspaceOptions(ref);
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: ref.stack, projectName, program },
    { ...options, ...(create.secretsProvider ? { secretsProvider: create.secretsProvider } : {}) },
  );
  return { stack, environment, projectDir: ref.projectDir, cli, scope: scoped(stack), exportState: () => exportState(stack, cli) };
}

/** The stack, which must exist. */
export async function selectStack(ref: StackRef): Promise<OpenedStack> {
  const { environment, cli, projectName, program, scoped, options } = await workspaceOptions(ref);
  const stack = await LocalWorkspace.selectStack({ stackName: ref.stack, projectName, program }, options);
  return { stack, environment, projectDir: ref.projectDir, cli, scope: scoped(stack), exportState: () => exportState(stack, cli) };
}
