/**
 * `pgs limit-storage <tenant> <size>`: gives a tenant made without `resources.storage` a limit
 * (its WAL moves to its own filesystem at the next start: lib/postgres/files/start.sh).
 * Its volumes are plain local volumes, and a volume cannot change into a bind volume in place, so
 * this is an explicit step that shows its plan first: the tenant's containers are removed (the
 * next `pgs up` makes them again), its data and backups are copied into a new limited filesystem
 * (components/docker/tenantStorage.ts), the old volumes are kept as `<volume>-unlimited` copies
 * until the operator removes them, and tenants.yaml gets the limit. The next `pgs up` then makes
 * the volumes bind volumes of the copies and starts the tenant on them.
 */
import { spawnSync } from "node:child_process";
import { MIB, tenantStorageLayout, tenantStorageScript } from "../../lib/docker/storage";
import { docker, labelArgs } from "../../lib/hosts/dockerCli";
import { STOP_TIMEOUT_SECONDS } from "../../lib/postgres/container";
import { storageSplit } from "../../lib/postgres/server";
import { setTenantStorage } from "../../lib/tenants/edit";
import { HostError, type LimitStorageRequest } from "../host";

/** A step that cannot be taken; said before anything changed, unless the message says otherwise. */
export class LimitStorageError extends HostError {}

/** Room the copy must leave in the new filesystem, for the server to start and write. */
const HEADROOM = 0.8;

function storageScript(args: string[]): void {
  const r = spawnSync("sh", ["-c", tenantStorageScript(), "tenant-storage.sh", ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new LimitStorageError((r.stderr || r.error?.message || "").trim() || `tenant-storage.sh ${args[0]} failed`);
}

/** The volume's bind device ("" for a plain local volume), or undefined when it does not exist. */
async function volumeDevice(volume: string): Promise<string | undefined> {
  const r = await docker(["volume", "inspect", "--format", '{{index .Options "device"}}', volume], { allowFailure: true });
  return r.code === 0 ? r.stdout.trim() : undefined;
}

async function exists(volume: string): Promise<boolean> {
  return (await volumeDevice(volume)) !== undefined;
}

export async function limitStorage(request: LimitStorageRequest): Promise<void> {
  const { tenant, naming, image, log } = request;
  const bytes = request.storageMiB * MIB;
  const layout = tenantStorageLayout(request.storageDir, naming.container(tenant.id));
  if (tenant.resources.storageMiB !== undefined) {
    throw new LimitStorageError(
      `tenant ${tenant.id} already has storage ${tenant.resources.storageMiB}Mi: change resources.storage in tenants.yaml and apply (it grows in place)`,
    );
  }
  const data = naming.dataVolume(tenant.id);
  const device = await volumeDevice(data);
  if (device === undefined) {
    throw new LimitStorageError(
      `tenant ${tenant.id} has no data volume ${data} on this Docker host: a tenant not applied yet needs no step, set resources.storage in tenants.yaml`,
    );
  }
  if (device !== "") throw new LimitStorageError(`data volume ${data} is already a bind volume of ${device}`);
  const backups = naming.backupVolume(tenant.id);
  const volumes: { volume: string; into: string }[] = [
    { volume: data, into: layout.data },
    ...((await exists(backups)) ? [{ volume: backups, into: layout.backups }] : []),
  ];
  for (const { volume } of volumes) {
    const kept = naming.unlimitedCopyVolume(volume);
    if (await exists(kept))
      throw new LimitStorageError(`volume ${kept} already exists (from an earlier try): remove it first: docker volume rm ${kept}`);
  }

  const du = await docker([
    "run",
    "--rm",
    "--network",
    "none",
    ...volumes.flatMap(({ volume }, i) => ["-v", `${volume}:/v${i}:ro`]),
    "--entrypoint",
    "du",
    image,
    "-sbc",
    ...volumes.map((_, i) => `/v${i}`),
  ]);
  const used = Number(du.stdout.trim().split("\n").pop()?.split(/\s/)[0]);
  if (!(used < (bytes - storageSplit(request.storageMiB).walMiB * MIB) * HEADROOM)) {
    throw new LimitStorageError(
      `tenant ${tenant.id} stores ${(used / MIB).toFixed(0)} MiB: a ${request.storage} limit leaves too little room (at most ${HEADROOM * 100}% of its data filesystem may be in use)`,
    );
  }
  const users = (await Promise.all(volumes.map(({ volume }) => docker(["ps", "-aq", "--filter", `volume=${volume}`]))))
    .flatMap((r) => r.stdout.trim().split("\n"))
    .filter(Boolean);
  const containers = [...new Set(users)];

  log(`pgs limit-storage ${tenant.id} ${request.storage}:`);
  log(`  1. remove ${tenant.id}'s ${containers.length} container(s) (the server stops cleanly; the next pgs up makes them again)`);
  log(`  2. make its ${request.storage} of filesystems: ${layout.image} at ${layout.mount}, and ${layout.walImage} for its WAL`);
  for (const { volume, into } of volumes) {
    log(`  3. copy volume ${volume} into ${into}, and keep the old data as volume ${naming.unlimitedCopyVolume(volume)}`);
  }
  log(`  4. set resources.storage: ${request.storage} for ${tenant.id} in ${request.tenantsFile}; then apply it (pgs up)`);
  log(`  ${tenant.id} is down from step 1 until that pgs up (about ${(used / MIB).toFixed(0)} MiB to copy, twice)`);
  if (!(await request.confirm())) {
    log("nothing done");
    return;
  }

  const made: string[] = [];
  const moved: string[] = [];
  try {
    if (containers.length > 0) {
      await docker(["stop", "-t", String(STOP_TIMEOUT_SECONDS), ...containers]);
      await docker(["rm", ...containers]);
    }
    log(`removed ${containers.length} container(s)`);
    const walBytes = storageSplit(request.storageMiB).walMiB * MIB;
    storageScript(["ensure", layout.image, layout.mount, String(bytes - walBytes), "data,backups"]);
    storageScript(["ensure", layout.walImage, layout.walMount, String(walBytes), "wal"]);
    log(`made ${layout.image} and ${layout.walImage} (${request.storage} together), mounted at ${layout.mount} and ${layout.walMount}`);
    for (const { volume, into } of volumes) {
      const kept = naming.unlimitedCopyVolume(volume);
      await docker(["volume", "create", ...labelArgs(naming.tenantLabels(tenant.id, "data")), kept]);
      made.push(kept);
      const copy = (to: string) => [
        "run",
        "--rm",
        "--network",
        "none",
        "-v",
        `${volume}:/from:ro`,
        "--mount",
        to,
        "--entrypoint",
        "sh",
        image,
        "-c",
        "cp -a /from/. /to/",
      ];
      await docker(copy(`type=bind,source=${into},target=/to`));
      await docker(copy(`type=volume,source=${kept},target=/to`));
      await docker(["volume", "rm", volume]);
      moved.push(volume);
      log(`copied ${volume} into ${into}; the old data is in volume ${kept}`);
    }
  } catch (err) {
    if (moved.length === 0) {
      // Nothing moved yet: back to where it was, but for the containers, which pgs up makes again.
      for (const kept of made) await docker(["volume", "rm", kept], { allowFailure: true });
      storageScript(["remove", layout.image, layout.mount]);
      storageScript(["remove", layout.walImage, layout.walMount]);
      throw new LimitStorageError(
        `${(err as Error).message}\nnothing was moved: ${data} is as it was; run pgs up to start ${tenant.id} again`,
      );
    }
    throw new LimitStorageError(
      `${(err as Error).message}\nstopped midway: ${moved.join(", ")} moved into ${layout.mount} (copies kept as ${moved
        .map((v) => naming.unlimitedCopyVolume(v))
        .join(", ")}); tenants.yaml is unchanged`,
    );
  }
  setTenantStorage(request.tenantsFile, tenant.id, request.storage);
  log(
    `done: ${tenant.id} has resources.storage: ${request.storage} in ${request.tenantsFile}. Apply it now (pgs up): its volumes become ` +
      `bind volumes in ${layout.mount} and it starts on the copy. Once it works, remove the old data: docker volume rm ${volumes
        .map((v) => naming.unlimitedCopyVolume(v.volume))
        .join(" ")}`,
  );
}
