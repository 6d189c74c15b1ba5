/**
 * A Docker stack's host as the operator commands see it, through the docker CLI (DOCKER_HOST and
 * contexts honoured): containers by the stack's labels, the servers' own answers over their
 * trusted local socket, the backup containers' log lines.
 */
import { execFile } from "node:child_process";
import { docker } from "../../lib/hosts/dockerCli";
import { LABEL } from "../../lib/naming";
import { dumpTime, LOG_TAG, parseLogLine } from "../../lib/postgres/backup";
import {
  parseServerFacts,
  SERVER_FACTS_SQL,
  STORAGE_USE_SCRIPT,
  SUPERUSER,
  TERMINATE_NETWORK_SESSIONS_SQL,
} from "../../lib/postgres/container";
import { HEALTH_PROBE } from "../../lib/postgres/server";
import { type BackendHost, type ExistingObject, HostError, type HostTarget, type LiveServer } from "../host";
import { dockerBackupHost } from "./backupHost";
import { limitStorage } from "./limitStorage";
import { upgradeTenant } from "./upgrade";

const HEALTH = "{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}";

/** The Docker id of what a pending create of `type` named `name` made, if it exists. */
function dockerId(type: string, name: string): Promise<string | undefined> {
  const args: Record<string, string[]> = {
    "docker:index/container:Container": ["container", "inspect", "--format", "{{.Id}}", name],
    "docker:index/network:Network": ["network", "inspect", "--format", "{{.Id}}", name],
    // A volume's id is its name.
    "docker:index/volume:Volume": ["volume", "inspect", "--format", "{{.Name}}", name],
  };
  const command = args[type];
  if (!command) return Promise.resolve(undefined);
  return new Promise((resolve) =>
    execFile("docker", command, { encoding: "utf8" }, (err, stdout) => resolve(err ? undefined : stdout.trim() || undefined)),
  );
}

/** Docker containers, networks and volumes, by name on the stack's Docker engine. */
export const dockerObject: ExistingObject = async (type, inputs) => {
  const name = inputs.name;
  if (typeof name !== "string") return undefined;
  const id = await dockerId(type, name);
  return id ? { id, name } : undefined;
};

/** `docker <kind> ls` of the stack's objects: tenant id, role and (containers) state, one line each. */
async function stackObjects(kind: "ps" | "volume" | "network", stack: string): Promise<{ tenant: string; role: string; state: string }[]> {
  const list = kind === "ps" ? ["ps", "-a"] : [kind, "ls"];
  const state = kind === "ps" ? "|{{.State}}" : "";
  const r = await docker(
    [...list, "--filter", `label=${LABEL.stack}=${stack}`, "--format", `{{.Label "${LABEL.tenant}"}}|{{.Label "${LABEL.role}"}}${state}`],
    {
      allowFailure: true,
    },
  );
  if (r.code !== 0)
    throw new HostError(`cannot ask the Docker host (DOCKER_HOST=${process.env.DOCKER_HOST ?? "default"}): ${r.stderr.trim()}`);
  return r.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [tenant, role, s] = line.split("|");
      return { tenant, role, state: s ?? "" };
    });
}

/** The ingress's container, by its logical name (components/docker/traefikIngress.ts). */
const INGRESS_CONTAINER = "ingress-traefik";

export function dockerHost({ settings }: HostTarget): BackendHost {
  const { naming } = settings;
  return {
    async drift(tenants, inState) {
      const [containers, volumes, networks] = await Promise.all([
        stackObjects("ps", naming.stack),
        stackObjects("volume", naming.stack),
        stackObjects("network", naming.stack),
      ]);
      const running = (tenant: string, role: string) =>
        containers.some((c) => c.tenant === tenant && c.role === role && c.state === "running");
      const has = (list: { tenant: string; role: string }[], tenant: string, role: string) =>
        list.some((o) => o.tenant === tenant && o.role === role);
      const drifted = tenants.filter((t) => {
        const wanted: [boolean, boolean, string][] = [
          [has(volumes, t.id, "data"), true, "data"],
          [has(volumes, t.id, "config"), true, "config"],
          [has(networks, t.id, "network"), true, "network"],
          [running(t.id, "postgres"), t.state === "running", "postgres"],
          [has(volumes, t.id, "backups"), Boolean(t.backup), "backups"],
          [running(t.id, "backup"), Boolean(t.backup) && t.state === "running", "backup"],
          [running(t.id, "offsite"), Boolean(t.backup && settings.backupS3) && t.state === "running", "offsite"],
        ];
        return wanted.some(([present, expected, role]) => expected && !present && inState(`${t.id}-${role}`));
      });
      const checked = new Set(tenants.filter((t) => t.state === "running").map((t) => t.id));
      const stopped = containers
        .filter((c) => c.state !== "running" && (c.tenant === "" ? c.role === "ingress" : checked.has(c.tenant)))
        .map((c) => (c.tenant === "" ? INGRESS_CONTAINER : `${c.tenant}-${c.role}`));
      return {
        stopped,
        tenants: drifted.map((t) => t.id),
        // The servers' scripts volume and its (never started) filler are the ingress's too.
        ingress:
          !containers.some((c) => c.tenant === "" && c.role === "ingress" && c.state === "running") ||
          !has(volumes, "", "ingress") ||
          !has(volumes, "", "server-files") ||
          !has(containers, "", "server-files"),
      };
    },
    async serverReady(tenantId, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      do {
        if ((await docker(["exec", naming.container(tenantId), ...HEALTH_PROBE], { allowFailure: true })).code === 0) return true;
        await new Promise((resolve) => setTimeout(resolve, 500));
      } while (Date.now() < deadline);
      return false;
    },
    async serverLog(tenantId, lines) {
      const r = await docker(["logs", "--tail", String(lines), naming.container(tenantId)], { allowFailure: true });
      return `${r.stdout}${r.stderr}`.trim();
    },
    async servers() {
      const ps = await docker(
        [
          "ps",
          "-a",
          "--filter",
          `label=${LABEL.stack}=${naming.stack}`,
          "--filter",
          `label=${LABEL.role}=postgres`,
          "--format",
          "{{.Names}}",
        ],
        { allowFailure: true },
      );
      if (ps.code !== 0)
        throw new HostError(`cannot ask the Docker host (DOCKER_HOST=${process.env.DOCKER_HOST ?? "default"}): ${ps.stderr.trim()}`);
      const names = ps.stdout.split("\n").filter(Boolean);
      const live = new Map<string, LiveServer>();
      if (names.length === 0) return live;
      const inspect = await docker([
        "inspect",
        "--format",
        `{{.Name}}|{{index .Config.Labels "${LABEL.tenant}"}}|{{.State.Running}}|${HEALTH}|{{.State.StartedAt}}`,
        ...names,
      ]);
      for (const line of inspect.stdout.split("\n").filter(Boolean)) {
        const [name, tenant, running, health, startedAt] = line.split("|");
        live.set(tenant, {
          tenant,
          name: name.replace(/^\//, ""),
          running: running === "true",
          health,
          startedAt: running === "true" ? startedAt : "",
        });
      }
      return live;
    },
    async ingress() {
      const name = naming.ingressContainer();
      const r = await docker(["inspect", "--format", `{{.State.Running}}|${HEALTH}|{{.State.StartedAt}}`, name], { allowFailure: true });
      if (r.code !== 0) return undefined;
      const [running, health, startedAt] = r.stdout.trim().split("|");
      return { name, health: running === "true" ? health : "stopped", startedAt: running === "true" ? startedAt : "" };
    },
    async terminateSessions(tenant) {
      const r = await docker(
        ["exec", naming.container(tenant.id), "psql", "-X", "-At", "-U", SUPERUSER, "-d", "postgres", "-c", TERMINATE_NETWORK_SESSIONS_SQL],
        { allowFailure: true },
      );
      if (r.code !== 0) throw new HostError(`could not end ${tenant.id}'s sessions: ${r.stderr.trim()}`);
      return Number(r.stdout.trim());
    },
    async serverFacts(tenant) {
      // A tenant container has no Docker health check (idle CPU): the probe a health check would run, then the query.
      const storage = tenant.resources.storageMiB !== undefined ? ` && ${STORAGE_USE_SCRIPT}` : "";
      const script = `${HEALTH_PROBE.join(" ")} && psql -X -At -U ${SUPERUSER} -d "$1" -c "$2"${storage}`;
      const r = await docker(["exec", naming.container(tenant.id), "sh", "-c", script, "sh", tenant.database, SERVER_FACTS_SQL], {
        allowFailure: true,
      });
      if (r.code !== 0) return { dataBytes: null, connections: null, storage: null, answering: false };
      const [facts, use] = r.stdout.trim().split("\n");
      return { ...parseServerFacts(facts, use), answering: true };
    },
    async lastBackup(tenant) {
      const r = await docker(["logs", "--tail", "500", naming.backupContainer(tenant.id)], { allowFailure: true });
      const ok = (r.stdout + r.stderr)
        .split("\n")
        .map(parseLogLine)
        .filter((l) => l?.tag === LOG_TAG.backup && l.ok)
        .pop();
      const when = ok ? dumpTime(ok.fields.file) : undefined;
      return ok && when ? { file: ok.fields.file, at: when.toISOString() } : null;
    },
    backups: (image) => dockerBackupHost(naming, image),
    existingObject: dockerObject,
    dataWords: (tenantId) => ({
      data: `data volume ${naming.dataVolume(tenantId)}`,
      deleteCommand: `docker volume rm ${naming.dataVolume(tenantId)}`,
    }),
    upgrade: upgradeTenant,
    limitStorage,
  };
}
