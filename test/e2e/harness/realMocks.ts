/**
 * Mocks that compute what the real providers would: random passwords, X.509 material made
 * by the openssl CLI, local image ids. Values are remembered by URN + inputs, so an
 * unchanged resource keeps its value across applies (as Pulumi state would) and a changed
 * input (e.g. keepers) or a removed resource loses it.
 */
import { execFileSync } from "node:child_process";
import { createHash, randomInt } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { ResourceMocks } from "../../../lib/programRunner";

export type Generated = Record<string, Record<string, unknown>>;

export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record).sort().filter((k) => record[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson(record[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Pulumi's wire marker for secrets (sdk/nodejs/runtime/rpc.ts): mocks receive inputs still wrapped. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";

function reveal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reveal);
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (SIG_KEY in record) return reveal(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, reveal(v)]));
  }
  return value;
}

function only(type: string, inputs: Record<string, unknown>, supported: string[]): void {
  const unknown = Object.keys(inputs).filter((k) => !supported.includes(k));
  if (unknown.length > 0) throw new Error(`e2e mocks: ${type} inputs not supported: ${unknown.join(", ")}`);
}

const DEFAULT_SPECIAL = "!@#$%&*()-_=+[]{}<>:?";

function randomPassword(inputs: Record<string, unknown>): Record<string, unknown> {
  only("RandomPassword", inputs, ["length", "special", "overrideSpecial", "upper", "lower", "numeric", "keepers"]);
  let charset = "";
  if (inputs.upper !== false) charset += "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  if (inputs.lower !== false) charset += "abcdefghijklmnopqrstuvwxyz";
  if (inputs.numeric !== false) charset += "0123456789";
  if (inputs.special !== false) charset += typeof inputs.overrideSpecial === "string" ? inputs.overrideSpecial : DEFAULT_SPECIAL;
  const length = Number(inputs.length);
  let result = "";
  for (let i = 0; i < length; i++) result += charset[randomInt(charset.length)];
  return { result };
}

/** Runs openssl in a private temp dir; `files` are written there first, outputs read back. */
function openssl(files: Record<string, string>, argv: string[][], read: string[]): Record<string, string> {
  const dir = mkdtempSync(path.join(tmpdir(), "pgs-e2e-tls-"));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content, { mode: 0o600 });
    for (const args of argv) execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    return Object.fromEntries(read.map((name) => [name, readFileSync(path.join(dir, name), "utf8")]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function privateKey(inputs: Record<string, unknown>): Record<string, unknown> {
  only("PrivateKey", inputs, ["algorithm", "ecdsaCurve", "rsaBits"]);
  let generate: string[];
  if (inputs.algorithm === "ECDSA") {
    if ((inputs.ecdsaCurve ?? "P224") !== "P256") throw new Error(`e2e mocks: ECDSA curve ${String(inputs.ecdsaCurve)} not supported`);
    generate = ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "key.pem"];
  } else if (inputs.algorithm === "RSA") {
    generate = ["genrsa", "-traditional", "-out", "key.pem", String(inputs.rsaBits ?? 2048)];
  } else {
    throw new Error(`e2e mocks: key algorithm ${String(inputs.algorithm)} not supported`);
  }
  const out = openssl({}, [generate, ["pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem"]], ["key.pem", "pub.pem"]);
  return { privateKeyPem: out["key.pem"], publicKeyPem: out["pub.pem"] };
}

function subjectArg(subject: unknown): string {
  const s = (subject ?? {}) as Record<string, unknown>;
  only("subject", s, ["commonName", "organization", "organizationalUnit", "country"]);
  const parts: [string, unknown][] = [["C", s.country], ["O", s.organization], ["OU", s.organizationalUnit], ["CN", s.commonName]];
  return parts.filter(([, v]) => v !== undefined).map(([k, v]) => `/${k}=${String(v).replace(/\//g, "\\/")}`).join("") || "/";
}

const KEY_USAGE: Record<string, string> = {
  digital_signature: "digitalSignature", key_encipherment: "keyEncipherment", cert_signing: "keyCertSign",
  crl_signing: "cRLSign", content_commitment: "nonRepudiation", key_agreement: "keyAgreement",
};
const EXT_KEY_USAGE: Record<string, string> = { server_auth: "serverAuth", client_auth: "clientAuth" };

/** An openssl extensions section for allowedUses and the CA flag. */
function extensions(allowedUses: unknown, isCa: boolean): string {
  const uses = (allowedUses ?? []) as string[];
  const unknown = uses.filter((u) => !KEY_USAGE[u] && !EXT_KEY_USAGE[u]);
  if (unknown.length > 0) throw new Error(`e2e mocks: allowedUses not supported: ${unknown.join(", ")}`);
  const lines = [`basicConstraints = critical, CA:${isCa ? "TRUE" : "FALSE"}`];
  const ku = uses.filter((u) => KEY_USAGE[u]).map((u) => KEY_USAGE[u]);
  const eku = uses.filter((u) => EXT_KEY_USAGE[u]).map((u) => EXT_KEY_USAGE[u]);
  if (ku.length > 0) lines.push(`keyUsage = critical, ${ku.join(", ")}`);
  if (eku.length > 0) lines.push(`extendedKeyUsage = ${eku.join(", ")}`);
  lines.push("subjectKeyIdentifier = hash");
  return `[ext]\n${lines.join("\n")}\n`;
}

const days = (hours: unknown) => String(Math.max(1, Math.ceil(Number(hours) / 24)));

function selfSignedCert(inputs: Record<string, unknown>): Record<string, unknown> {
  only("SelfSignedCert", inputs, ["privateKeyPem", "isCaCertificate", "subject", "validityPeriodHours", "allowedUses", "earlyRenewalHours", "dnsNames"]);
  const ext = extensions(inputs.allowedUses, inputs.isCaCertificate === true) +
    (Array.isArray(inputs.dnsNames) ? `subjectAltName = ${inputs.dnsNames.map((n) => `DNS:${n}`).join(", ")}\n` : "");
  const out = openssl({ "key.pem": String(inputs.privateKeyPem), "ext.cnf": ext }, [[
    "req", "-x509", "-new", "-key", "key.pem", "-subj", subjectArg(inputs.subject), "-days", days(inputs.validityPeriodHours),
    "-config", "ext.cnf", "-extensions", "ext", "-out", "cert.pem",
  ]], ["cert.pem"]);
  return { certPem: out["cert.pem"] };
}

function certRequest(inputs: Record<string, unknown>): Record<string, unknown> {
  only("CertRequest", inputs, ["privateKeyPem", "dnsNames", "subject"]);
  const names = (inputs.dnsNames ?? []) as string[];
  const out = openssl({ "key.pem": String(inputs.privateKeyPem) }, [[
    "req", "-new", "-key", "key.pem", "-subj", subjectArg(inputs.subject),
    ...(names.length > 0 ? ["-addext", `subjectAltName = ${names.map((n) => `DNS:${n}`).join(", ")}`] : []),
    "-out", "req.pem",
  ]], ["req.pem"]);
  return { certRequestPem: out["req.pem"] };
}

function locallySignedCert(inputs: Record<string, unknown>): Record<string, unknown> {
  only("LocallySignedCert", inputs, ["certRequestPem", "caPrivateKeyPem", "caCertPem", "validityPeriodHours", "earlyRenewalHours", "allowedUses", "isCaCertificate"]);
  const out = openssl({
    "req.pem": String(inputs.certRequestPem), "ca-key.pem": String(inputs.caPrivateKeyPem), "ca.pem": String(inputs.caCertPem),
    "ext.cnf": extensions(inputs.allowedUses, inputs.isCaCertificate === true) + "authorityKeyIdentifier = keyid\n",
  }, [[
    // Like the provider, the request's subject and SANs are copied into the certificate.
    "x509", "-req", "-in", "req.pem", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-set_serial", String(randomInt(1, 2 ** 47)),
    "-days", days(inputs.validityPeriodHours), "-copy_extensions", "copy", "-extfile", "ext.cnf", "-extensions", "ext", "-out", "cert.pem",
  ]], ["cert.pem"]);
  return { certPem: out["cert.pem"] };
}

function localImageId(inputs: Record<string, unknown>): Record<string, unknown> {
  only("RemoteImage", inputs, ["name", "keepLocally"]);
  let id: string;
  try {
    id = execFileSync("docker", ["image", "inspect", "--format", "{{.Id}}", String(inputs.name)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (err) {
    throw new Error(`e2e: image ${String(inputs.name)} is not present locally (nothing is pulled; run scripts/e2e-env.sh): ${(err as Error).message}`);
  }
  return { imageId: id, repoDigest: id };
}

const GENERATORS: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>> = {
  "random:index/randomPassword:RandomPassword": randomPassword,
  "tls:index/privateKey:PrivateKey": privateKey,
  "tls:index/selfSignedCert:SelfSignedCert": selfSignedCert,
  "tls:index/certRequest:CertRequest": certRequest,
  "tls:index/locallySignedCert:LocallySignedCert": locallySignedCert,
};

/**
 * `previous` comes from the last apply; `used` collects what this run keeps (its new state).
 * `lastOutputs` are the stack outputs of the last successful apply, which the program reads
 * back through a StackReference to itself, as it would from Pulumi's state.
 */
export function realMocks(previous: Generated, used: Generated, lastOutputs: Record<string, unknown> = {}): ResourceMocks {
  return {
    newResource({ type, name, urn, inputs: wrapped }) {
      const inputs = reveal(wrapped) as Record<string, unknown>;
      const id = typeof inputs.name === "string" ? inputs.name : `${name}-id`;
      if (type === "pulumi:pulumi:StackReference") {
        return { id, state: { name: inputs.name, outputs: lastOutputs, secretOutputNames: [] } };
      }
      if (type === "docker:index/remoteImage:RemoteImage") {
        // Re-read every run: a rebuilt local image is a new id, as a re-pull would be.
        return { id, state: { ...inputs, ...localImageId(inputs) } };
      }
      const generate = GENERATORS[type];
      if (!generate) return { id, state: { ...inputs } };
      const key = `${urn}#${createHash("sha256").update(stableJson(inputs)).digest("hex")}`;
      used[key] = previous[key] ?? generate(inputs);
      return { id, state: { ...inputs, ...used[key] } };
    },
  };
}
