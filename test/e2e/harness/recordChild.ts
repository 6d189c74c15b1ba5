/**
 * Child process of recorder.ts: Pulumi's runtime is process-global, so each run of the
 * program gets a fresh process. Results go back over IPC only, never stdout.
 */
import { runProgram } from "../../../lib/programRunner";
import { Generated, realMocks } from "./realMocks";
import type { RecordRequest } from "./recorder";

process.once("message", (request: RecordRequest) => {
  const used: Generated = {};
  runProgram({ ...request.run, mocks: realMocks(request.generated, used, request.lastOutputs) })
    .then((result) => process.send!({ ok: true, result, generated: used }, () => process.exit(0)))
    .catch((err: Error) => process.send!({ ok: false, error: err.stack ?? String(err) }, () => process.exit(1)));
});
