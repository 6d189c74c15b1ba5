/** app/offline/treeOrder.ts: registration order regrouped as a tree. */
import type { RecordedResource } from "../../../../app/offline/programRunner";
import { treeOrder } from "../../../../app/offline/treeOrder";

const r = (name: string, parent?: string) => ({ urn: name, name, ...(parent ? { parent } : {}) }) as RecordedResource;

test("each resource follows its parent, siblings keep their registration order, an unknown parent counts as none", () => {
  const order = treeOrder([r("a"), r("b"), r("b1", "b"), r("a1", "a"), r("a2", "a"), r("a11", "a1"), r("x", "gone")]);
  expect(order.map((x) => x.name)).toEqual(["a", "a1", "a11", "a2", "b", "b1", "x"]);
});
