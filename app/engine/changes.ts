/**
 * What an engine run did (or, in a preview, would do) to each resource, collected from the
 * Automation API's engine events: the same steps `pulumi up` prints.
 */
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";

export interface ResourceStep {
  urn: string;
  type: string;
  /** The resource's logical name (the last part of its URN). */
  name: string;
  op: OpType;
  /** Properties whose change caused the step (a replacement's cause). */
  diffs: string[];
  /** A delete that leaves the resource where it is (retainOnDelete). */
  retained: boolean;
}

/** Collects steps from engine events; pass `onEvent` to an operation, then read `steps`. */
export class StepLog {
  private readonly byUrn = new Map<string, ResourceStep>();

  readonly onEvent = (event: EngineEvent): void => {
    const metadata = event.resourcePreEvent?.metadata ?? event.resOutputsEvent?.metadata;
    if (!metadata || metadata.type === "pulumi:pulumi:Stack") return;
    const previous = this.byUrn.get(metadata.urn);
    // A replacement shows as create-replacement, replace and delete-replaced: keep "replace".
    if (previous?.op === "replace" && metadata.op !== "replace") return;
    this.byUrn.set(metadata.urn, {
      urn: metadata.urn,
      type: metadata.type,
      name: metadata.urn.slice(metadata.urn.lastIndexOf("::") + 2),
      op: metadata.op === "create-replacement" || metadata.op === "delete-replaced" ? "replace" : metadata.op,
      diffs: metadata.diffs ?? previous?.diffs ?? [],
      retained: metadata.old?.retainOnDelete === true && (metadata.op === "delete" || metadata.op === "discard"),
    });
  };

  get steps(): ResourceStep[] {
    return [...this.byUrn.values()];
  }

  /** Logical names by operation, sorted; `same` left out unless asked for. */
  byOp(includeSame = false): Partial<Record<OpType, string[]>> {
    const out: Partial<Record<OpType, string[]>> = {};
    for (const step of this.steps) {
      if (step.op === "same" && !includeSame) continue;
      const names = out[step.op] ?? [];
      names.push(step.name);
      out[step.op] = names;
    }
    for (const names of Object.values(out)) names?.sort();
    return out;
  }
}
