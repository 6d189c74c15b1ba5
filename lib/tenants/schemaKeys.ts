import type { z } from "zod";
import { TenantsFileSchema } from "./schema";
import type { Path } from "./positions";

type AnySchema = z.ZodType & { def: Record<string, unknown>; shape?: Record<string, AnySchema> };

function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  for (;;) {
    if (["optional", "nullable", "default"].includes(current.def.type as string)) {
      current = current.def.innerType as AnySchema;
    } else if (current.def.type === "union") {
      // `backup: off | { ... }`: the keys are the mapping option's.
      const mapping = (current.def.options as AnySchema[]).find((o) => unwrap(o).def.type === "object");
      if (!mapping) return current;
      current = mapping;
    } else {
      return current;
    }
  }
}

/** The keys the schema allows for the mapping at `path` (for "did you mean" hints). */
export function knownKeysAt(path: Path): string[] {
  let schema = unwrap(TenantsFileSchema as unknown as AnySchema);
  for (const segment of path) {
    if (schema.def.type === "object" && schema.shape && typeof segment === "string") {
      const next = schema.shape[segment];
      if (!next) return [];
      schema = unwrap(next);
    } else if (schema.def.type === "array") {
      schema = unwrap(schema.def.element as AnySchema);
    } else if (schema.def.type === "record") {
      schema = unwrap(schema.def.valueType as AnySchema);
    } else {
      return [];
    }
  }
  return schema.def.type === "object" && schema.shape ? Object.keys(schema.shape) : [];
}
