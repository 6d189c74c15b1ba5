/**
 * How the CLI talks to its user: lines on stdout and stderr, colour only on a terminal and never
 * with NO_COLOR, JSON for scripts, and the two exits a command can take besides success.
 */

export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Standard input is a terminal (prompts are possible). */
  interactive: boolean;
  color: boolean;
  stdin: NodeJS.ReadableStream;
}

export function processIo(): Io {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    interactive: Boolean(process.stdin.isTTY),
    color: Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined && process.env.TERM !== "dumb",
    stdin: process.stdin,
  };
}

/** A failure the user can act on: its message is printed as is, with the exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 | 130 = 1,
  ) {
    super(message);
  }
}

/** Exit codes (README, "Exit codes"). `closedOutput` is 128 + SIGPIPE, what a shell reports for git or kubectl there. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130, closedOutput: 141 } as const;

/**
 * `pgs list | head -3`: once the reader has gone, a write fails with EPIPE, which Node raises as
 * an 'error' event (it ignores SIGPIPE) and, unhandled, as a stack trace. Other tools die of
 * SIGPIPE there, silently; pgs exits quietly with the code a shell shows for them. An engine run
 * (which listens for SIGTERM) is cancelled the way a SIGTERM cancels it instead, so that the
 * engine finishes the steps in flight; what is left to print is dropped.
 */
export function exitQuietlyWhenOutputCloses(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE") throw err;
      const first = !closed;
      closed = true;
      process.stdout.write = dropWrite;
      process.stderr.write = dropWrite;
      if (process.listenerCount("SIGTERM") === 0) process.exit(EXIT.closedOutput);
      if (first) process.kill(process.pid, "SIGTERM");
    });
  }
}
let closed = false;
const dropWrite = ((_chunk: unknown, encodingOrDone?: unknown, done?: unknown) => {
  const callback = typeof encodingOrDone === "function" ? encodingOrDone : done;
  if (typeof callback === "function") process.nextTick(callback as () => void);
  return true;
}) as typeof process.stdout.write;

const CODES = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;

export function paint(io: Io, style: keyof typeof CODES, text: string): string {
  return io.color ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text;
}

/** The widest a column other than the last gets in a table; longer cells end in an ellipsis (the --json output has them whole). */
export const COLUMN_MAX = 32;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's colour codes (paint)
const ESCAPES = /\u001b\[[0-9;]*m/g;
const visible = (cell: string) => cell.replace(ESCAPES, "").length;

function fitted(cell: string): string {
  if (visible(cell) <= COLUMN_MAX) return cell;
  const plain = cell.replace(ESCAPES, "");
  return `${plain.slice(0, COLUMN_MAX - 1)}…`;
}

/**
 * Rows as aligned columns, with a header row. A 63-character tenant id would widen every row to
 * it: cells of all but the last column are cut to COLUMN_MAX, ending in "…".
 */
export function table(header: string[], rows: string[][]): string[] {
  const cut = rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : fitted(c))));
  const widths = header.map((h, i) => Math.max(h.length, ...cut.map((r) => visible(r[i] ?? ""))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat(Math.max(0, widths[i] - visible(c)))))
      .join("  ")
      .trimEnd();
  return [line(header), ...cut.map(line)];
}

export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

/** "3 s", "4 min", "2 h", "5 d": an age for humans. */
export function age(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}
