/** This checkout's folder (the one with Pulumi.yaml), found upwards from here so that it holds from dist/ too. */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";

/** The nearest folder at or above `start` with a Pulumi.yaml; undefined if there is none. */
export function findProjectDir(start: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

export const SOURCE_DIR = findProjectDir(__dirname) ?? path.resolve(__dirname, "..");

/** A file of this checkout, e.g. a script that runs inside a container. */
export function sourceFile(relativePath: string): string {
  return readFileSync(path.join(SOURCE_DIR, relativePath), "utf8");
}
