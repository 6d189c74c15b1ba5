/** Runs the real program under real-value mocks in a child process and returns what it registered. */
import { fork } from "node:child_process";
import * as path from "node:path";
import type { RunOptions, RunResult } from "../../../lib/programRunner";
import type { Generated } from "./realMocks";

export interface RecordRequest {
  run: Omit<RunOptions, "mocks">;
  generated: Generated;
  /** Outputs of the last successful apply (what a StackReference to this stack reads). */
  lastOutputs: Record<string, unknown>;
}

type Reply = { ok: true; result: RunResult; generated: Generated } | { ok: false; error: string };

export function record(request: RecordRequest): Promise<{ result: RunResult; generated: Generated }> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, "recordChild.ts"), [], {
      execArgv: ["-r", "ts-node/register/transpile-only"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let reply: Reply | undefined;
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("message", (message: Reply) => { reply = message; });
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (reply?.ok) resolve({ result: reply.result, generated: reply.generated });
      else reject(new Error(`program run failed (exit ${code}):\n${reply && !reply.ok ? reply.error : "no reply"}`));
    });
    child.send(request);
  });
}
