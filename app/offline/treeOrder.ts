/** Registration order regrouped as a tree: each resource right after its parent, as `pulumi preview` shows them. */
import type { RecordedResource } from "./programRunner";

export function treeOrder(resources: RecordedResource[]): RecordedResource[] {
  const children = new Map<string | undefined, RecordedResource[]>();
  const urns = new Set(resources.map((r) => r.urn));
  for (const r of resources) {
    const parent = r.parent && urns.has(r.parent) ? r.parent : undefined;
    const siblings = children.get(parent);
    if (siblings) siblings.push(r);
    else children.set(parent, [r]);
  }
  const ordered: RecordedResource[] = [];
  const visit = (parent: string | undefined) => {
    for (const r of children.get(parent) ?? []) {
      ordered.push(r);
      visit(r.urn);
    }
  };
  visit(undefined);
  return ordered;
}
