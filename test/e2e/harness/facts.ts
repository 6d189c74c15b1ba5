/** Read-only questions to Docker and a bounded poll; what the scenarios assert on. */
import Docker, { type ContainerInspectInfo } from "dockerode";

export const docker = new Docker();

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function container(name: string): Promise<ContainerInspectInfo | undefined> {
  return docker
    .getContainer(name)
    .inspect()
    .catch((err: { statusCode?: number }) => {
      if (err.statusCode === 404) return undefined;
      throw err;
    });
}

export async function volumeExists(name: string): Promise<boolean> {
  return docker
    .getVolume(name)
    .inspect()
    .then(
      () => true,
      (err: { statusCode?: number }) => {
        if (err.statusCode === 404) return false;
        throw err;
      },
    );
}

export async function networkExists(name: string): Promise<boolean> {
  return docker
    .getNetwork(name)
    .inspect()
    .then(
      () => true,
      (err: { statusCode?: number }) => {
        if (err.statusCode === 404) return false;
        throw err;
      },
    );
}

export interface DockerEvent {
  Action: string;
  id: string;
  timeNano: number;
  name: string;
}

/** Container events between two instants (ms since epoch) for containers with `label`. */
export async function containerEvents(sinceMs: number, untilMs: number, label: string): Promise<DockerEvent[]> {
  const stream = await docker.getEvents({
    since: Math.floor(sinceMs / 1000),
    until: Math.ceil(untilMs / 1000) + 1,
    filters: { type: ["container"], label: [label] },
  });
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const e = JSON.parse(line) as { Action: string; id: string; timeNano: number; Actor: { Attributes: { name: string } } };
      return { Action: e.Action, id: e.id, timeNano: e.timeNano, name: e.Actor.Attributes.name };
    });
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  everyMs = 250,
): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return { value, ms: Date.now() - started };
    if (Date.now() - started > timeoutMs) throw new Error(`e2e: ${what} did not happen within ${timeoutMs / 1000} s`);
    await sleep(everyMs);
  }
}

/** Measured numbers, printed together at the end of the suite. */
export const notes: string[] = [];
export function note(line: string): void {
  notes.push(line);
}

/** The stacks this test file works on (cleanupDocker names them): volumes their containers made are its own. */
const ownStacks = new Set<string>();
const since = Date.now();

interface Event {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
}

/** What Docker said since this file claimed a stack: who mounted which volume, and each container's labels. */
const mounted = new Map<string, Set<string>>();
const labelsOf = new Map<string, Record<string, string>>();
function record(e: Event): void {
  if (e.Type === "volume" && e.Action === "mount") {
    const ids = mounted.get(e.Actor.ID) ?? new Set<string>();
    ids.add(e.Actor.Attributes.container);
    mounted.set(e.Actor.ID, ids);
  } else if (e.Type === "container" && !labelsOf.has(e.Actor.ID)) {
    // A container's events carry its labels (and name).
    labelsOf.set(e.Actor.ID, e.Actor.Attributes);
  }
}

let watching = false;
/** Listens to Docker's events for the rest of the file (the connection does not keep the process alive). */
function watch(): void {
  if (watching) return;
  watching = true;
  docker
    .getEvents({ filters: { type: ["volume", "container"] } })
    .then((stream) => {
      (stream as unknown as { socket?: { unref(): void } }).socket?.unref();
      let rest = "";
      stream.on("data", (chunk: Buffer) => {
        const lines = (rest + chunk.toString("utf8")).split("\n");
        rest = lines.pop() ?? "";
        for (const line of lines) if (line) record(JSON.parse(line) as Event);
      });
      stream.on("error", () => undefined);
    })
    .catch(() => undefined);
}

export function claimStack(stack: string): void {
  ownStacks.add(stack);
  watch();
}

/** Docker's events matching `filters` since this file started, from what the daemon still keeps (its last 256). */
async function eventsSince(filters: Record<string, string[]>): Promise<Event[]> {
  const stream = await docker.getEvents({ since: Math.floor(since / 1000) - 1, until: Math.ceil(Date.now() / 1000) + 1, filters });
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Event);
}

/** For each volume, the labels of every container known to have mounted it since this file started. */
async function mountedBy(volumes: string[]): Promise<Map<string, Record<string, string>[]>> {
  for (const e of await eventsSince({ type: ["volume"], event: ["mount"], volume: volumes })) record(e);
  const ids = [...new Set(volumes.flatMap((v) => [...(mounted.get(v) ?? [])]))];
  const unknown = ids.filter((id) => !labelsOf.has(id));
  if (unknown.length > 0) for (const e of await eventsSince({ type: ["container"], container: unknown })) record(e);
  return new Map(volumes.map((v) => [v, [...(mounted.get(v) ?? [])].map((id) => labelsOf.get(id) ?? {})]));
}

/**
 * Unnamed volumes nobody uses (what an image's VOLUME leaves behind): none may appear during a
 * suite. Suites run side by side, so a volume is left out only when every container known to
 * have mounted it (Docker's events) belongs to a stack of another file (its pgs.stack label);
 * one of this file's stacks, a test container of any file, or no container known: it counts. A
 * volume must still be there two seconds later: one that Docker is removing with its container
 * (`docker rm -v`, `--rm`) is not left behind.
 */
export async function danglingVolumes(): Promise<string[]> {
  const list = async () => {
    const { Volumes } = await docker.listVolumes({ filters: { dangling: ["true"] } });
    return (Volumes ?? []).filter((v) => Object.keys(v.Labels ?? {}).length === 0).map((v) => v.Name);
  };
  let names = await list();
  if (names.length === 0) return [];
  await sleep(2000);
  const still = new Set(await list());
  names = names.filter((n) => still.has(n));
  if (names.length === 0) return [];
  const owners = await mountedBy(names);
  const othersOnly = (name: string) => {
    const of = owners.get(name) ?? [];
    return of.length > 0 && of.every((o) => o["pgs.stack"] !== undefined && !ownStacks.has(o["pgs.stack"]));
  };
  return names.filter((n) => !othersOnly(n)).sort();
}
