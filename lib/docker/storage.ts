/**
 * Where a Docker tenant with `resources.storage` keeps its data: two ext4 filesystems per tenant
 * (files/tenant-storage.sh) that share the limit (lib/postgres/server.ts storageSplit): one whose
 * `data` and `backups` folders are the tenant's data and backup volumes, and the WAL's own, whose
 * `wal` folder is its WAL volume. Without a limit a tenant's volumes are plain local volumes.
 */
import { sourceFile } from "../sourceDir";

/** files/tenant-storage.sh, which the TenantStorage provider runs on the Docker host. */
export function tenantStorageScript(): string {
  return sourceFile("lib/docker/files/tenant-storage.sh");
}

export interface TenantStorageLayout {
  /** The sparse image file holding the filesystem. */
  image: string;
  /** Where the filesystem is mounted on the Docker host. */
  mount: string;
  /** The data volume's folder in it. */
  data: string;
  /** The backup volume's folder in it. */
  backups: string;
  /** The WAL's own filesystem: its image, mount and the WAL volume's folder. */
  walImage: string;
  walMount: string;
  wal: string;
}

/** `<storageDir>/<prefix><id>.ext4` mounted at `<storageDir>/<prefix><id>`, and `…-wal.ext4` at `…-wal`. */
export function tenantStorageLayout(storageDir: string, containerName: string): TenantStorageLayout {
  const mount = `${storageDir.replace(/\/+$/, "")}/${containerName}`;
  const walMount = `${mount}-wal`;
  return {
    image: `${mount}.ext4`,
    mount,
    data: `${mount}/data`,
    backups: `${mount}/backups`,
    walImage: `${walMount}.ext4`,
    walMount,
    wal: `${walMount}/wal`,
  };
}

/** A local volume that is the host folder `device` (what `docker volume create -o type=none -o o=bind -o device=` makes). */
export function bindVolume(device: string): { driver: string; driverOpts: Record<string, string> } {
  return { driver: "local", driverOpts: { type: "none", o: "bind", device } };
}

export const MIB = 1024 * 1024;
