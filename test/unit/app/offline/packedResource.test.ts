/** app/offline/packedResource.ts: a record kept as JSON text reads back as it was. */
import { PackedResource } from "../../../../app/offline/packedResource";
import type { RecordedResource } from "../../../../app/offline/programRunner";

const OPTIONS = {
  retainOnDelete: true,
  deleteBeforeReplace: false,
  replaceOnChanges: ["x"],
  ignoreChanges: [],
  protect: false,
  dependsOn: ["u"],
};
const record = (inputs: Record<string, unknown>, displayInputs = inputs): RecordedResource => ({
  urn: "urn:pulumi:unit::pgs::t::a",
  type: "t",
  name: "a",
  parent: "urn:pulumi:unit::pgs::p::p",
  custom: true,
  inputs,
  displayInputs,
  options: OPTIONS,
});

test("inputs, display inputs and the rest read back equal", () => {
  const r = record(
    { name: "n", list: [1, null, { deep: true }], n: 1.5 },
    { name: "n", list: [1, null, { deep: true }], n: 1.5, pw: "[secret]" },
  );
  const packed = new PackedResource(r);
  expect({ ...r, inputs: packed.inputs, displayInputs: packed.displayInputs }).toEqual(r);
  expect([packed.urn, packed.type, packed.name, packed.parent, packed.custom, packed.options]).toEqual([
    r.urn,
    r.type,
    r.name,
    r.parent,
    r.custom,
    OPTIONS,
  ]);
});

test("records compare equal as JSON exactly when their inputs do", () => {
  const same = (a: RecordedResource, b: RecordedResource) =>
    JSON.stringify(new PackedResource(a)) === JSON.stringify(new PackedResource(b));
  expect(same(record({ a: 1 }), record({ a: 1 }))).toBe(true);
  expect(same(record({ a: 1 }), record({ a: 2 }))).toBe(false);
  expect(same(record({ a: 1 }, { a: "[secret]" }), record({ a: 1 }))).toBe(false);
});
