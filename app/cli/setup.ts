/**
 * `pgs setup`: creates or updates a stack and its Pulumi.<stack>.yaml. Idempotent; a value the
 * stack already has is changed only when the operator asks for it, and then it says so.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { isScalar, parse, parseDocument } from "yaml";
import { openStack } from "../engine/workspace";
import { LOCAL_IMAGES, localImageConfig } from "../../lib/localImages";
import { readProjectFile } from "../../lib/project";
import { SECRET_KEYS } from "../../lib/stackSettings";
import type { Target } from "./context";
import { CliError, type Io, paint } from "./io";

export interface SetupOptions {
  backend?: string;
  secretsProvider?: string;
  baseDomain?: string;
  /** ADDR:PORT of the postgres entrypoint. */
  publish?: string;
  certificate?: "selfSigned" | "provided";
  certificateFile?: string;
  keyFile?: string;
  caFile?: string;
  /** local: the images images/build.sh makes; default: Pulumi.yaml's; auto: local when those are here and the defaults are not. */
  images?: "local" | "default" | "auto";
}

function imagePresent(ref: string): boolean {
  try {
    execFileSync("docker", ["image", "inspect", ref], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Local images when asked, or (auto) when they are here and the default images are not. */
function wantLocalImages(t: Target, mode: SetupOptions["images"]): boolean {
  if (mode === "local") return true;
  if (mode === "default") return false;
  const defaults = readProjectFile(t.projectDir).config as Record<string, { default?: string }>;
  const defaultTraefik = defaults.traefikImage?.default ?? "";
  return imagePresent(LOCAL_IMAGES.traefik) && !imagePresent(defaultTraefik);
}

/** The keys Pulumi.<stack>.yaml sets itself. */
function ownConfigKeys(t: Target): Set<string> {
  const file = path.join(t.projectDir, `Pulumi.${t.stack}.yaml`);
  if (!existsSync(file)) return new Set();
  const config = (parse(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {};
  return new Set(Object.keys(config));
}

function parsePublish(publish: string): { address: string; port: string } {
  const match = /^(\[[0-9a-fA-F:]+\]|[0-9.]+):([0-9]{1,5})$/.exec(publish);
  if (!match) throw new CliError(`--publish must be ADDR:PORT, e.g. 127.0.0.1:5432 or [::]:5432, got ${publish}`, 2);
  return { address: match[1].replace(/^\[|\]$/g, ""), port: match[2] };
}

/**
 * Names the backend in Pulumi.yaml (`backend.url`), the project's own setting that every clone
 * and the plain Pulumi CLI read. Returns what it did.
 */
function recordBackend(t: Target, url: string): string | undefined {
  const file = path.join(t.projectDir, "Pulumi.yaml");
  const text = readFileSync(file, "utf8");
  const doc = parseDocument(text);
  const node = doc.getIn(["backend", "url"], true);
  if (isScalar(node)) {
    if (node.value === url) return undefined;
    writeFileSync(file, text.slice(0, node.range![0]) + url + text.slice(node.range![1]));
    return `Pulumi.yaml: backend.url ${String(node.value)} → ${url} (commit it, so every clone uses this backend)`;
  }
  if (doc.has("backend")) throw new CliError(`${file} has a backend: entry without url; set backend.url to ${url} by hand`);
  writeFileSync(file, `${text.endsWith("\n") ? text : `${text}\n`}backend:\n  url: ${url}\n`);
  return `Pulumi.yaml: backend.url set to ${url} (commit it, so every clone uses this backend)`;
}

export async function setup(t: Target, io: Io, o: SetupOptions): Promise<void> {
  if (o.backend) {
    const recorded = recordBackend(t, o.backend);
    if (recorded) io.out(recorded);
  }
  const opened = await openStack(
    { projectDir: t.projectDir, stack: t.stack },
    o.secretsProvider ? { secretsProvider: o.secretsProvider } : {},
  );
  const { stack, environment } = opened;
  const current = await stack.getAllConfig();
  const project = readProjectFile(t.projectDir).name;
  // The stack's own values; Pulumi.yaml's defaults (which getAllConfig also lists) are not the operator's.
  const own = ownConfigKeys(t);
  const has = (key: string) => (own.has(`${project}:${key}`) ? current[`${project}:${key}`] : undefined);

  const explicit: Record<string, string> = {};
  if (o.baseDomain) explicit.baseDomain = o.baseDomain;
  if (o.publish) {
    const { address, port } = parsePublish(o.publish);
    explicit.publishAddress = address;
    explicit.publishPort = port;
  }
  if (o.certificate) explicit.certificateMode = o.certificate;
  if (o.certificate === "provided") {
    if (!o.certificateFile || !o.keyFile) throw new CliError("--certificate provided needs --certificate-file and --key-file", 2);
    explicit.tlsCertificate = readFileSync(o.certificateFile, "utf8");
    if (o.caFile) explicit.tlsCaCertificate = readFileSync(o.caFile, "utf8");
  }
  const automatic: Record<string, string> = wantLocalImages(t, o.images) ? localImageConfig() : {};

  const lines: string[] = [];
  const set = async (key: string, value: string, secret: boolean, asked: boolean): Promise<void> => {
    const before = has(key);
    const shown = (v: string) => (secret ? "[secret]" : v.includes("\n") ? `${v.split("\n")[0]}…` : v);
    if (before?.value === value) {
      lines.push(`  ${key}: ${shown(value)} (unchanged)`);
    } else if (before !== undefined && !asked) {
      lines.push(`  ${key}: ${shown(before.value)} (kept; pass the option to change it)`);
    } else {
      await stack.setConfig(key, { value, secret });
      lines.push(
        before === undefined
          ? `  ${key}: ${shown(value)} (set)`
          : paint(io, "yellow", `  ${key}: ${shown(before.value)} → ${shown(value)} (changed)`),
      );
    }
  };
  for (const [key, value] of Object.entries(explicit)) await set(key, value, false, true);
  for (const [key, value] of Object.entries(automatic)) await set(key, value, false, false);
  if (o.keyFile) await set(SECRET_KEYS.tlsPrivateKey, readFileSync(o.keyFile, "utf8"), true, true);

  io.out(`Stack ${t.stack} in ${path.relative(process.cwd(), t.projectDir) || "."} is ready.`);
  io.out(
    `  backend: ${environment.backendUrl}${environment.localBackend ? " (this project's local default; pgs setup --backend URL or PULUMI_BACKEND_URL for another)" : ""}`,
  );
  io.out(`  secrets: ${environment.secrets}`);
  if (lines.length > 0) {
    io.out(`  Pulumi.${t.stack}.yaml:`);
    for (const line of lines) io.out(`  ${line}`);
  }
  io.out(`Next: pgs create <tenant>, or edit tenants.yaml, then pgs up --stack ${t.stack}.`);
}
