/**
 * The mock runtime accepts two resources with one URN; the real engine refuses them. The offline
 * runner must refuse them too, by rejecting runProgram (so `pgs plan` reports it), not by crashing
 * the process. It runs in a child process because an unhandled rejection there would end jest's.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../../../..");

const CHILD = `
require("ts-node").register({ transpileOnly: true, project: ${JSON.stringify(path.join(ROOT, "tsconfig.json"))} });
const pulumi = require("@pulumi/pulumi");
const { runProgram } = require(${JSON.stringify(path.join(ROOT, "app/offline/programRunner"))});
const { planMocks } = require(${JSON.stringify(path.join(ROOT, "app/offline/planMocks"))});
class Thing extends pulumi.CustomResource { constructor(name) { super("fixture:index:Thing", name, {}); } }
const program = async () => ({ first: new Thing("same").urn, second: new Thing("same").urn });
runProgram({ projectDir: ${JSON.stringify(ROOT)}, stack: "unit", mocks: planMocks, program }).then(
  (r) => console.log("resolved with " + r.resources.length + " resources"),
  (e) => { console.log("rejected: " + e.message); process.exitCode = 7; },
);
`;

test("two resources with the same type and name make runProgram reject, without crashing the process", async () => {
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ["-e", CHILD], { cwd: ROOT, timeout: 60_000 }, (err, out, errOut) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout: out, stderr: errOut });
    });
  });
  const urn = "urn:pulumi:unit::pgs::fixture:index:Thing::same";
  const escaped = urn.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  expect({ code, stderr: stderr.trim() }).toEqual({ code: 7, stderr: "" });
  expect(stdout.trim()).toMatch(new RegExp(`^rejected: (.*: )?duplicate resource URN ${escaped}: two resources share a type and name$`));
});
