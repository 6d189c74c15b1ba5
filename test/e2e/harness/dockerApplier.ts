/**
 * Applies recorded docker resources to a real engine the way @pulumi/docker 5.x
 * (kreuzwerker/terraform-provider-docker) would, diffing against the previous apply by URN.
 */
import Docker from "dockerode";
import type { RecordedResource } from "../../../lib/programRunner";
import { stableJson } from "./realMocks";

export const docker = new Docker();

const T = {
  container: "docker:index/container:Container",
  network: "docker:index/network:Network",
  volume: "docker:index/volume:Volume",
  image: "docker:index/remoteImage:RemoteImage",
} as const;

/** Every input (and nested key) the applier implements; anything else throws. */
const SUPPORTED: Record<string, string[]> = {
  [T.container]: [
    "name", "image", "command", "entrypoints", "envs", "labels", "healthcheck", "networkMode", "networksAdvanced",
    "volumes", "restart", "memory", "memorySwap", "cpus", "cpuShares", "shmSize", "capabilities", "securityOpts",
    "stopSignal", "stopTimeout", "destroyGraceSeconds", "uploads", "wait", "waitTimeout", "init",
  ],
  [T.network]: ["name", "driver", "labels", "internal", "attachable", "options"],
  [T.volume]: ["name", "labels", "driver", "driverOpts"],
  [T.image]: ["name", "keepLocally"],
};
const NESTED: Record<string, string[]> = {
  labels: ["label", "value"],
  healthcheck: ["tests", "interval", "timeout", "startPeriod", "retries"],
  networksAdvanced: ["name", "aliases"],
  volumes: ["volumeName", "hostPath", "containerPath", "readOnly"],
  uploads: ["file", "content", "contentBase64", "executable"],
  capabilities: ["adds", "drops"],
};
/** The only container inputs the provider updates in place; any other change replaces. */
const IN_PLACE = ["restart", "memory", "memorySwap", "cpuShares"];

export interface AppliedResource {
  urn: string;
  type: string;
  inputs: Record<string, unknown>;
  options: RecordedResource["options"];
  /** Docker id: container/network id, volume name, image id. */
  id: string;
}
export type AppliedState = Record<string, AppliedResource>;

export interface ApplySummary {
  created: string[];
  replaced: string[];
  updated: string[];
  deleted: string[];
  retained: string[];
  unchanged: string[];
}

function checkSupported(resource: RecordedResource): void {
  const supported = SUPPORTED[resource.type];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(resource.inputs)) {
    if (!supported.includes(key)) { problems.push(key); continue; }
    const nested = NESTED[key];
    if (!nested || resource.type === T.network && key === "options") continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      for (const sub of Object.keys(item as object)) if (!nested.includes(sub)) problems.push(`${key}.${sub}`);
    }
  }
  if (problems.length > 0) throw new Error(`e2e applier: ${resource.type} ${resource.name}: unsupported inputs ${problems.join(", ")}`);
}

const labelsOf = (labels: unknown) =>
  Object.fromEntries(((labels ?? []) as { label: string; value: string }[]).map((l) => [l.label, l.value]));

/** Go duration ("5s", "1m30s", "100ms") → nanoseconds, as Docker's API wants. */
export function durationNs(text: unknown): number {
  if (text === undefined || text === "") return 0;
  const units: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  const rest = String(text).replace(/([0-9.]+)(ns|us|ms|s|m|h)/g, (_, n: string, u: string) => { total += Number(n) * units[u]; return ""; });
  if (rest !== "") throw new Error(`e2e applier: bad duration ${String(text)}`);
  return total;
}

/** A ustar archive of the upload files, laid out from "/" (mode 0644, or 0744 if executable). */
export function uploadsTar(uploads: { file: string; content?: string; contentBase64?: string; executable?: boolean }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const upload of uploads) {
    const body = upload.contentBase64 !== undefined ? Buffer.from(upload.contentBase64, "base64") : Buffer.from(upload.content ?? "", "utf8");
    const name = upload.file.replace(/^\/+/, "");
    if (name.length > 100) throw new Error(`e2e applier: upload path too long: ${upload.file}`);
    const header = Buffer.alloc(512);
    const field = (offset: number, length: number, value: string) => header.write(value, offset, length, "utf8");
    const octal = (offset: number, length: number, value: number) => field(offset, length, value.toString(8).padStart(length - 1, "0"));
    field(0, 100, name);
    octal(100, 8, upload.executable ? 0o744 : 0o644);
    octal(108, 8, 0);
    octal(116, 8, 0);
    octal(124, 12, body.length);
    octal(136, 12, Math.floor(Date.now() / 1000));
    field(148, 8, "        ");
    field(156, 1, "0");
    field(257, 8, "ustar\u000000");
    let sum = 0;
    for (const byte of header) sum += byte;
    field(148, 8, `${sum.toString(8).padStart(6, "0")}\u0000 `);
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

const notFound = (err: unknown) => (err as { statusCode?: number }).statusCode === 404;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function logsTail(id: string): Promise<string> {
  const raw = await docker.getContainer(id).logs({ stdout: true, stderr: true, tail: 40 }) as unknown as Buffer;
  // Demultiplex Docker's 8-byte frame headers.
  const out: string[] = [];
  for (let i = 0; i + 8 <= raw.length;) {
    const size = raw.readUInt32BE(i + 4);
    out.push(raw.subarray(i + 8, i + 8 + size).toString("utf8"));
    i += 8 + size;
  }
  return out.join("");
}

async function createContainer(inputs: Record<string, unknown>): Promise<string> {
  const health = inputs.healthcheck as Record<string, unknown> | undefined;
  const caps = (inputs.capabilities ?? {}) as { adds?: string[]; drops?: string[] };
  const volumes = (inputs.volumes ?? []) as { volumeName?: string; hostPath?: string; containerPath: string; readOnly?: boolean }[];
  const MiB = 1024 * 1024;
  const container = await docker.createContainer({
    name: inputs.name as string,
    Image: inputs.image as string,
    ...(inputs.command ? { Cmd: inputs.command as string[] } : {}),
    ...(inputs.entrypoints ? { Entrypoint: inputs.entrypoints as string[] } : {}),
    Env: (inputs.envs ?? []) as string[],
    Labels: labelsOf(inputs.labels),
    ...(health ? {
      Healthcheck: {
        Test: health.tests as string[],
        Interval: durationNs(health.interval), Timeout: durationNs(health.timeout),
        StartPeriod: durationNs(health.startPeriod), Retries: Number(health.retries ?? 0),
      },
    } : {}),
    ...(inputs.stopSignal ? { StopSignal: inputs.stopSignal as string } : {}),
    ...(inputs.stopTimeout !== undefined ? { StopTimeout: Number(inputs.stopTimeout) } : {}),
    HostConfig: {
      Binds: volumes.map((v) => {
        if (!v.volumeName === !v.hostPath) throw new Error("e2e applier: a volume needs exactly one of volumeName and hostPath");
        return `${v.volumeName ?? v.hostPath}:${v.containerPath}${v.readOnly ? ":ro" : ""}`;
      }),
      ...(inputs.networkMode ? { NetworkMode: inputs.networkMode as string } : {}),
      RestartPolicy: { Name: (inputs.restart as string | undefined) ?? "no", MaximumRetryCount: 0 },
      Memory: Number(inputs.memory ?? 0) * MiB,
      ...(inputs.memorySwap !== undefined ? { MemorySwap: Number(inputs.memorySwap) * MiB } : {}),
      ...(inputs.cpus !== undefined ? { NanoCpus: Math.round(Number(inputs.cpus) * 1e9) } : {}),
      ...(inputs.cpuShares !== undefined ? { CpuShares: Number(inputs.cpuShares) } : {}),
      ...(inputs.shmSize !== undefined ? { ShmSize: Number(inputs.shmSize) * MiB } : {}),
      CapAdd: caps.adds ?? [],
      CapDrop: caps.drops ?? [],
      SecurityOpt: (inputs.securityOpts ?? []) as string[],
      ...(inputs.init !== undefined ? { Init: inputs.init === true } : {}),
    },
  });
  const id = container.id;
  const networks = inputs.networksAdvanced as { name: string; aliases?: string[] }[] | undefined;
  if (networks && networks.length > 0) {
    try {
      await docker.getNetwork("bridge").disconnect({ Container: id });
    } catch (err) {
      if (!/is not connected/.test((err as Error).message)) throw err;
    }
    for (const n of networks) {
      await docker.getNetwork(n.name).connect({ Container: id, EndpointConfig: { Aliases: n.aliases ?? [] } });
    }
  }
  const uploads = inputs.uploads as Parameters<typeof uploadsTar>[0] | undefined;
  if (uploads && uploads.length > 0) await container.putArchive(uploadsTar(uploads), { path: "/" });
  await container.start();

  const started = Date.now();
  for (;;) {
    const state = (await container.inspect()).State;
    if (state.Running) break;
    if (Date.now() - started > 15_000 || state.Status === "exited") {
      throw new Error(`e2e applier: container ${String(inputs.name)} is not running (${state.Status}); logs:\n${await logsTail(id)}`);
    }
    await sleep(100);
  }
  if (inputs.wait === true) {
    const timeoutMs = Number(inputs.waitTimeout ?? 60) * 1000;
    for (;;) {
      const state = (await container.inspect()).State;
      if (state.Health?.Status === "healthy") break;
      if (!state.Running || Date.now() - started > timeoutMs) {
        throw new Error(`e2e applier: container ${String(inputs.name)} did not become healthy within ${timeoutMs / 1000} s ` +
          `(${state.Status}, health ${state.Health?.Status ?? "none"}); logs:\n${await logsTail(id)}`);
      }
      await sleep(200);
    }
  }
  return id;
}

async function create(resource: RecordedResource): Promise<string> {
  const inputs = resource.inputs;
  switch (resource.type) {
    case T.volume:
      await docker.createVolume({
        Name: inputs.name as string, Driver: (inputs.driver as string | undefined) ?? "local",
        DriverOpts: (inputs.driverOpts ?? {}) as Record<string, string>, Labels: labelsOf(inputs.labels),
      });
      return inputs.name as string;
    case T.network:
      return (await docker.createNetwork({
        Name: inputs.name as string, CheckDuplicate: true, Driver: (inputs.driver as string | undefined) ?? "bridge",
        Internal: inputs.internal === true, Attachable: inputs.attachable === true,
        Options: (inputs.options ?? {}) as Record<string, string>, Labels: labelsOf(inputs.labels),
      })).id;
    case T.container:
      return createContainer(inputs);
    case T.image:
      return ""; // keepLocally, never pulled: the recorder already resolved the local image id.
    default:
      throw new Error(`e2e applier: cannot create ${resource.type}`);
  }
}

async function destroy(resource: AppliedResource): Promise<void> {
  try {
    if (resource.type === T.container) {
      const container = docker.getContainer(resource.id);
      const grace = resource.inputs.destroyGraceSeconds ?? resource.inputs.stopTimeout;
      await container.stop(grace !== undefined ? { t: Number(grace) } : {}).catch((err) => {
        if ((err as { statusCode?: number }).statusCode !== 304) throw err; // 304: already stopped
      });
      await container.remove({ v: true, force: true });
    } else if (resource.type === T.network) {
      await docker.getNetwork(resource.id).remove();
    } else if (resource.type === T.volume) {
      await docker.getVolume(resource.id).remove();
    }
  } catch (err) {
    if (!notFound(err)) throw err;
  }
}

async function updateInPlace(resource: AppliedResource): Promise<void> {
  const i = resource.inputs;
  const MiB = 1024 * 1024;
  await docker.getContainer(resource.id).update({
    RestartPolicy: { Name: (i.restart as string | undefined) ?? "no", MaximumRetryCount: 0 },
    Memory: Number(i.memory ?? 0) * MiB,
    ...(i.memorySwap !== undefined ? { MemorySwap: Number(i.memorySwap) * MiB } : {}),
    ...(i.cpuShares !== undefined ? { CpuShares: Number(i.cpuShares) } : {}),
  });
}

/** Runs `work` over items with at most `limit` at once (Pulumi applies independent resources in parallel). */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const errors: unknown[] = [];
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      await work(item).catch((err) => { errors.push(err); });
    }
  }));
  if (errors.length > 0) throw errors[0];
}

const ORDER = [T.image, T.volume, T.network, T.container];
const byType = <R extends { type: string }>(items: R[], type: string) => items.filter((r) => r.type === type);

/**
 * Diffs `resources` against `state` (the last apply) by URN and realises the difference.
 * `state` is updated in place as each operation succeeds, so after a failure it still
 * describes what exists.
 */
export async function apply(resources: RecordedResource[], state: AppliedState, parallel = 16): Promise<ApplySummary> {
  const desired = resources.filter((r) => r.custom && ORDER.includes(r.type as typeof ORDER[number]));
  for (const r of resources) {
    if (r.custom && r.type.startsWith("docker:") && !ORDER.includes(r.type as typeof ORDER[number])) {
      throw new Error(`e2e applier: resource type ${r.type} not supported`);
    }
  }
  desired.forEach(checkSupported);
  const previous: AppliedState = { ...state };
  const summary: ApplySummary = { created: [], replaced: [], updated: [], deleted: [], retained: [], unchanged: [] };

  const toCreate: RecordedResource[] = [];
  const toUpdate: RecordedResource[] = [];
  const deleteFirst: AppliedResource[] = [];
  const deleteAfter: AppliedResource[] = [];
  for (const r of desired) {
    const old = previous[r.urn];
    if (!old) { toCreate.push(r); continue; }
    const changed = [...new Set([...Object.keys(old.inputs), ...Object.keys(r.inputs)])]
      .filter((k) => stableJson(old.inputs[k]) !== stableJson(r.inputs[k]));
    if (changed.length === 0) {
      state[r.urn] = { ...old, options: r.options };
      summary.unchanged.push(r.urn);
    } else if (r.type === T.container && changed.every((k) => IN_PLACE.includes(k) && !r.options.replaceOnChanges.includes(k))) {
      toUpdate.push(r);
    } else {
      toCreate.push(r);
      summary.replaced.push(r.urn);
      // The provider marks Container delete-before-replace; for the rest the option decides.
      (r.type === T.container || r.options.deleteBeforeReplace ? deleteFirst : deleteAfter).push(old);
    }
  }
  const desiredUrns = new Set(desired.map((r) => r.urn));
  for (const old of Object.values(previous)) if (!desiredUrns.has(old.urn)) deleteAfter.push(old);

  const remove = async (list: AppliedResource[]) => {
    for (const type of [...ORDER].reverse()) {
      await pool(byType(list, type), parallel, async (old) => {
        // retainOnDelete: the engine skips the provider's delete, on delete and on replace.
        if (old.options.retainOnDelete) summary.retained.push(old.urn);
        else await destroy(old);
        if (state[old.urn] === old) delete state[old.urn];
        if (!desiredUrns.has(old.urn)) summary.deleted.push(old.urn);
      });
    }
  };

  await remove(deleteFirst);
  for (const type of ORDER) {
    await pool(byType(toCreate, type), parallel, async (r) => {
      const id = await create(r);
      state[r.urn] = { urn: r.urn, type: r.type, inputs: r.inputs, options: r.options, id };
      if (!previous[r.urn]) summary.created.push(r.urn);
    });
  }
  await pool(toUpdate, parallel, async (r) => {
    const next = { ...previous[r.urn], inputs: r.inputs, options: r.options };
    await updateInPlace(next);
    state[r.urn] = next;
    summary.updated.push(r.urn);
  });
  await remove(deleteAfter);
  return summary;
}
