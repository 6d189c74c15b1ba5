/** app/engine/changes.ts: the steps of an engine run, collected from the Automation API's engine events. */
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";
import { StepLog } from "../../../../app/engine/changes";

const PREFIX = "urn:pulumi:dev::pgs::";
const VOLUME = "docker:index/volume:Volume";
const CONTAINER = "docker:index/container:Container";
const urnOf = (type: string, name: string) => `${PREFIX}pgs:docker:TenantDatabase$${type}::${name}`;

let sequence = 0;
interface Step {
  op: OpType;
  type: string;
  name: string;
  diffs?: string[];
  retainOnDelete?: boolean;
  urn?: string;
}
function metadata(s: Step) {
  return {
    op: s.op,
    urn: s.urn ?? urnOf(s.type, s.name),
    type: s.type,
    provider: "",
    ...(s.diffs ? { diffs: s.diffs } : {}),
    ...(s.retainOnDelete !== undefined ? { old: { retainOnDelete: s.retainOnDelete } } : {}),
  };
}
const pre = (s: Step) => ({ sequence: ++sequence, timestamp: 0, resourcePreEvent: { metadata: metadata(s) } }) as unknown as EngineEvent;
const outputs = (s: Step) => ({ sequence: ++sequence, timestamp: 0, resOutputsEvent: { metadata: metadata(s) } }) as unknown as EngineEvent;

function logOf(events: EngineEvent[]): StepLog {
  const log = new StepLog();
  for (const e of events) log.onEvent(e);
  return log;
}

test("each resource's step, with its URN, type, logical name and the properties that caused it", () => {
  const log = logOf([pre({ op: "update", type: CONTAINER, name: "acme-postgres", diffs: ["envs", "image"] })]);
  expect(log.steps).toEqual([
    {
      urn: urnOf(CONTAINER, "acme-postgres"),
      type: CONTAINER,
      name: "acme-postgres",
      op: "update",
      diffs: ["envs", "image"],
      retained: false,
    },
  ]);
});

test("a pre-event and its outputs event are one step; the stack itself and other events are not steps", () => {
  const step: Step = { op: "create", type: VOLUME, name: "acme-data" };
  const log = logOf([
    pre({ op: "same", type: "pulumi:pulumi:Stack", name: "pgs-dev", urn: `${PREFIX}pulumi:pulumi:Stack::pgs-dev` }),
    { sequence: ++sequence, timestamp: 0, diagnosticEvent: { message: "hi", color: "never", severity: "info" } } as unknown as EngineEvent,
    pre(step),
    outputs(step),
    { sequence: ++sequence, timestamp: 0, summaryEvent: {} } as unknown as EngineEvent,
  ]);
  expect(log.steps.map((s) => [s.name, s.op])).toEqual([["acme-data", "create"]]);
});

test("no diffs in an event: an empty list, or those of the earlier event of the same resource", () => {
  expect(logOf([pre({ op: "create", type: VOLUME, name: "acme-data" })]).steps[0].diffs).toEqual([]);
  const log = logOf([
    pre({ op: "update", type: CONTAINER, name: "acme-postgres", diffs: ["memory"] }),
    outputs({ op: "update", type: CONTAINER, name: "acme-postgres" }),
  ]);
  expect(log.steps[0].diffs).toEqual(["memory"]);
});

test("a replacement (create-replacement, replace, delete-replaced) is one replace step, with its cause", () => {
  const r = { type: CONTAINER, name: "acme-postgres" };
  const log = logOf([
    pre({ op: "create-replacement", ...r, diffs: ["image"] }),
    outputs({ op: "create-replacement", ...r }),
    pre({ op: "replace", ...r, diffs: ["image"] }),
    outputs({ op: "replace", ...r }),
    pre({ op: "delete-replaced", ...r }),
    outputs({ op: "delete-replaced", ...r }),
  ]);
  expect(log.steps).toHaveLength(1);
  expect(log.steps[0]).toMatchObject({ op: "replace", diffs: ["image"], retained: false });
});

test("a delete-before-replace (delete-replaced first) is a replace step too", () => {
  const r = { type: VOLUME, name: "acme-data" };
  const log = logOf([
    pre({ op: "delete-replaced", ...r }),
    pre({ op: "replace", ...r, diffs: ["driver"] }),
    pre({ op: "create-replacement", ...r }),
  ]);
  expect(log.steps.map((s) => [s.op, s.diffs])).toEqual([["replace", ["driver"]]]);
});

test("a delete of a resource with retainOnDelete is retained; a plain delete, or another step, is not", () => {
  const log = logOf([
    pre({ op: "delete", type: VOLUME, name: "acme-data", retainOnDelete: true }),
    pre({ op: "delete", type: CONTAINER, name: "acme-postgres", retainOnDelete: false }),
    pre({ op: "discard", type: VOLUME, name: "globex-data", retainOnDelete: true }),
    pre({ op: "update", type: VOLUME, name: "initech-data", retainOnDelete: true }),
    pre({ op: "delete", type: CONTAINER, name: "initech-postgres" }),
  ]);
  expect(Object.fromEntries(log.steps.map((s) => [s.name, s.retained]))).toEqual({
    "acme-data": true,
    "acme-postgres": false,
    "globex-data": true,
    "initech-data": false,
    "initech-postgres": false,
  });
});

test("steps keep the order their resources were first seen in", () => {
  const log = logOf([
    pre({ op: "create", type: VOLUME, name: "b" }),
    pre({ op: "create", type: VOLUME, name: "a" }),
    outputs({ op: "create", type: VOLUME, name: "b" }),
  ]);
  expect(log.steps.map((s) => s.name)).toEqual(["b", "a"]);
});

test("the logical name is the URN's last part, nested components' types left out", () => {
  const urn = `${PREFIX}pgs:docker:TenantDatabase$pgs:docker:TenantBackup$${CONTAINER}::acme-backup`;
  expect(logOf([pre({ op: "create", type: CONTAINER, name: "", urn })]).steps[0].name).toBe("acme-backup");
});

test("byOp: names by operation, sorted, without unchanged resources unless asked for", () => {
  const log = logOf([
    pre({ op: "create", type: VOLUME, name: "globex-data" }),
    pre({ op: "create", type: VOLUME, name: "acme-data" }),
    pre({ op: "same", type: CONTAINER, name: "acme-postgres" }),
    pre({ op: "delete", type: CONTAINER, name: "initech-postgres" }),
    pre({ op: "create-replacement", type: CONTAINER, name: "globex-postgres" }),
  ]);
  expect(log.byOp()).toEqual({ create: ["acme-data", "globex-data"], delete: ["initech-postgres"], replace: ["globex-postgres"] });
  expect(log.byOp(true)).toEqual({
    create: ["acme-data", "globex-data"],
    same: ["acme-postgres"],
    delete: ["initech-postgres"],
    replace: ["globex-postgres"],
  });
  expect(new StepLog().byOp()).toEqual({});
});

test("onEvent works detached from its log, as an operation's callback", () => {
  const log = new StepLog();
  const { onEvent } = log;
  onEvent(pre({ op: "create", type: VOLUME, name: "acme-data" }));
  expect(log.byOp()).toEqual({ create: ["acme-data"] });
});
