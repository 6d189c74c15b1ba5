/**
 * A recorded resource whose inputs are kept as JSON text and parsed again when read. A plan in
 * chunks holds the records of every chunk run so far while the next one runs: as objects, those
 * were most of what each garbage collection walked, and of the heap V8 then grew to.
 */
import type { RecordedResource } from "./programRunner";

export class PackedResource implements RecordedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent?: string;
  readonly custom: boolean;
  readonly options: RecordedResource["options"];
  /** Own fields, so that two records compare equal as JSON only if their inputs do. */
  private readonly packedInputs: string;
  /** Absent when no input is secret: the display inputs are the inputs. */
  private readonly packedDisplayInputs?: string;

  constructor(r: RecordedResource) {
    this.urn = r.urn;
    this.type = r.type;
    this.name = r.name;
    if (r.parent !== undefined) this.parent = r.parent;
    this.custom = r.custom;
    this.options = r.options;
    this.packedInputs = JSON.stringify(r.inputs);
    const display = JSON.stringify(r.displayInputs);
    if (display !== this.packedInputs) this.packedDisplayInputs = display;
  }

  get inputs(): Record<string, unknown> {
    return JSON.parse(this.packedInputs) as Record<string, unknown>;
  }

  get displayInputs(): Record<string, unknown> {
    return JSON.parse(this.packedDisplayInputs ?? this.packedInputs) as Record<string, unknown>;
  }
}
