import { X509Certificate } from "node:crypto";

/** TLS name matching: exact, or a `*.` wildcard standing for exactly one left-most label. */
export function hostnameCoveredBy(hostname: string, certificateName: string): boolean {
  const name = certificateName.toLowerCase();
  if (name.startsWith("*.")) {
    const dot = hostname.indexOf(".");
    return dot > 0 && hostname.slice(dot + 1) === name.slice(2);
  }
  return hostname === name;
}

/** The DNS subjectAltNames of a PEM certificate. */
export function certificateDnsNames(pem: string): string[] {
  const san = new X509Certificate(pem).subjectAltName ?? "";
  return san
    .split(/,\s*/)
    .filter((entry) => entry.startsWith("DNS:"))
    .map((entry) => entry.slice(4));
}

/** The names the self-signed mode's server certificate carries for a base domain. */
export function selfSignedCertificateNames(baseDomain: string): string[] {
  return [`*.${baseDomain}`];
}
