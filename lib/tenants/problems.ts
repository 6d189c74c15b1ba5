/** One thing wrong with an operator's input, located in the file it came from. */
export interface Problem {
  file: string;
  line: number;
  col: number;
  message: string;
  hint?: string;
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.message}${p.hint ? ` (${p.hint})` : ""}`;
}

export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.col - b.col || a.message.localeCompare(b.message));
}

/** Thrown when tenants.yaml (or stack config that it depends on) is invalid; carries every problem. */
export class InvalidInputError extends Error {
  constructor(readonly problems: Problem[]) {
    super(sortProblems(problems).map(formatProblem).join("\n"));
    this.name = "InvalidInputError";
  }
}
