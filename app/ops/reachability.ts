/**
 * Whether what a run applied is true for clients: each tenant it touched answers through the
 * ingress by SNI with verify-full and its own password (a query runs), or, disabled or stopped,
 * is refused there. `pgs up` ends only once that holds, or fails naming the tenant and the
 * reason its server logged.
 */
import { BlockList, isIP } from "node:net";
import { existsSync, readFileSync } from "node:fs";
import { type ConnectionOptions, rootCertificates } from "node:tls";
import { Client } from "pg";
import type { BackendHost } from "../../backends/host";
import type { Tenant } from "../../lib/tenants/tenant";

export interface Probe {
  tenant: string;
  /** What must hold: a query runs, or the connection is refused before it reaches a server. */
  expect: "reachable" | "refused";
  /** The tenant's connection string (postgresql://user:password@hostname:port/database). */
  connectionString: string;
  /** Where the ingress listens (the hostname is only the SNI name). */
  address: string;
  /** The stack's CA ("" for a provided certificate without one: the system's roots then). */
  ca: string;
}

/**
 * What a probe trusts: the stack's CA, else the system's roots and NODE_EXTRA_CA_CERTS, read here
 * because bin/pgs starts Node without it (Node would parse it at every start) and puts it back.
 */
export function ingressTrust(ca: string, env: NodeJS.ProcessEnv = process.env): string | string[] {
  if (ca) return ca;
  const extra = env.NODE_EXTRA_CA_CERTS;
  return [...rootCertificates, ...(extra && existsSync(extra) ? [readFileSync(extra, "utf8")] : [])];
}

export interface ProbeResult {
  tenant: string;
  expect: Probe["expect"];
  ok: boolean;
  /** How long it took to hold, or how long was waited. */
  ms: number;
  /** The last error seen while it did not hold. */
  last?: string;
}

/** One attempt: "ok", "refused" (no server reached: TLS or routing closed it), or the server's error. */
async function attempt(probe: Probe, timeoutMs: number): Promise<{ outcome: "ok" | "refused" | "error"; message?: string }> {
  const url = new URL(probe.connectionString);
  const ssl: ConnectionOptions = { ca: ingressTrust(probe.ca), servername: url.hostname };
  const client = new Client({
    host: probe.address,
    port: Number(url.port),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: url.pathname.slice(1),
    ssl,
    connectionTimeoutMillis: timeoutMs,
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("select 1");
    return { outcome: "ok" };
  } catch (err) {
    // A server's own error (wrong password, starting up, too many clients) has a severity.
    const e = err as Error & { severity?: string };
    return { outcome: e.severity ? "error" : "refused", message: e.message };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Polls every probe until it holds or `timeoutMs` passes; all at once. */
export async function awaitProbes(probes: Probe[], timeoutMs: number, intervalMs = 200): Promise<ProbeResult[]> {
  return Promise.all(
    probes.map(async (probe) => {
      const started = Date.now();
      let last: string | undefined;
      for (;;) {
        const left = timeoutMs - (Date.now() - started);
        const { outcome, message } = await attempt(probe, Math.max(1000, Math.min(5000, left)));
        const held = probe.expect === "reachable" ? outcome === "ok" : outcome === "refused";
        if (held) return { tenant: probe.tenant, expect: probe.expect, ok: true, ms: Date.now() - started };
        last = outcome === "ok" ? "a query ran: the tenant is still reachable" : message;
        if (Date.now() - started + intervalMs > timeoutMs) {
          return { tenant: probe.tenant, expect: probe.expect, ok: false, ms: Date.now() - started, ...(last ? { last } : {}) };
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    }),
  );
}

/** A server's log lines with every SCRAM verifier and each of `secrets` taken out, for an error message. */
export function withoutSecrets(log: string, secrets: string[]): string {
  let out = log.replace(/SCRAM-SHA-256\$[^\s'"]+/g, "[verifier removed]");
  for (const secret of secrets.filter((s) => s.length >= 8)) out = out.split(secret).join("[password removed]");
  return out;
}

/** A tenant a run touched that is not as applied for clients, and why. */
export interface Unusable {
  tenant: string;
  message: string;
}

/** How long a touched tenant may take to answer: a new one runs initdb first. */
const READY_TIMEOUT_MS = 120_000;

/** Whether allowFrom (empty: everyone) admits `address`. */
function allows(allowFrom: string[], address: string): boolean {
  if (allowFrom.length === 0) return true;
  const list = new BlockList();
  for (const entry of allowFrom) {
    const [net, bits] = entry.split("/");
    const type = isIP(net) === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) list.addAddress(net, type);
    else list.addSubnet(net, Number(bits), type);
  }
  return list.check(address, isIP(address) === 6 ? "ipv6" : "ipv4");
}

/**
 * Each of `tenants` as the stack's outputs say it was applied: running with access enabled, a
 * query runs through the ingress; disabled or stopped, the ingress refuses it. An allowlist that
 * excludes this machine refuses it too: then the host is asked whether the server is ready.
 */
export async function checkTenants(request: {
  tenants: Tenant[];
  outputs: Record<string, unknown>;
  host: BackendHost;
  timeoutMs?: number;
}): Promise<{ checked: number; unusable: Unusable[] }> {
  const { outputs, host } = request;
  const timeoutMs = request.timeoutMs ?? READY_TIMEOUT_MS;
  const strings = (outputs.connectionStrings ?? {}) as Record<string, string>;
  const endpoint = outputs.ingressEndpoint as { address?: string } | undefined;
  const address = !endpoint?.address || endpoint.address === "0.0.0.0" || endpoint.address === "::" ? "127.0.0.1" : endpoint.address;
  const probes: Probe[] = [];
  const serverChecks: string[] = [];
  for (const tenant of request.tenants) {
    const connectionString = strings[tenant.id];
    if (!connectionString) continue;
    const routed = tenant.state === "running" && tenant.access === "enabled";
    const admitted = routed && allows(tenant.allowFrom, address);
    probes.push({
      tenant: tenant.id,
      expect: admitted ? "reachable" : "refused",
      connectionString,
      address,
      ca: String(outputs.caCertificate ?? ""),
    });
    if (routed && !admitted) serverChecks.push(tenant.id);
  }
  const [results, servers] = await Promise.all([
    awaitProbes(probes, timeoutMs),
    Promise.all(serverChecks.map(async (tenant) => ({ tenant, ready: await host.serverReady(tenant, timeoutMs) }))),
  ]);
  const passwords = Object.values(strings).map((cs) => decodeURIComponent(new URL(cs).password));
  const unusable: Unusable[] = [];
  for (const r of results.filter((x) => !x.ok)) {
    const log = withoutSecrets(await host.serverLog(r.tenant, 15), passwords);
    unusable.push({
      tenant: r.tenant,
      message:
        `  ${r.tenant}: ${r.expect === "reachable" ? "does not answer" : "is still reachable"} through the ingress after ` +
        `${(r.ms / 1000).toFixed(0)} s (${r.last ?? "no answer"}); its server's last log lines:\n` +
        log
          .split("\n")
          .map((l) => `    ${l}`)
          .join("\n"),
    });
  }
  for (const s of servers.filter((x) => !x.ready)) {
    const log = withoutSecrets(await host.serverLog(s.tenant, 15), passwords);
    unusable.push({
      tenant: s.tenant,
      message: `  ${s.tenant}: its server did not become ready; its last log lines:\n    ${log.split("\n").join("\n    ")}`,
    });
  }
  return { checked: probes.length, unusable };
}
