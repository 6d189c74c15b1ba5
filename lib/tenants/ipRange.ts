import { isIP } from "node:net";

/**
 * An IPv4/IPv6 address, or a CIDR whose prefix length fits its family. No IPv6 zone
 * (`fe80::1%eth0`, which Node's isIP accepts but Go's net.ParseIP, under Traefik's ipAllowList,
 * does not) and no leading zero in the prefix (`/08`: ambiguous).
 */
export function isIpOrCidr(value: string): boolean {
  const [address, prefix, ...rest] = value.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0 || address.includes("%")) return false;
  if (prefix === undefined) return true;
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}
