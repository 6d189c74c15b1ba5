/**
 * The C library as PostgreSQL calls it to parse setting values, in the C locale on a 64-bit
 * glibc platform: isspace(), ASCII case folding, strtol(), strtod() and rint().
 */

/** isspace() in the C locale. */
export function isSpace(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\v" || c === "\f" || c === "\r";
}

/** rint() in the default rounding mode: to nearest, ties to even. */
export function rint(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/** ASCII-only case folding, as pg_strcasecmp and guc_name_compare do. */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/** What strtol and strtod report: the value, where parsing stopped (0: nothing converted), ERANGE. */
export interface Converted {
  value: number;
  end: number;
  erange: boolean;
}

const LONG_MAX = 2n ** 63n - 1n;

/** strtol(text, &end, 0): decimal, 0x hex, leading-0 octal; clamped to the range of a long. */
export function strtol(text: string): Converted {
  let i = 0;
  while (isSpace(text[i])) i++;
  let negative = false;
  if (text[i] === "+" || text[i] === "-") negative = text[i++] === "-";
  let radix = 10;
  let digits = /[0-9]/;
  if (text[i] === "0" && (text[i + 1] === "x" || text[i + 1] === "X") && /[0-9a-fA-F]/.test(text[i + 2] ?? "")) {
    radix = 16;
    digits = /[0-9a-fA-F]/;
    i += 2;
  } else if (text[i] === "0") {
    radix = 8;
    digits = /[0-7]/;
  }
  const start = i;
  while (i < text.length && digits.test(text[i])) i++;
  if (i === start) return { value: 0, end: 0, erange: false };
  let magnitude = 0n;
  for (const c of text.slice(start, i)) magnitude = magnitude * BigInt(radix) + BigInt(parseInt(c, radix));
  const limit = negative ? LONG_MAX + 1n : LONG_MAX;
  const erange = magnitude > limit;
  const clamped = erange ? limit : magnitude;
  return { value: Number(negative ? -clamped : clamped), end: i, erange };
}

const DBL_MIN = 2.2250738585072014e-308;

/** glibc strtod(text, &end): decimal, hex floats, inf/infinity, nan[(...)]. */
export function strtod(text: string): Converted {
  let i = 0;
  while (isSpace(text[i])) i++;
  let sign = 1;
  if (text[i] === "+" || text[i] === "-") sign = text[i++] === "-" ? -1 : 1;
  const rest = text.slice(i);
  const special = /^(infinity|inf|nan(\([0-9A-Za-z_]*\))?)/i.exec(rest);
  if (special) {
    const v = special[0][0].toLowerCase() === "i" ? Infinity : NaN;
    return { value: sign * v, end: i + special[0].length, erange: false };
  }
  const hex = /^0[xX](?:([0-9a-fA-F]+)(?:\.([0-9a-fA-F]*))?|\.([0-9a-fA-F]+))(?:[pP]([+-]?\d+))?/.exec(rest);
  if (hex) {
    const intPart = hex[1] ?? "";
    const fracPart = hex[2] ?? hex[3] ?? "";
    const mantissa = BigInt(`0x${intPart + fracPart || "0"}`);
    const exponent = Number(hex[4] ?? 0) - 4 * fracPart.length;
    let value = Number(mantissa) * 2 ** exponent;
    if (!Number.isFinite(2 ** exponent) || (2 ** exponent === 0 && mantissa !== 0n)) {
      value = exponent > 0 ? Infinity : 0; // beyond double range either way
    }
    return finish(sign * value, i + hex[0].length, mantissa !== 0n);
  }
  const dec = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(rest);
  // (For "0x" without hex digits this converts the "0", as glibc does.)
  if (!dec) return { value: 0, end: 0, erange: false };
  return finish(sign * Number(dec[0]), i + dec[0].length, /[1-9]/.test(dec[0].replace(/[eE].*$/, "")));
}

/** ERANGE as glibc sets it: overflow to infinity, or underflow below the normal range. */
function finish(value: number, end: number, nonzero: boolean): Converted {
  const erange = !Number.isFinite(value) || (nonzero && Math.abs(value) < DBL_MIN);
  return { value, end, erange };
}
