/**
 * Real clients, from this machine: psql 18 (libpq 18 offers ALPN `postgresql`) in a host-network
 * client container, and node-postgres. They dial the endpoint's address (127.0.0.1 unless it says
 * otherwise, e.g. a Kubernetes node) and send its hostname as SNI. Passwords travel only in
 * environments.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { Socket } from "node:net";
import * as path from "node:path";
import { Client } from "pg";
import { LOCAL_IMAGES } from "../../../lib/localImages";
import { dataMountPath } from "../../../lib/postgres/container";
import { docker } from "./facts";

export const TEST_LABEL = { "pgs.test": "e2e" };
export const CLIENT_IMAGE = LOCAL_IMAGES.postgres.replace("{major}", "18");
const CLIENT_NAME = "pgs-e2e-client";
/** Shared with the client container, read-only: holds the CA only, never a password. */
const CLIENT_DIR = path.resolve(__dirname, "../../../.e2e/client");

export interface Endpoint {
  hostname: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** The address clients dial (libpq hostaddr); default 127.0.0.1. */
  address?: string;
  /** The CA file psql trusts, in the client container's /e2e (caFileName); default the last one this file's ensureClient wrote. */
  caFile?: string;
}

const LOOPBACK = "127.0.0.1";

export interface Outcome {
  ok: boolean;
  /** What the client printed (stdout for psql success, the error text otherwise). */
  out: string;
  ms: number;
}

export function run(
  file: string,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** A CA's file name, by its content: suites running side by side never overwrite each other's CA. */
export function caFileName(ca: string): string {
  return `ca-${createHash("sha256").update(ca).digest("hex").slice(0, 16)}.pem`;
}

/** The CA file psql trusts when an endpoint names none: the last one this test file's ensureClient wrote (files run side by side). */
let lastCaFile = "ca.pem";

/**
 * (Re)starts the long-lived psql client container; `docker exec` is much faster than `docker run`.
 * Shared by the suites running side by side: whoever finds it missing creates it, the others wait for it.
 */
export async function ensureClient(ca: string): Promise<void> {
  mkdirSync(CLIENT_DIR, { recursive: true });
  lastCaFile = caFileName(ca);
  writeFileSync(path.join(CLIENT_DIR, lastCaFile), ca);
  writeFileSync(path.join(CLIENT_DIR, "ca.pem"), ca);
  await startClient();
}

/** The client container running (its CA files are in CLIENT_DIR already). */
async function startClient(): Promise<void> {
  const state = async () =>
    (
      await docker
        .getContainer(CLIENT_NAME)
        .inspect()
        .catch(() => undefined)
    )?.State;
  const existing = await state();
  if (existing?.Running) return;
  // Stopped: start afresh. Just created: another suite is starting it.
  if (existing && existing.Status !== "created") {
    await docker
      .getContainer(CLIENT_NAME)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  }
  try {
    const container = await docker.createContainer({
      name: CLIENT_NAME,
      Image: CLIENT_IMAGE,
      Entrypoint: ["sleep", "infinity"],
      Labels: TEST_LABEL,
      // A tmpfs over the image's VOLUME, so that no anonymous volume is made for it.
      HostConfig: { NetworkMode: "host", Binds: [`${CLIENT_DIR}:/e2e:ro`], AutoRemove: false, Tmpfs: { [dataMountPath(18)]: "size=1m" } },
    });
    await container.start();
  } catch (err) {
    // Another suite created it first (409: the name is taken): wait until it runs.
    if ((err as { statusCode?: number }).statusCode !== 409) throw err;
    for (let i = 0; i < 100 && !(await state())?.Running; i++) await new Promise((r) => setTimeout(r, 100));
    if (!(await state())?.Running) throw new Error(`e2e: ${CLIENT_NAME} was created by another suite but does not run`);
  }
}

export interface PsqlOptions {
  /** Extra libpq keywords, e.g. { sslmode: "disable" } or { sslsni: "0" }. */
  params?: Record<string, string>;
  password?: string;
  timeoutMs?: number;
}

export function conninfo(e: Omit<Endpoint, "password">, params: Record<string, string> = {}): string {
  const all: Record<string, string> = {
    host: e.hostname,
    hostaddr: e.address ?? LOOPBACK,
    port: String(e.port),
    dbname: e.database,
    user: e.user,
    sslmode: "verify-full",
    sslrootcert: `/e2e/${e.caFile ?? lastCaFile}`,
    connect_timeout: "10",
    ...params,
  };
  return Object.entries(all)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
}

/** psql -tA -c SQL through the ingress; the password goes through the exec environment. */
export async function psql(e: Endpoint, sql: string, options: PsqlOptions = {}): Promise<Outcome> {
  const password = options.password ?? e.password;
  const exec = () =>
    run(
      "docker",
      ["exec", "-e", "PGPASSWORD", CLIENT_NAME, "psql", conninfo(e, options.params), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-tA", "-c", sql],
      { PGPASSWORD: password },
      options.timeoutMs ?? 60_000,
    );
  let r = await exec();
  // The client container itself went away (removed by something outside this suite): start it and ask again.
  if (r.code !== 0 && /No such container|is not running/.test(r.stderr)) {
    await startClient();
    r = await exec();
  }
  return { ok: r.code === 0, out: (r.code === 0 ? r.stdout : r.stderr).trim(), ms: r.ms };
}

export interface NodeOptions {
  password?: string;
  /** TLS servername (SNI); default the tenant hostname. An IP literal means no SNI. */
  servername?: string;
  connectTimeoutMs?: number;
  /** Local source address, e.g. 127.0.0.2 (all of 127/8 is loopback), to test allowFrom. */
  sourceAddress?: string;
}

/** node-postgres connects with socket.connect(port, host): this socket adds a source address. */
function boundSocket(localAddress: string): Socket {
  const socket = new Socket();
  const connect = socket.connect.bind(socket) as (options: object) => Socket;
  (socket as unknown as { connect: (port: number, host: string) => Socket }).connect = (port, host) =>
    connect({ port, host, localAddress });
  return socket;
}

export function nodeClient(e: Endpoint, options: NodeOptions = {}): Client {
  return new Client({
    host: e.address ?? LOOPBACK,
    port: e.port,
    database: e.database,
    user: e.user,
    password: options.password ?? e.password,
    ssl: { ca: readCa(), servername: options.servername ?? e.hostname },
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    ...(options.sourceAddress ? { stream: () => boundSocket(options.sourceAddress!) } : {}),
  });
}

let caPem = "";
export function setCa(ca: string): void {
  caPem = ca;
}
function readCa(): string {
  if (!caPem) throw new Error("e2e: CA not set (apply the stack first)");
  return caPem;
}

/** Connects, runs one query, disconnects: the outcome either way, timed. */
export async function nodeQuery(e: Endpoint, sql: string, options: NodeOptions = {}): Promise<Outcome> {
  const started = Date.now();
  const client = nodeClient(e, options);
  client.on("error", () => undefined);
  try {
    await client.connect();
    const result = await client.query(sql);
    return { ok: true, out: result.rows.map((r) => Object.values(r).join("|")).join("\n"), ms: Date.now() - started };
  } catch (err) {
    return { ok: false, out: (err as Error).message, ms: Date.now() - started };
  } finally {
    await client.end().catch(() => undefined);
  }
}
