/**
 * Edits of tenants.yaml that change only what they must: every other byte (comments, blank
 * lines, quoting, flow or block style) stays as the operator wrote it. Each edit is a splice of
 * the original text at positions the YAML parser reports, so a reviewer's diff shows just the
 * edit. `editTenantsFile` serialises concurrent editors with a lock file, validates the whole
 * result and writes nothing when it is invalid.
 */
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { isMap, isScalar, isSeq, type Node, type Pair, parseDocument, type Scalar, stringify, type YAMLMap, type YAMLSeq } from "yaml";

export class TenantsEditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TenantsEditError";
  }
}

/** A value as written inside an entry: scalars plain or quoted as YAML needs, `[a, b]` lists, `{ k: v }` maps. */
function inline(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inline).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}: ${inline(v)}`);
    return entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`;
  }
  return stringify(value, { lineWidth: 0 }).trimEnd();
}

/** An entry as list-item lines: `- id: x` then one `key: value` line per field. */
function entryLines(entry: Record<string, unknown>): string[] {
  return Object.entries(entry).map(([k, v], i) => `${i === 0 ? "- " : "  "}${k}: ${inline(v)}`);
}

interface Splice {
  start: number;
  end: number;
  text: string;
}

function apply(text: string, splice: Splice): string {
  return text.slice(0, splice.start) + splice.text + text.slice(splice.end);
}

const lineStart = (text: string, at: number) => text.lastIndexOf("\n", at - 1) + 1;
const lineEnd = (text: string, at: number) => {
  const nl = text.indexOf("\n", at);
  return nl === -1 ? text.length : nl;
};
const columnOf = (text: string, at: number) => at - lineStart(text, at);

function parse(text: string) {
  const doc = parseDocument(text, { keepSourceTokens: true });
  if (doc.errors.length > 0) throw new TenantsEditError(`tenants file does not parse: ${doc.errors[0].message.split("\n")[0]}`);
  return doc;
}

function tenantsSeq(text: string): YAMLSeq | undefined {
  const tenants = parse(text).get("tenants", true);
  return isSeq(tenants) ? tenants : undefined;
}

function tenantItem(text: string, id: string): YAMLMap {
  const item = tenantsSeq(text)?.items.find((i) => isMap(i) && i.get("id") === id);
  if (!item) throw new TenantsEditError(`no tenant "${id}" in the tenants file`);
  return item as YAMLMap;
}

/** Where a node's value ends: its range, without the whitespace and line breaks a block node's range runs on over. */
function valueEnd(node: Node, text?: string): number {
  let end = node.range![1];
  if (text) while (end > node.range![0] && /\s/.test(text[end - 1])) end--;
  return end;
}

/** The pair of `map` with key `key`. */
function pairOf(map: YAMLMap, key: string): Pair<Scalar, Node> | undefined {
  return map.items.find((p) => isScalar(p.key) && String(p.key.value) === key) as Pair<Scalar, Node> | undefined;
}

/** Sets `key` of `map` to `value`: the value replaced in place, or a new entry in the map's own style. */
function setInMap(text: string, map: YAMLMap, key: string, value: unknown): string {
  const pair = pairOf(map, key);
  if (pair?.value) return apply(text, { start: pair.value.range![0], end: valueEnd(pair.value, text), text: inline(value) });
  const entry = `${key}: ${inline(value)}`;
  if (map.flow) {
    const close = text.lastIndexOf("}", map.range![1]);
    if (map.items.length === 0) return apply(text, { start: map.range![0], end: close + 1, text: `{ ${entry} }` });
    const last = map.items[map.items.length - 1] as Pair<Node, Node>;
    const at = valueEnd(last.value ?? last.key, text);
    return apply(text, { start: at, end: at, text: `, ${entry}` });
  }
  const first = map.items[0] as Pair<Node, Node>;
  const indent = " ".repeat(columnOf(text, first.key.range![0]));
  const last = map.items[map.items.length - 1] as Pair<Node, Node>;
  const at = lineEnd(text, valueEnd(last.value ?? last.key, text));
  return apply(text, { start: at, end: at, text: `\n${indent}${entry}` });
}

/** Removes `key` from `map` (nothing when absent): its whole line in a block map, its entry in a flow map. */
function removeFromMap(text: string, map: YAMLMap, key: string): string {
  const index = map.items.findIndex((p) => isScalar(p.key) && String(p.key.value) === key);
  if (index === -1) return text;
  const pair = map.items[index] as Pair<Node, Node>;
  const start = pair.key.range![0];
  const end = valueEnd(pair.value ?? pair.key, text);
  if (map.flow) {
    if (map.items.length === 1) return apply(text, { start: map.range![0], end: text.lastIndexOf("}", map.range![1]) + 1, text: "{}" });
    if (index === 0) {
      const next = map.items[1] as Pair<Node, Node>;
      return apply(text, { start, end: next.key.range![0], text: "" });
    }
    const previous = map.items[index - 1] as Pair<Node, Node>;
    return apply(text, { start: valueEnd(previous.value ?? previous.key, text), end, text: "" });
  }
  if (map.items.length === 1) throw new TenantsEditError(`cannot remove the only key "${key}" of a mapping`);
  // The key's line(s) and their line break; a comment at the end of its last line goes with it.
  return apply(text, { start: lineStart(text, start), end: Math.min(text.length, lineEnd(text, end) + 1), text: "" });
}

/**
 * Sets (or, with `undefined`, removes) a field of one tenant's entry. `path` is the key, or
 * a key and a sub-key (`["postgres", "version"]`); a missing sub-mapping is added in flow style.
 */
export function setTenantField(text: string, id: string, path: readonly string[], value: unknown): string {
  const item = tenantItem(text, id);
  if (path.length === 1) return value === undefined ? removeFromMap(text, item, path[0]) : setInMap(text, item, path[0], value);
  const [key, sub] = path;
  const inner = item.get(key, true);
  if (inner === undefined || inner === null) {
    return value === undefined ? text : setInMap(text, item, key, { [sub]: value });
  }
  if (!isMap(inner)) throw new TenantsEditError(`tenant "${id}": ${key} is not a mapping`);
  if (value !== undefined) return setInMap(text, inner, sub, value);
  if (inner.items.length === 1 && pairOf(inner, sub)) return removeFromMap(text, item, key);
  return removeFromMap(text, inner, sub);
}

/** Appends a tenant entry at the end of the tenants list, in the style of the entries already there. */
export function appendTenant(text: string, entry: Record<string, unknown>): string {
  const seq = tenantsSeq(text);
  if (!seq) throw new TenantsEditError("the tenants file has no tenants list");
  const lines = entryLines(entry);
  if (seq.flow) {
    if (seq.items.length > 0) throw new TenantsEditError("the tenants list is written in flow style [...]; add the entry by hand");
    // `tenants: []`: the brackets go, the entry follows on the next lines (a comment stays on the key's line).
    const open = seq.range![0];
    const close = text.lastIndexOf("]", seq.range![1]) + 1;
    const indent = " ".repeat(columnOf(text, lineStart(text, open)) + 2);
    const withoutBrackets = apply(text, { start: text[open - 1] === " " ? open - 1 : open, end: close, text: "" });
    const at = lineEnd(withoutBrackets, open - 1);
    return apply(withoutBrackets, { start: at, end: at, text: `\n${lines.map((l) => indent + l).join("\n")}` });
  }
  const first = seq.items[0] as Node;
  const dash = lineStart(text, first.range![0]) + text.slice(lineStart(text, first.range![0])).search(/-/);
  const indent = " ".repeat(columnOf(text, dash));
  const last = seq.items[seq.items.length - 1] as Node;
  const at = lineEnd(text, valueEnd(last, text));
  return apply(text, { start: at, end: at, text: `\n${lines.map((l) => indent + l).join("\n")}` });
}

/** Removes a tenant's entry, with the comment lines written just above it. */
export function removeTenant(text: string, id: string): string {
  const seq = tenantsSeq(text)!;
  const index = seq.items.findIndex((i) => isMap(i) && i.get("id") === id);
  if (index === -1) throw new TenantsEditError(`no tenant "${id}" in the tenants file`);
  const item = seq.items[index] as Node;
  if (seq.flow) throw new TenantsEditError("the tenants list is written in flow style [...]; remove the entry by hand");
  let start = lineStart(text, item.range![0]);
  const dashColumn = text.slice(start).search(/-/);
  // Comment lines directly above, at the entry's indentation, describe the entry.
  for (;;) {
    const previous = lineStart(text, start - 1);
    if (previous === start || !/^\s*#/.test(text.slice(previous, start)) || text.slice(previous).search(/#/) !== dashColumn) break;
    start = previous;
  }
  const end = Math.min(text.length, lineEnd(text, valueEnd(item, text)) + 1);
  if (seq.items.length === 1) {
    // The last entry: the list becomes [] on its key's line.
    const key = text.lastIndexOf("tenants:", start);
    return apply(text, { start: key, end, text: "tenants: []\n" });
  }
  return apply(text, { start, end, text: "" });
}

/** Sets `postgres.version` and `postgres.upgradedFrom` of one tenant (what `pgs upgrade` records). */
export function setTenantMajor(file: string, tenantId: string, version: number, upgradedFrom: number): void {
  const text = readFileSync(file, "utf8");
  writeFileSync(
    file,
    inOwnLineEndings(text, (t) =>
      setTenantField(setTenantField(t, tenantId, ["postgres", "version"], version), tenantId, ["postgres", "upgradedFrom"], upgradedFrom),
    ),
  );
}

/** `resources.storage` of a tenant, as `pgs limit-storage` leaves it once the data is in place. */
export function setTenantStorage(file: string, tenantId: string, storage: string): void {
  const text = readFileSync(file, "utf8");
  writeFileSync(
    file,
    inOwnLineEndings(text, (t) => setTenantField(t, tenantId, ["resources", "storage"], storage)),
  );
}

/** The lines an edit changed, as `-`/`+` lines with a line of context on each side. */
export function editDiff(before: string, after: string): string[] {
  const a = before.split(/\r?\n/);
  const b = after.split(/\r?\n/);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const context = (line: string | undefined) => (line === undefined ? [] : [`  ${line}`]);
  return [
    `@@ line ${head + 1}`,
    ...context(head > 0 ? a[head - 1] : undefined),
    ...a.slice(head, a.length - tail).map((l) => `- ${l}`),
    ...b.slice(head, b.length - tail).map((l) => `+ ${l}`),
    ...context(tail > 0 ? a[a.length - tail] : undefined),
  ];
}

export interface EditResult {
  before: string;
  after: string;
}

const LOCK_WAIT_MS = 10_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Holds `<file>.lock` (pid and host inside) while `fn` runs; waits for another holder, takes over a dead one's. */
async function withLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fd = openSync(lock, "wx", 0o600);
      writeSync(fd, `${process.pid} ${hostname()}\n`);
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const [pid, host] = (existsSync(lock) ? readFileSync(lock, "utf8") : "").trim().split(" ");
      if (host === hostname() && pid && !alive(Number(pid))) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new TenantsEditError(`${file} is being edited by another pgs (pid ${pid} on ${host}); try again when it is done`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/**
 * `edit` on the text with LF line endings, the result in the file's own: a file written with
 * CRLF throughout (Windows editors) stays CRLF. A file that mixes them is edited as it is.
 */
function inOwnLineEndings(text: string, edit: (text: string) => string): string {
  const crlf = text.includes("\r\n") && !/(^|[^\r])\n/.test(text);
  return crlf ? edit(text.replace(/\r\n/g, "\n")).replace(/\n/g, "\r\n") : edit(text);
}

/**
 * Reads the file, applies `edit` to its text, validates the whole result with `validate`
 * (which throws on any problem) and replaces the file atomically. Concurrent editors are
 * serialised by a lock, each applying its edit to what the previous one wrote; an invalid
 * result leaves the file untouched.
 */
export async function editTenantsFile(
  file: string,
  edit: (text: string) => string,
  validate: (text: string) => void,
  /** Runs once the result is valid, before it is written (e.g. storing a secret the entry names); throwing writes nothing. */
  beforeWrite?: () => Promise<void>,
): Promise<EditResult> {
  return withLock(file, async () => {
    const before = readFileSync(file, "utf8");
    const after = inOwnLineEndings(before, edit);
    validate(after);
    if (after !== before) {
      await beforeWrite?.();
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, after);
      renameSync(temp, file);
    }
    return { before, after };
  });
}
