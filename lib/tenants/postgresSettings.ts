/**
 * Checks tenants' `postgres.settings` (passed as `postgres -c name=value`) against the real
 * parameter definitions of their PostgreSQL major (lib/tenants/postgresParameters.ts), as the
 * server itself would. When a major has no definitions of its own, the message says which
 * major's were used.
 *
 * Values are parsed as PostgreSQL 17/18 parse them (src/backend/utils/misc/guc.c):
 *   - PGC_INTERNAL parameters cannot be set at all; custom placeholders (a dot) are not checked.
 *   - parse_and_validate_value: per vartype, then the min/max check (after unit conversion).
 *   - parse_bool -> parse_bool_with_len (src/backend/utils/adt/bool.c).
 *   - parse_int: strtol(value, 0) (decimal, 0x hex, leading-0 octal), re-parsed with strtod when
 *     it stops at '.', 'e', 'E' or overflows; whitespace before the unit; convert_to_base_unit;
 *     rint() (round half to even); "Value exceeds integer range". (The C functions: cLocale.ts.)
 *   - parse_real: strtod; units for time-based reals; no rounding.
 *   - convert_to_base_unit with memory_unit_conversion_table / time_unit_conversion_table:
 *     case-sensitive units of at most 3 characters, trailing whitespace allowed; a fractional
 *     value is rounded to a multiple of the next smaller unit ("1.5GB" -> 1536MB).
 *   - config_enum_lookup_by_name: case-insensitive, including the hidden entries that
 *     pg_settings.enumvals does not list (extract.sh probes them: `hidden_enumvals`).
 *   - strings: accepted as they are, except the settings that load libraries (librarySettings.ts).
 * Not replicated: parameter-specific check hooks (e.g. TimeZone names, search_path syntax,
 * max_connections + worker counts <= MAX_BACKENDS) and cross-parameter checks made at startup
 * (e.g. wal_level=minimal with max_wal_senders > 0): those still fail when the server starts.
 */
import { didYouMean } from "./didYouMean";
import { isLibrarySetting, type LibraryCheck, libraryProblem } from "./librarySettings";
import { asciiLower, isSpace, rint, strtod, strtol } from "./cLocale";
import {
  isCustomParameter,
  type ParameterDefinition,
  parameterDefinition,
  settableParameterNames,
  settingsDataMajor,
} from "./postgresParameters";

export type SettingValue = string | number | boolean;
export type SettingProblem = { message: string; hint?: string };

/**
 * What is wrong with `name = value` for a server of `major`, or undefined when the server
 * accepts it. The value is the one written in tenants.yaml; the program passes String(value)
 * (true -> "true", which the boolean parser accepts like "on"; numbers -> their decimal text).
 * `check.customImage`: the stack names its own image for the major (see librarySettings.ts).
 */
export function settingProblem(major: number, name: string, value: SettingValue, check: LibraryCheck = {}): SettingProblem | undefined {
  // Custom placeholders ("pg_stat_statements.max"): PostgreSQL keeps them as strings until an
  // extension defines the parameter, so any value is accepted at startup.
  if (isCustomParameter(name)) return undefined;
  const def = parameterDefinition(major, name);
  const dataMajor = settingsDataMajor(major);
  if (!def) {
    const approx = dataMajor === major ? "" : ` (checked against PostgreSQL ${dataMajor}'s parameters)`;
    const suggestion = didYouMean(name, settableParameterNames(major));
    return {
      message: `unknown parameter "${name}" for PostgreSQL ${major}${approx}`,
      hint: suggestion ? `did you mean "${suggestion}"?` : "see pg_settings (SHOW ALL) for the parameter names",
    };
  }
  if (def.context === "internal") {
    return { message: `${name}: cannot be set, it is fixed when PostgreSQL is built or the cluster is created`, hint: def.short_desc };
  }
  const text = String(value);
  if (isLibrarySetting(def.name)) return libraryProblem(major, name, def.name, text, check);
  switch (def.vartype) {
    case "bool":
      return parseBool(text) === undefined
        ? { message: `${name}: ${show(text)} is not a boolean`, hint: "use on or off (also true/false, yes/no, 1/0)" }
        : undefined;
    case "enum":
      return enumProblem(def, name, text);
    case "string":
      return undefined;
    case "integer":
    case "real":
      return numberProblem(def, name, text);
  }
}

function enumProblem(def: ParameterDefinition, name: string, text: string): SettingProblem | undefined {
  const visible = def.enumvals ?? [];
  const all = [...visible, ...(def.hidden_enumvals ?? [])];
  if (all.some((v) => asciiLower(v) === asciiLower(text))) return undefined;
  const suggestion = didYouMean(
    text,
    visible.filter((v) => v !== ""),
  );
  return {
    message: `${name}: ${show(text)} is not one of ${visible.map((v) => (v === "" ? '""' : v)).join(", ")}`,
    ...(suggestion ? { hint: `did you mean "${suggestion}"?` } : {}),
  };
}

// ---- numbers and units ------------------------------------------------------------------

const MEMORY_UNITS: ReadonlyArray<[string, number]> = [
  ["TB", 2 ** 40],
  ["GB", 2 ** 30],
  ["MB", 2 ** 20],
  ["kB", 2 ** 10],
  ["B", 1],
];
const TIME_UNITS: ReadonlyArray<[string, number]> = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["min", 60_000],
  ["s", 1000],
  ["ms", 1],
  ["us", 0.001],
];
const MAX_UNIT_LEN = 3;
const INT_MAX = 2147483647;
const INT_MIN = -2147483648;

type BaseUnit = { kind: "memory" | "time"; size: number; name: string };

/** pg_settings.unit ("8kB", "kB", "ms", "min", ...) as a size in bytes or milliseconds. */
function baseUnit(unit: string | null): BaseUnit | undefined {
  if (!unit) return undefined;
  const m = /^(\d*)(.+)$/.exec(unit);
  if (!m) return undefined;
  const count = m[1] ? Number(m[1]) : 1;
  const memory = MEMORY_UNITS.find(([u]) => u === m[2]);
  if (memory) return { kind: "memory", size: count * memory[1], name: unit };
  const time = TIME_UNITS.find(([u]) => u === m[2]);
  if (time && count === 1) return { kind: "time", size: time[1], name: unit };
  return undefined;
}

/**
 * The unit table of one base unit, greatest first: [unit, multiplier to the base unit].
 * Each multiplier is one division of exact values, as in guc.c's tables
 * (e.g. 1.0 / (1000 * 1000 * 60) for "us" in minutes), so the doubles are identical.
 */
function conversions(base: BaseUnit): Array<[string, number]> {
  if (base.kind === "memory") return MEMORY_UNITS.map(([u, bytes]) => [u, bytes / base.size]);
  // Time sizes are in ms; "us" is 1/1000 ms: scale to microseconds to keep the division exact.
  return TIME_UNITS.map(([u, ms]) => [u, Math.round(ms * 1000) / Math.round(base.size * 1000)]);
}

/** convert_to_base_unit: `unit` is what follows the number (whitespace already skipped). */
function convertToBaseUnit(value: number, unit: string, base: BaseUnit): number | undefined {
  let i = 0;
  let unitstr = "";
  while (i < unit.length && !isSpace(unit[i]) && unitstr.length < MAX_UNIT_LEN) unitstr += unit[i++];
  while (i < unit.length && isSpace(unit[i])) i++;
  if (i < unit.length) return undefined; // unit too long, or garbage after it
  const table = conversions(base);
  const at = table.findIndex(([u]) => u === unitstr);
  if (at < 0) return undefined;
  let cvalue = value * table[at][1];
  // A fractional value such as "30.1GB" is rounded to a multiple of the next smaller unit.
  if (at + 1 < table.length) cvalue = rint(cvalue / table[at + 1][1]) * table[at + 1][1];
  return cvalue;
}

type Parsed = { ok: true; value: number; rounded?: number } | { ok: false; badUnit?: boolean; overflow?: boolean };

/** Examples for messages, the first within the parameter's range is shown. */
const EXAMPLES = { memory: ["128MB", "1MB", "64kB"], time: ["30s", "5min", "100ms", "1h", "1d"] };

/** parse_int / parse_real: the value in the parameter's base unit. */
function parseNumber(text: string, integer: boolean, base: BaseUnit | undefined): Parsed {
  let num: { value: number; end: number; erange: boolean };
  if (integer) {
    const l = strtol(text);
    const stop = text[l.end];
    num = stop === "." || stop === "e" || stop === "E" || l.erange ? strtod(text) : l;
  } else {
    num = strtod(text);
  }
  if (num.end === 0 || num.erange || Number.isNaN(num.value)) return { ok: false };
  let end = num.end;
  while (end < text.length && isSpace(text[end])) end++;
  let value = num.value;
  if (end < text.length) {
    if (!base) return { ok: false, badUnit: true };
    const converted = convertToBaseUnit(value, text.slice(end), base);
    if (converted === undefined) return { ok: false, badUnit: true };
    value = converted;
  }
  if (!integer) return { ok: true, value };
  const rounded = rint(value);
  if (rounded > INT_MAX || rounded < INT_MIN) return { ok: false, overflow: true };
  return { ok: true, value: rounded, ...(rounded !== value ? { rounded } : {}) };
}

function numberProblem(def: ParameterDefinition, name: string, text: string): SettingProblem | undefined {
  const integer = def.vartype === "integer";
  const base = baseUnit(def.unit);
  const min = def.min_val ?? -Infinity;
  const max = def.max_val ?? Infinity;
  const range = `${quantity(min, base)} .. ${quantity(max, base)}`;
  const parsed = parseNumber(text, integer, base);
  if (!parsed.ok) {
    if (parsed.overflow) {
      return { message: `${name}: ${text.trim()} is above the maximum ${quantity(max, base)}`, hint: "it exceeds the integer range" };
    }
    let what = `${integer ? "an integer" : "a number"} (allowed: ${range})`;
    if (base) {
      const example = EXAMPLES[base.kind].find((e) => {
        const p = parseNumber(e, integer, base);
        return p.ok && p.value >= min && p.value <= max;
      });
      const eg = example ? `e.g. ${example}; ` : "";
      what = `${base.kind === "memory" ? "a memory size" : "a duration"} (${eg}min ${quantity(min, base)})`;
    }
    const unitHint =
      base?.kind === "memory"
        ? "units are B, kB, MB, GB, TB (case-sensitive)"
        : base?.kind === "time"
          ? "units are us, ms, s, min, h, d (case-sensitive)"
          : "this parameter takes no unit";
    return { message: `${name}: ${show(text)} is not ${what}`, ...(parsed.badUnit ? { hint: unitHint } : {}) };
  }
  const { value } = parsed;
  // Real bounds come from pg_settings, printed with %g (6 significant digits): DBL_MAX shows
  // as 1.79769e+308. A bound printed with all 6 digits is compared at that precision.
  const below = integer ? value < min : lessThanPrinted(value, min);
  const above = integer ? value > max : lessThanPrinted(-value, -max);
  if (!below && !above) return undefined;
  const roundedNote = parsed.rounded !== undefined ? `PostgreSQL rounds it to ${quantity(parsed.rounded, base)}; ` : "";
  return {
    message: `${name}: ${text.trim()} is ${below ? `below the minimum ${quantity(min, base)}` : `above the maximum ${quantity(max, base)}`}`,
    hint: `${roundedNote}allowed: ${range}`,
  };
}

/** value < bound, where bound was printed by %g (precision 6). */
function lessThanPrinted(value: number, bound: number): boolean {
  if (!Number.isFinite(bound)) return value < bound;
  const digits = Math.abs(bound).toExponential().replace(/e.*$/, "").replace(".", "").replace(/^0+/, "");
  if (digits.length < 6) return value < bound;
  return Number(value.toPrecision(6)) < bound;
}

/**
 * A value in the parameter's unit as an operator would write it: the greatest unit that
 * divides it (as convert_int_from_base_unit does). 0 and negative values (-1 usually means
 * "off" or "automatic") are shown as plain numbers.
 */
function quantity(value: number, base: BaseUnit | undefined): string {
  if (!base || !Number.isFinite(value) || value <= 0) return formatG(value);
  if (Number.isInteger(value)) {
    const total = value * base.size; // bytes or milliseconds
    const units = base.kind === "memory" ? MEMORY_UNITS : TIME_UNITS.filter(([, ms]) => ms >= base.size);
    for (const [unit, size] of units) {
      if (Number.isInteger(total / size)) return `${total / size}${unit}`;
    }
  }
  return `${formatG(value)}${base.kind === "memory" ? ` × ${base.name}` : base.name}`;
}

function formatG(value: number): string {
  return Number.isInteger(value) || Math.abs(value) < 1e15 ? String(Number(value.toPrecision(6))) : value.toPrecision(6);
}

function show(text: string): string {
  return JSON.stringify(text);
}

/** parse_bool_with_len (bool.c): on/off/true/false/yes/no/1/0 and unique prefixes, any case. */
function parseBool(value: string): boolean | undefined {
  const v = asciiLower(value);
  const len = v.length;
  const prefixOf = (word: string, n: number) => n <= word.length && v.length === n && word.startsWith(v);
  switch (v[0]) {
    case "t":
      return prefixOf("true", len) ? true : undefined;
    case "f":
      return prefixOf("false", len) ? false : undefined;
    case "y":
      return prefixOf("yes", len) ? true : undefined;
    case "n":
      return prefixOf("no", len) ? false : undefined;
    case "o":
      // "o" alone is not unique enough: at least two characters are compared.
      if (len >= 2 && prefixOf("on", len)) return true;
      if (len >= 2 && prefixOf("off", len)) return false;
      return undefined;
    case "1":
      return len === 1 ? true : undefined;
    case "0":
      return len === 1 ? false : undefined;
    default:
      return undefined;
  }
}
