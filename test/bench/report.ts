/**
 * What every benchmark shares: percentiles, a Markdown table with the aim beside each figure,
 * and the block of docs/performance.md it replaces (between `<!-- bench:NAME:start -->` and
 * `:end -->`), so the performance page is always a script's own output.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import * as path from "node:path";
import { SOURCE_DIR } from "../../lib/sourceDir";

export const log = (name: string) => (line: string) => process.stderr.write(`bench ${name}: ${line}\n`);

export function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
export const median = (xs: number[]) => percentile(xs, 50);
export const fmt = (x: number, digits = 1) => x.toFixed(digits);

export interface Row {
  measure: string;
  value: string;
  aim?: string;
  /** "met", "missed" or a word of explanation. */
  verdict?: string;
}

export function table(rows: Row[]): string[] {
  return [
    "| measure | value | aim | |",
    "|---|---|---|---|",
    ...rows.map((r) => `| ${r.measure} | ${r.value} | ${r.aim ?? ""} | ${r.verdict ?? ""} |`),
  ];
}

export const verdict = (ok: boolean) => (ok ? "met" : "**missed**");

/** The machine, for the line above each table. */
export function machine(): string {
  return `${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? "?"}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB`;
}

/** The page every benchmark writes its block into. */
export const PERFORMANCE_PAGE = path.join(SOURCE_DIR, "docs", "performance.md");

/** Replaces the docs/performance.md block of `name` with `lines` and prints them. */
export function publish(name: string, command: string, lines: string[]): void {
  const block = [
    `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC by \`${command}\` on ${machine()}.`,
    "",
    ...lines,
  ].join("\n");
  process.stdout.write(`\n${block}\n`);
  const file = PERFORMANCE_PAGE;
  const text = readFileSync(file, "utf8");
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to === -1) {
    process.stderr.write(`docs/performance.md has no ${start} … ${end} block: not written there\n`);
    return;
  }
  writeFileSync(file, `${text.slice(0, from + start.length)}\n${block}\n${text.slice(to)}`);
}
