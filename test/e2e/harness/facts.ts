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

/** Unnamed volumes nobody uses (what an image's VOLUME leaves behind): none may appear during a suite. */
export async function danglingVolumes(): Promise<string[]> {
  const { Volumes } = await docker.listVolumes({ filters: { dangling: ["true"] } });
  return (Volumes ?? [])
    .filter((v) => Object.keys(v.Labels ?? {}).length === 0)
    .map((v) => v.Name)
    .sort();
}
