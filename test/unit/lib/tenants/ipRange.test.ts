/** lib/tenants/ipRange.ts: what allowFrom (and `pgs allow`) accepts as an address or CIDR. */
import { isIpOrCidr } from "../../../../lib/tenants/ipRange";

test.each(["10.0.0.1", "0.0.0.0", "255.255.255.255", "::1", "::", "2001:db8::1", "::ffff:192.0.2.1"])("address %s is accepted", (value) => {
  expect(isIpOrCidr(value)).toBe(true);
});

test.each(["10.0.0.0/8", "192.0.2.0/24", "0.0.0.0/0", "203.0.113.7/32", "2001:db8::/32", "::/0", "::1/128", "fe80::/10"])(
  "CIDR %s is accepted",
  (value) => {
    expect(isIpOrCidr(value)).toBe(true);
  },
);

test("a prefix longer than the family's address is refused: 32 bits for IPv4, 128 for IPv6", () => {
  expect(isIpOrCidr("10.0.0.0/33")).toBe(false);
  expect(isIpOrCidr("2001:db8::/129")).toBe(false);
  // 64 is fine for IPv6, not for IPv4.
  expect(isIpOrCidr("2001:db8::/64")).toBe(true);
  expect(isIpOrCidr("10.0.0.0/64")).toBe(false);
});

test("a prefix must be a plain number of at most three digits", () => {
  for (const bad of ["10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8.0", "10.0.0.0/ 8", "10.0.0.0/x", "::/0128", "10.0.0.0/0x10"]) {
    expect([bad, isIpOrCidr(bad)]).toEqual([bad, false]);
  }
});

test("more than one slash is refused", () => {
  expect(isIpOrCidr("10.0.0.0/8/8")).toBe(false);
  expect(isIpOrCidr("::1/128/")).toBe(false);
});

test("host names, partial addresses and empty strings are refused", () => {
  for (const bad of [
    "",
    "/8",
    "localhost",
    "example.com/24",
    "10.0.0",
    "10.0.0.256",
    "1.2.3.4.5",
    "2001:db8:::1",
    "10.0.0.1 ",
    " 10.0.0.1",
    "*",
  ]) {
    expect([bad, isIpOrCidr(bad)]).toEqual([bad, false]);
  }
});

test("an IPv6 zone and a prefix with a leading zero are refused", () => {
  expect(["fe80::1%eth0", "fe80::%1/64", "10.0.0.0/08", "::/000"].map(isIpOrCidr)).toEqual([false, false, false, false]);
  expect(["10.0.0.0/0", "::/0"].map(isIpOrCidr)).toEqual([true, true]);
});
