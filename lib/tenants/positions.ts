import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node } from "yaml";

export type Path = readonly (string | number)[];
export interface Position {
  line: number;
  col: number;
}

/** Maps a data path back to where it was written in a parsed YAML document. */
export class YamlPositions {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Where the value at `path` was written; the nearest written ancestor if it is missing. */
  ofValue(path: Path): Position {
    return this.at(this.walk(path).node);
  }

  /** Where the key `key` of the mapping at `path` was written. */
  ofKey(path: Path, key: string): Position {
    const { node } = this.walk(path);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
      if (pair?.key) return this.at(pair.key as Node);
    }
    return this.at(node);
  }

  private walk(path: Path): { node: unknown } {
    let node: unknown = this.doc.contents;
    for (const segment of path) {
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        next = pair ? (pair.value ?? pair.key) : undefined;
      } else if (isSeq(node) && typeof segment === "number") {
        next = node.items[segment];
      }
      if (next === undefined || next === null) break;
      node = next;
    }
    return { node };
  }

  private at(node: unknown): Position {
    const range = (node as Node | null)?.range;
    const { line, col } = this.lines.linePos(range ? range[0] : 0);
    return { line, col };
  }
}
