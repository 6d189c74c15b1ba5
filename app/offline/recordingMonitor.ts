/**
 * The resource monitor of the offline runs: records each resource the program registers and
 * answers it from the mocks, in place of the SDK's MockMonitor.registerResource. Reads (the
 * StackReference) and every other call stay the SDK's.
 *
 * The SDK's one passes each request and each answer through protobuf Structs and its async
 * serializer (one promise per value), builds a protobuf response that the SDK then prints whole
 * into a debug message, and keeps every answer until the end: a CPU profile of `pgs plan` put a
 * fifth of the time there, and as much again in collecting its garbage. The answer here is the
 * same value, handed over as the plain object those round trips would have produced.
 */
import * as pulumi from "@pulumi/pulumi";

export const UNKNOWN_PLACEHOLDER = "(known after apply)";
export const SECRET_PLACEHOLDER = "[secret]";

export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  parent?: string;
  custom: boolean;
  /** Inputs with secrets revealed: only for code that must apply them. */
  inputs: Record<string, unknown>;
  /** Inputs with every secret replaced by "[secret]": safe to print. */
  displayInputs: Record<string, unknown>;
  options: {
    retainOnDelete: boolean;
    deleteBeforeReplace: boolean;
    replaceOnChanges: string[];
    ignoreChanges: string[];
    protect: boolean;
    dependsOn: string[];
  };
}

export interface ResourceMocks {
  newResource(args: {
    type: string;
    name: string;
    urn: string;
    inputs: Record<string, unknown>;
  }): Promise<{ id: string; state: Record<string, unknown> }> | { id: string; state: Record<string, unknown> };
}

type Callback = (err: unknown, response?: unknown) => void;

/** The part of the SDK's RegisterResourceRequest read here. */
export interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): { toJavaScript(): unknown } | undefined;
  getRetainondelete?(): boolean;
  getDeletebeforereplace(): boolean;
  getReplaceonchangesList(): string[];
  getIgnorechangesList(): string[];
  getProtect?(): boolean;
  getDependenciesList(): string[];
}

/** The SDK's MockMonitor, as far as it is replaced. */
export interface Monitor {
  registerResource(req: RegisterRequest, callback: Callback): unknown;
  registerResourceOutputs(req: unknown, callback: Callback): unknown;
}

export interface Recording {
  stack: string;
  project: string;
  mocks: ResourceMocks;
  resources: RecordedResource[];
  /** Errors to fail the run with once its RPCs drain: one handed to Pulumi here would end the process. */
  failures: Error[];
}

export function urnOf(stack: string, project: string, parent: string | undefined, type: string, name: string): string {
  const parentType = parent ? parent.split("::")[2] : undefined;
  const qualifiedType = parentType && !parentType.endsWith("pulumi:pulumi:Stack") ? `${parentType}$${type}` : type;
  return `urn:pulumi:${stack}::${project}::${qualifiedType}::${name}`;
}

const isSecretValue = (record: Record<string, unknown>) => record[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;

function unwrap(value: unknown, reveal: boolean): unknown {
  if (value === pulumi.runtime.unknownValue) return UNKNOWN_PLACEHOLDER;
  if (Array.isArray(value)) return value.map((v) => unwrap(v, reveal));
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (isSecretValue(record)) return reveal ? unwrap(record.value, reveal) : SECRET_PLACEHOLDER;
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrap(v, reveal)]));
  }
  return value;
}

function hasSecret(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasSecret);
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    return isSecretValue(record) || Object.values(record).some(hasSecret);
  }
  return false;
}

/**
 * What the SDK's serializer makes of a mock's state when it is plain data (all pgs's mocks
 * answer): unknowns become the wire's unknown, undefined is left out of objects and null in
 * arrays, functions are dropped. Anything else (an Output, a resource, an asset) returns
 * undefined, and the SDK's own serializer runs.
 */
function serializePlain(value: unknown): { value: unknown } | undefined {
  if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean") return { value };
  if (value === undefined || typeof value === "function") return { value: undefined };
  if (pulumi.isUnknown(value)) return { value: pulumi.runtime.unknownValue };
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const element of value) {
      const serialized = serializePlain(element);
      if (!serialized) return undefined;
      out.push(serialized.value === undefined ? null : serialized.value);
    }
    return { value: out };
  }
  const prototype = Object.getPrototypeOf(value);
  if (typeof value !== "object" || (prototype !== Object.prototype && prototype !== null)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const serialized = serializePlain(v);
    if (!serialized) return undefined;
    if (serialized.value !== undefined) out[k] = serialized.value;
  }
  return { value: out };
}

async function serializeState(state: Record<string, unknown>): Promise<Record<string, unknown>> {
  return (serializePlain(state)?.value as Record<string, unknown> | undefined) ?? (await pulumi.runtime.serializeProperties("", state));
}

const isPromise = <T>(value: T | Promise<T>): value is Promise<T> => typeof (value as Promise<T>)?.then === "function";

/** A RegisterResourceResponse as the SDK reads it (runtime/resource.ts registerResource). */
const response = (urn: string, id: string, state: Record<string, unknown>) => ({
  getUrn: () => urn,
  getId: () => id,
  getObject: () => ({ toJavaScript: () => state }),
  getPropertydependenciesMap: () => undefined,
  // Result.SUCCESS: unknowns are dropped from a known result, as after the SDK's own round trip.
  getResult: () => 0,
});

function record(recording: Recording, urn: string, parent: string | undefined, req: RegisterRequest, raw: Record<string, unknown>): void {
  const inputs = unwrap(raw, true) as Record<string, unknown>;
  recording.resources.push({
    urn,
    type: req.getType(),
    name: req.getName(),
    ...(parent ? { parent } : {}),
    custom: req.getCustom(),
    inputs,
    // The same object when nothing is secret: both are only read.
    displayInputs: hasSecret(raw) ? (unwrap(raw, false) as Record<string, unknown>) : inputs,
    options: {
      retainOnDelete: req.getRetainondelete?.() ?? false,
      deleteBeforeReplace: req.getDeletebeforereplace(),
      replaceOnChanges: req.getReplaceonchangesList(),
      ignoreChanges: req.getIgnorechangesList(),
      protect: req.getProtect?.() ?? false,
      dependsOn: req.getDependenciesList(),
    },
  });
}

/** Replaces `monitor`'s registrations with ones recorded into `recording` and answered by its mocks. */
export function recordInto(monitor: Monitor, recording: Recording): void {
  const seenUrns = new Set<string>();
  monitor.registerResource = (req, callback) => {
    const parent = req.getParent() || undefined;
    const type = req.getType();
    const name = req.getName();
    const urn = urnOf(recording.stack, recording.project, parent, type, name);
    const raw = (req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
    if (seenUrns.has(urn)) recording.failures.push(new Error(`duplicate resource URN ${urn}: two resources share a type and name`));
    else {
      seenUrns.add(urn);
      record(recording, urn, parent, req, raw);
    }
    const inputs = pulumi.runtime.deserializeProperties({ toJavaScript: () => raw } as never);
    const answer = (result: { id: string; state: Record<string, unknown> }) =>
      serializeState(result.state).then((state) => callback(null, response(urn, result.id || "", state)));
    try {
      const result = recording.mocks.newResource({ type, name, urn, inputs });
      (isPromise(result) ? result.then(answer) : answer(result)).catch((err: unknown) => callback(err));
    } catch (err) {
      callback(err);
    }
  };
  // Components' outputs: the SDK's mock looks the URN up among the answers it kept, none here.
  monitor.registerResourceOutputs = (_req, callback) => callback(null, {});
}
