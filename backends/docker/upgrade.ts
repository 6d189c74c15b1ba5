/**
 * `pgs upgrade <tenant> --to <major>`: moves a tenant's data to a newer PostgreSQL major by
 * dump and restore, keeping a copy of the old data in a second volume.
 *
 * The official images never upgrade data in place and only one major's binaries are in an
 * image, so pg_upgrade is not available; pg_dumpall carries roles with their SCRAM
 * verifiers, so the tenant's password survives. Afterwards tenants.yaml says the new major
 * and `upgradedFrom: <old>`, which is what lets the program replace the container.
 */
import { chmodSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { LABEL, type Naming } from "../../lib/naming";
import { dataMountPath, STOP_TIMEOUT_SECONDS, SUPERUSER } from "../../lib/postgres/container";
import { ACCEPTING_PROBE, SERVER_FILES } from "../../lib/postgres/server";
import { sourceFile } from "../../lib/sourceDir";
import { setTenantMajor } from "../../lib/tenants/edit";
import { docker, dockerStream, labelArgs } from "../../lib/hosts/dockerCli";
import { HostError, type UpgradeRequest } from "../host";

/** A step that cannot be taken, said for operators (the old data is back in place). */
export class UpgradeError extends HostError {}

/** Waits until the server in `container` accepts connections, asking the tenant containers' own probe. */
async function waitForServer(container: string, timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const probe = sourceFile("lib/postgres/files/probe.sh");
  while (Date.now() < deadline) {
    const r = await docker(
      ["exec", "-e", `POSTGRES_USER=${SUPERUSER}`, container, "sh", "-c", probe, SERVER_FILES.probe, ...ACCEPTING_PROBE.slice(1)],
      { allowFailure: true },
    );
    if (r.code === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const logs = await docker(["logs", "--tail", "20", container], { allowFailure: true });
  throw new UpgradeError(`the new server in ${container} did not start:\n${logs.stderr}${logs.stdout}`);
}

/** Runs a shell command in a throwaway container of `image` with `volumes` mounted, no network. */
async function inVolumes(image: string, volumes: string[], script: string, naming: Naming, tenantId: string): Promise<void> {
  await docker([
    "run",
    "--rm",
    "--network",
    "none",
    "--entrypoint",
    "sh",
    ...labelArgs(naming.tenantLabels(tenantId, "data")),
    ...volumes.flatMap((v) => ["-v", v]),
    image,
    "-c",
    script,
  ]);
}

export async function upgradeTenant(request: UpgradeRequest): Promise<void> {
  const { tenant, to, naming, targetImage, log } = request;
  const from = tenant.postgres.version;
  const container = naming.container(tenant.id);
  const volume = naming.dataVolume(tenant.id);
  const backup = naming.upgradeCopyVolume(tenant.id, from);
  const temp = naming.sideContainer(tenant.id, "upgrade");

  if (to <= from) throw new UpgradeError(`tenant ${tenant.id} runs PostgreSQL ${from}; --to must be a newer major`);
  if (tenant.state !== "running")
    throw new UpgradeError(
      `tenant ${tenant.id} is stopped; set state: running and apply first (the dump is taken from the running server)`,
    );
  const inspect = await docker(["inspect", "--format", `{{.State.Running}} {{index .Config.Labels "${LABEL.postgresMajor}"}}`, container], {
    allowFailure: true,
  });
  if (inspect.code !== 0)
    throw new UpgradeError(`container ${container} not found on this Docker host (DOCKER_HOST=${process.env.DOCKER_HOST ?? "default"})`);
  const [running, liveMajor] = inspect.stdout.trim().split(" ");
  if (running !== "true") throw new UpgradeError(`container ${container} is not running; start it before upgrading`);
  if (liveMajor !== String(from))
    throw new UpgradeError(`container ${container} runs PostgreSQL ${liveMajor}, but tenants.yaml says ${from}; apply tenants.yaml first`);
  if ((await docker(["image", "inspect", targetImage], { allowFailure: true })).code !== 0) {
    throw new UpgradeError(`image ${targetImage} is not on the Docker host; pull it first (docker pull ${targetImage})`);
  }
  if ((await docker(["volume", "inspect", backup], { allowFailure: true })).code === 0) {
    throw new UpgradeError(`volume ${backup} already exists (a copy from an earlier upgrade); remove it first: docker volume rm ${backup}`);
  }

  const work = mkdtempSync(path.join(tmpdir(), "pgs-upgrade-"));
  chmodSync(work, 0o700);
  const dumpFile = path.join(work, "dump.sql");
  let wiped = false;
  try {
    log(`1/6 ${tenant.id}: closing the tenant's sessions and taking a dump of PostgreSQL ${from}`);
    await docker(["exec", "-i", container, "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-U", SUPERUSER, "-d", "postgres"], {
      input: `ALTER ROLE "${tenant.user}" NOLOGIN;\nSELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '${tenant.user}';\n`,
    });
    await dockerStream(["exec", container, "pg_dumpall", "-U", SUPERUSER], { stdoutFile: dumpFile });
    log(`    dump: ${(statSync(dumpFile).size / 1024 / 1024).toFixed(1)} MiB`);

    log(`2/6 stopping ${container}`);
    await docker(["stop", "-t", String(STOP_TIMEOUT_SECONDS), container]);

    log(`3/6 copying the PostgreSQL ${from} data to volume ${backup} (kept until you remove it)`);
    await docker([
      "volume",
      "create",
      ...labelArgs({ ...naming.tenantLabels(tenant.id, "data"), [LABEL.postgresMajor]: String(from) }),
      backup,
    ]);
    await inVolumes(targetImage, [`${volume}:/from:ro`, `${backup}:/to`], "cp -a /from/. /to/", naming, tenant.id);

    log(`4/6 initialising PostgreSQL ${to} in ${volume}`);
    await inVolumes(targetImage, [`${volume}:/v`], "find /v -mindepth 1 -delete", naming, tenant.id);
    wiped = true;
    await docker([
      "run",
      "-d",
      "--name",
      temp,
      "--network",
      "none",
      ...labelArgs(naming.tenantLabels(tenant.id, "postgres")),
      // No network at all, so trust is safe here; the tenant's container brings its own pg_hba.
      "-e",
      `POSTGRES_USER=${SUPERUSER}`,
      "-e",
      "POSTGRES_HOST_AUTH_METHOD=trust",
      "-v",
      `${volume}:${dataMountPath(to)}`,
      targetImage,
    ]);
    await waitForServer(temp, 300);

    log(`5/6 restoring the dump into PostgreSQL ${to}`);
    const restore = await dockerStream(["exec", "-i", temp, "psql", "-X", "-q", "-U", SUPERUSER, "-d", "postgres"], {
      stdinFile: dumpFile,
    });
    // pg_dumpall recreates the bootstrap superuser, which initdb already made: that error is expected.
    const errors = restore.stderr.split("\n").filter((l) => /ERROR/.test(l) && !/role "postgres" already exists/.test(l));
    if (errors.length > 0) throw new UpgradeError(`the restore reported errors:\n${errors.slice(0, 10).join("\n")}`);
    await docker(["exec", "-i", temp, "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-U", SUPERUSER, "-d", "postgres"], {
      input: `ALTER ROLE "${tenant.user}" LOGIN;\n`,
    });
    await docker(["stop", "-t", String(STOP_TIMEOUT_SECONDS), temp]);
    await docker(["rm", temp]);

    log(`6/6 tenants.yaml: ${tenant.id} postgres.version ${to}, upgradedFrom ${from}`);
    setTenantMajor(request.tenantsFile, tenant.id, to, from);
    log(`done. Apply it now (pulumi up): only ${tenant.id}'s container is replaced. The old data stays in volume ${backup}.`);
  } catch (err) {
    log(`upgrade failed: ${(err as Error).message}`);
    log(`rolling back: the tenant keeps PostgreSQL ${from}`);
    await docker(["rm", "-f", temp], { allowFailure: true });
    if (wiped) {
      await inVolumes(
        targetImage,
        [`${volume}:/v`, `${backup}:/from:ro`],
        "find /v -mindepth 1 -delete && cp -a /from/. /v/",
        naming,
        tenant.id,
      );
    }
    await docker(["start", container], { allowFailure: true });
    await waitForServer(container, 120).catch(() => undefined);
    await docker(["exec", "-i", container, "psql", "-X", "-q", "-U", SUPERUSER, "-d", "postgres"], {
      input: `ALTER ROLE "${tenant.user}" LOGIN;\n`,
      allowFailure: true,
    });
    throw err;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
