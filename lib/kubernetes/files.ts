/**
 * The files pgs puts into containers (lib/postgres ContainerFile: scripts, SQL, config, secrets) as
 * Kubernetes volumes: a ConfigMap or Secret key per file, mounted read-only into the directory the
 * scripts expect, executables with mode 0555. The content is the same bytes Docker uploads.
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import type { ContainerFile } from "../postgres/server";

/** The key a file has in its ConfigMap or Secret: its name, unique across what pgs mounts. */
export function fileKey(file: Pick<ContainerFile, "path">): string {
  return path.posix.basename(file.path);
}

export type FilesSource = { configMap: string } | { secret: string };

/** A volume of some keys of one ConfigMap or Secret, and where it is mounted; every file must share one directory. */
export function filesVolume(volumeName: string, source: FilesSource, files: { path: string; executable: boolean; key?: string }[]) {
  const dirs = [...new Set(files.map((f) => path.posix.dirname(f.path)))];
  if (dirs.length !== 1) throw new Error(`filesVolume ${volumeName}: the files must share one directory, got ${dirs.join(", ")}`);
  const items = files.map((f) => ({ key: f.key ?? fileKey(f), path: path.posix.basename(f.path), mode: f.executable ? 0o555 : 0o444 }));
  const volume =
    "configMap" in source
      ? { name: volumeName, configMap: { name: source.configMap, defaultMode: 0o444, items } }
      : { name: volumeName, secret: { secretName: source.secret, defaultMode: 0o444, items } };
  return { volume, volumeMount: { name: volumeName, mountPath: dirs[0], readOnly: true } };
}

/** ConfigMap data of files: name → content. */
export function filesData(files: ContainerFile[]): Record<string, string> {
  return Object.fromEntries(files.map((f) => [fileKey(f), f.content]));
}

/** sha256 of named contents, in name order: what a pod template carries to roll when a file it mounts changes. */
export function contentChecksum(contents: Record<string, string>): string {
  const hash = createHash("sha256");
  for (const name of Object.keys(contents).sort()) hash.update(`${name}\0${contents[name]}\0`);
  return hash.digest("hex");
}
