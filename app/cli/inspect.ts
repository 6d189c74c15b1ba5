/**
 * `pgs list`, `pgs status` and `pgs credentials`: tenants.yaml joined with what the stack last
 * applied (its outputs) and what runs on the stack's backend (its host). Only `credentials`
 * prints a secret.
 */
import { lookup } from "node:dns/promises";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { stateDir } from "../engine/environment";
import { SOURCE_DIR } from "../../lib/sourceDir";
import type { TenantEndpoint } from "../../lib/tenants/endpoint";
import { tenantEndpoint } from "../../lib/tenants/endpoint";
import type { LiveServer } from "../../backends/host";
import { loadOffline, type Target } from "./context";
import { existingStack, outputs } from "./stack";
import { age, CliError, type Io, paint, printJson, table } from "./io";

/** The stack's last applied tenantEndpoints, or why they cannot be read. */
async function appliedEndpoints(t: Target): Promise<{ endpoints?: Record<string, TenantEndpoint>; note?: string }> {
  try {
    const out = await outputs(await existingStack(t));
    return { endpoints: (out.tenantEndpoints ?? {}) as Record<string, TenantEndpoint> };
  } catch (err) {
    return { note: `the stack's last deployment could not be read (${(err as Error).message.split("\n")[0]}): drift not shown` };
  }
}

export interface ListRow {
  tenant: string;
  hostname: string;
  access: string;
  state: string;
  version: number | null;
  container: string;
  drift: string;
}

/** Field by field: the engine hands outputs back with their keys in its own order. */
const same = (applied: TenantEndpoint, wanted: TenantEndpoint) =>
  (Object.keys(wanted) as (keyof TenantEndpoint)[]).every((k) => applied[k] === wanted[k]);

/**
 * "running", "running (healthy)" where the backend reports health (a pod's readiness), "stopped"
 * or "none", for the SERVER column. A Docker tenant has no health check: `pgs status` probes it.
 */
const serverState = (server: LiveServer | undefined) =>
  server ? (server.running ? (server.health === "none" ? "running" : `running (${server.health})`) : "stopped") : "none";

export async function list(t: Target, io: Io, json: boolean): Promise<void> {
  const { settings, tenants, backend } = loadOffline(t);
  const host = backend.host({ settings, projectDir: t.projectDir });
  const [live, applied] = await Promise.all([host.servers(), appliedEndpoints(t)]);
  const rows: ListRow[] = tenants.map((tenant) => {
    const server = live.get(tenant.id);
    const last = applied.endpoints?.[tenant.id];
    const drift = !applied.endpoints
      ? ""
      : !last
        ? "new, not applied yet"
        : !same(last, tenantEndpoint(tenant, settings.ingress.port))
          ? "edited, not applied yet"
          : "";
    return {
      tenant: tenant.id,
      hostname: tenant.hostname,
      access: tenant.access,
      state: tenant.state,
      version: tenant.postgres.version,
      container: serverState(server),
      drift,
    };
  });
  for (const [id, last] of Object.entries(applied.endpoints ?? {})) {
    if (tenants.some((x) => x.id === id)) continue;
    const server = live.get(id);
    rows.push({
      tenant: id,
      hostname: last.hostname,
      access: last.access,
      state: last.state,
      version: last.postgresVersion,
      container: serverState(server),
      drift: "removed from the file, not applied yet",
    });
  }
  for (const [id, server] of live) {
    if (rows.some((r) => r.tenant === id)) continue;
    rows.push({
      tenant: id,
      hostname: "",
      access: "",
      state: "",
      version: null,
      container: serverState(server),
      drift: "running but not in the file",
    });
  }
  if (json) return printJson(io, { stack: t.stack, tenants: rows, ...(applied.note ? { note: applied.note } : {}) });
  if (rows.length === 0) {
    io.out(`stack ${t.stack}: no tenants (pgs create <id> adds one)`);
    return;
  }
  for (const line of table(
    ["TENANT", "HOSTNAME", "ACCESS", "STATE", "VERSION", "CONTAINER", "DRIFT"],
    rows.map((r) => [
      r.tenant,
      r.hostname,
      r.access,
      r.state,
      r.version === null ? "" : String(r.version),
      r.container,
      r.drift ? paint(io, "yellow", r.drift) : "",
    ]),
  ))
    io.out(line);
  if (applied.note) io.err(applied.note);
}

interface TenantStatus {
  tenant: string;
  health: string;
  uptime: string | null;
  dataBytes: number | null;
  connections: number | null;
  /** The limit (the filesystem's size) and what the tenant's volumes use of it; null without a limit. */
  storage: { sizeBytes: number; usedBytes: number } | null;
  lastBackup: { file: string; at: string; age: string } | null;
  backups: "on" | "off";
}

/** "312 MiB of 1.0 GiB (30%)"; "" for a tenant without a limit (or not running). */
export function storageUse(storage: TenantStatus["storage"]): string {
  if (!storage) return "";
  const size = (b: number) => (b >= 1024 ** 3 ? `${(b / 1024 ** 3).toFixed(1)} GiB` : `${Math.round(b / 1024 ** 2)} MiB`);
  return `${size(storage.usedBytes)} of ${size(storage.sizeBytes)} (${Math.round((100 * storage.usedBytes) / storage.sizeBytes)}%)`;
}

/** The backend's health where it has one; else (a Docker tenant) what its probe and query said. */
function liveHealth(reported: string, answering: boolean): string {
  if (reported !== "none") return reported;
  return answering ? "healthy" : "not answering";
}

export async function status(t: Target, io: Io, id: string | undefined, json: boolean): Promise<void> {
  const { settings, tenants, backend } = loadOffline(t);
  const chosen = id ? tenants.filter((x) => x.id === id) : tenants;
  if (id && chosen.length === 0) throw new CliError(`no tenant "${id}" in the tenants file`);
  const host = backend.host({ settings, projectDir: t.projectDir });
  const live = await host.servers();
  const result: TenantStatus[] = [];
  for (const tenant of chosen) {
    const server = live.get(tenant.id);
    const { answering, ...facts } = server?.running
      ? await host.serverFacts(tenant)
      : { dataBytes: null, connections: null, storage: null, answering: false };
    const last = tenant.backup ? await host.lastBackup(tenant) : null;
    result.push({
      tenant: tenant.id,
      health: server ? (server.running ? liveHealth(server.health, answering) : "stopped") : "no server",
      uptime: server?.running ? age(Date.now() - Date.parse(server.startedAt)) : null,
      ...facts,
      lastBackup: last ? { ...last, age: age(Date.now() - Date.parse(last.at)) } : null,
      backups: tenant.backup ? "on" : "off",
    });
  }
  const running = await host.ingress();
  const ingress = !running
    ? { health: "not found", uptime: null }
    : { health: running.health, uptime: running.startedAt ? age(Date.now() - Date.parse(running.startedAt)) : null };
  if (json) return printJson(io, { stack: t.stack, ingress, tenants: result });
  const mib = (b: number | null) => (b === null ? "" : `${(b / 1024 / 1024).toFixed(1)} MiB`);
  // The STORAGE column only where some tenant has a limit (resources.storage).
  const limits = result.some((r) => r.storage !== null);
  for (const line of table(
    ["TENANT", "HEALTH", "UP", "DATA", ...(limits ? ["STORAGE"] : []), "CONNECTIONS", "LAST BACKUP"],
    result.map((r) => [
      r.tenant,
      r.health === "healthy" ? paint(io, "green", r.health) : paint(io, "yellow", r.health),
      r.uptime ?? "",
      mib(r.dataBytes),
      ...(limits ? [storageUse(r.storage)] : []),
      r.connections === null ? "" : String(r.connections),
      r.backups === "off" ? "off" : r.lastBackup ? `${r.lastBackup.age} ago (${r.lastBackup.file})` : "none yet",
    ]),
  ))
    io.out(line);
  io.out(
    `ingress ${running?.name ?? settings.naming.ingressContainer()}: ${ingress.health}${ingress.uptime ? `, up ${ingress.uptime}` : ""}`,
  );
}

/** libpq's connection URI for a tenant, with the CA file and, when the hostname has no DNS yet, the address to dial. */
async function psqlUri(connectionString: string, caFile: string, ingressAddress: string): Promise<string> {
  const url = new URL(connectionString);
  url.searchParams.set("sslrootcert", caFile);
  const resolves = await lookup(url.hostname).then(
    () => true,
    () => false,
  );
  if (!resolves) url.searchParams.set("hostaddr", ingressAddress === "0.0.0.0" || ingressAddress === "::" ? "127.0.0.1" : ingressAddress);
  return url.toString();
}

/** The stack's CA certificate, written where clients can point sslrootcert at it. */
function writeCa(t: Target, out: Record<string, unknown>): string {
  const caFile = path.join(stateDir(t.projectDir), `${t.stack}-ca.pem`);
  mkdirSync(path.dirname(caFile), { recursive: true });
  writeFileSync(caFile, String(out.caCertificate ?? ""));
  return caFile;
}

/** `pgs credentials ID [--psql | --password]`: the one command that prints a password, and only when asked. */
export async function credentials(
  t: Target,
  io: Io,
  id: string,
  options: { psql: boolean; password: boolean; json: boolean },
): Promise<void> {
  const { settings } = loadOffline(t);
  const out = await outputs(await existingStack(t));
  const connectionString = (out.connectionStrings as Record<string, string> | undefined)?.[id];
  if (!connectionString) throw new CliError(`tenant "${id}" is not in stack ${t.stack}'s last deployment (pgs up applies tenants.yaml)`);
  if (options.password) {
    io.out(decodeURIComponent(new URL(connectionString).password));
    return;
  }
  const caFile = writeCa(t, out);
  const uri = await psqlUri(connectionString, caFile, settings.ingress.address);
  if (options.json) return printJson(io, { tenant: id, connectionString, caFile, psql: `psql '${uri}'` });
  if (options.psql) {
    io.out(`psql '${uri}'`);
    return;
  }
  io.out(connectionString);
  io.err(`CA certificate: ${caFile} (clients need sslmode=verify-full with it as sslrootcert)`);
}

/**
 * After an up: each tenant's hostname and a psql command that reaches it with verify-full and
 * the CA in a file. The password is not in it: the command fetches it when it runs.
 */
export async function connectionHints(t: Target, io: Io, out: Record<string, unknown>, only?: string[]): Promise<void> {
  const { settings, tenants: all } = loadOffline(t);
  const tenants = only ? all.filter((x) => only.includes(x.id)) : all;
  if (tenants.length === 0) return;
  const caFile = writeCa(t, out);
  const pgs = path.relative(process.cwd(), path.join(SOURCE_DIR, "bin", "pgs")) || "bin/pgs";
  const stackFlag = t.stack === "dev" ? "" : ` --stack ${t.stack}`;
  io.out(`Connect (CA certificate in ${path.relative(process.cwd(), caFile)}; the password is fetched when the command runs):`);
  for (const tenant of tenants) {
    const last = (out.tenantEndpoints as Record<string, TenantEndpoint> | undefined)?.[tenant.id];
    if (!last) continue;
    if (tenant.state !== "running" || tenant.access !== "enabled") {
      io.out(`  ${tenant.id}: ${tenant.state !== "running" ? "stopped" : "access disabled"}`);
      continue;
    }
    const resolves = await lookup(tenant.hostname).then(
      () => true,
      () => false,
    );
    const address = settings.ingress.address === "0.0.0.0" || settings.ingress.address === "::" ? "127.0.0.1" : settings.ingress.address;
    const conninfo = [
      `host=${tenant.hostname}`,
      ...(resolves ? [] : [`hostaddr=${address}`]),
      `port=${last.port}`,
      `dbname=${last.database}`,
      `user=${last.user}`,
      "sslmode=verify-full",
      `sslrootcert=${caFile}`,
    ].join(" ");
    const note = tenant.allowFrom.length > 0 ? paint(io, "dim", ` (only from ${tenant.allowFrom.join(", ")})`) : "";
    io.out(`  ${tenant.id}: ${tenant.hostname}:${last.port}${note}`);
    io.out(`    PGPASSWORD="$(${pgs} credentials ${tenant.id} --password${stackFlag})" psql "${conninfo}"`);
  }
}
