/** The C library functions PostgreSQL parses setting values with, as glibc behaves in the C locale. */
import { asciiLower, isSpace, rint, strtod, strtol } from "../../../../lib/tenants/cLocale";

test("isspace: space, tab, newline, vertical tab, form feed, carriage return", () => {
  expect([" ", "\t", "\n", "\v", "\f", "\r"].every(isSpace)).toBe(true);
  expect(["a", "\u00a0", "", undefined].some(isSpace)).toBe(false);
});

test("rint rounds half to even", () => {
  expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6].map(rint)).toEqual([0, 2, 2, -0, -2, 2, 3]);
  expect(rint(Infinity)).toBe(Infinity);
});

test("case folding touches ASCII letters only", () => {
  expect(asciiLower("Shared_BUFFERS")).toBe("shared_buffers");
  expect(asciiLower("ÄÖ")).toBe("ÄÖ");
});

describe("strtol with base 0", () => {
  test.each([
    ["42", { value: 42, end: 2, erange: false }],
    ["  -7x", { value: -7, end: 4, erange: false }],
    ["+7", { value: 7, end: 2, erange: false }],
    ["0x1B", { value: 27, end: 4, erange: false }],
    ["010", { value: 8, end: 3, erange: false }],
    ["08", { value: 0, end: 1, erange: false }],
    ["0x", { value: 0, end: 1, erange: false }],
    ["1.5", { value: 1, end: 1, erange: false }],
    ["", { value: 0, end: 0, erange: false }],
    ["abc", { value: 0, end: 0, erange: false }],
  ])("%p", (text, expected) => {
    expect(strtol(text)).toEqual(expected);
  });

  test("a value beyond a 64-bit long is clamped, with ERANGE", () => {
    expect(strtol("99999999999999999999")).toEqual({ value: 2 ** 63 - 1, end: 20, erange: true });
    expect(strtol("-9223372036854775808")).toEqual({ value: -(2 ** 63), end: 20, erange: false });
  });
});

describe("strtod", () => {
  test.each([
    ["1.5", 1.5, 3],
    [" .5", 0.5, 3],
    ["-0.5x", -0.5, 4],
    ["1e2", 100, 3],
    ["1e", 1, 1],
    ["0x1.8", 1.5, 5],
    ["0x10p1", 32, 6],
    ["inf", Infinity, 3],
    ["-Infinity", -Infinity, 9],
  ])("%p is %p, ending at %p", (text, value, end) => {
    expect(strtod(text)).toMatchObject({ value, end, erange: false });
  });

  test("nan, with or without its parenthesised tag", () => {
    expect(strtod("nan")).toMatchObject({ end: 3 });
    expect(Number.isNaN(strtod("NaN(x1)").value)).toBe(true);
    expect(strtod("nan(x1)").end).toBe(7);
  });

  test("overflow and underflow below the normal range set ERANGE; zero does not", () => {
    expect(strtod("1e400")).toMatchObject({ value: Infinity, erange: true });
    expect(strtod("1e-320").erange).toBe(true);
    expect(strtod("0e-320").erange).toBe(false);
  });

  test("nothing converted: end 0", () => {
    expect(strtod("e5")).toEqual({ value: 0, end: 0, erange: false });
  });
});
