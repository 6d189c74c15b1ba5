import { isIP } from "node:net";

/** An IPv4/IPv6 address, or a CIDR whose prefix length fits its family. */
export function isIpOrCidr(value: string): boolean {
  const [address, prefix, ...rest] = value.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^[0-9]{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}
