/**
 * A Docker tenant's disk limit (`resources.storage`): its own ext4 filesystems, loop-mounted on
 * the Docker host (lib/docker/files/tenant-storage.sh says why and how), one for its data and
 * backup volumes and one for its WAL volume, whose sizes add up to the limit
 * (lib/postgres/server.ts storageSplit says why the WAL has its own).
 *
 * - A limit grows in place and keeps the data (where the host cannot grow a mounted ext4, the
 *   tenant's containers stop for the resize); it never shrinks: the preview refuses, naming the
 *   size there is now.
 * - Every Docker tenant has one, `bytes: 0` when it has no limit, so that removing a limit is
 *   refused at preview. Adding one to a tenant whose data volume exists as a plain volume is
 *   refused too, rather than replacing the data volume: `pgs limit-storage` moves the data first
 *   (backends/docker/limitStorage.ts), after which the volume is made again as a bind volume.
 * - After a reboot the next `pgs up` mounts it again (diff sees it unmounted).
 * - Removing the tenant keeps the filesystem unless `onRemove: delete` (retainOnDelete).
 *
 * A Pulumi dynamic provider: its code is serialized into the state, so it is self-contained
 * (node builtins, sh, the docker CLI).
 */
import * as pulumi from "@pulumi/pulumi";
import { type TenantStorageLayout, tenantStorageScript } from "../../lib/docker/storage";

export interface TenantStorageArgs {
  tenant: string;
  layout: TenantStorageLayout;
  /** The limit in bytes; 0 for none (the tenant's volumes are plain local volumes). */
  bytes: number;
  /** Of it, the WAL filesystem's share (the rest is the data filesystem's). */
  walBytes: number;
  /** The tenant's data volume: it must be a bind volume of `layout.data`, or not exist yet. */
  dataVolume: string;
  /** Every volume in the data filesystem, and the WAL volume: what must stop where a grow needs them unmounted. */
  volumes: string[];
  walVolume: string;
}

interface StorageState {
  tenant: string;
  layout: TenantStorageLayout;
  bytes: number;
  walBytes: number;
  walVolume: string;
  dataVolume: string;
  volumes: string[];
}

const SCRIPT = tenantStorageScript();

const gib = (bytes: number) => `${+(bytes / 1024 ** 3).toFixed(2)}Gi`;

/** A limit set to none where there was one: refused (its data lives in the filesystem). */
export function removalRefusal(olds: StorageState | undefined, news: StorageState): string | undefined {
  if (!olds || !(olds.bytes > 0) || news.bytes !== 0) return undefined;
  return `tenant ${news.tenant}: storage cannot be removed: its data lives in its ${gib(olds.bytes)} filesystem ${olds.layout.image}; set resources.storage back to at least ${gib(olds.bytes)}`;
}

/** What the provider does on the host; exported for its tests. */
export function storageOps(script: string) {
  const { spawnSync } = require("node:child_process") as typeof import("node:child_process");
  const run = (program: string, args: string[]) => {
    const r = spawnSync(program, args, { encoding: "utf8" });
    return { code: r.status ?? 1, stdout: r.stdout ?? "", stderr: (r.stderr ?? "").trim() || (r.error?.message ?? "") };
  };
  const storage = (args: string[]) => run("sh", ["-c", script, "tenant-storage.sh", ...args]);
  /** The data filesystem and the WAL's: image, mount, size, folders, the volumes in it. */
  const filesystems = (s: StorageState): [string, string, number, string, string[]][] => [
    [s.layout.image, s.layout.mount, s.bytes - s.walBytes, "data,backups", s.volumes],
    [s.layout.walImage, s.layout.walMount, s.walBytes, "wal", [s.walVolume]],
  ];
  const unlimitedVolume = (news: StorageState) =>
    `tenant ${news.tenant}: its data volume ${news.dataVolume} was made without a storage limit, and a volume cannot take ` +
    "one in place (pgs never replaces a data volume): leave resources.storage unset for it, or run pgs limit-storage " +
    `${news.tenant} <size>, which copies its data into a limited filesystem and keeps the old volume (docs/storage.md)`;
  return {
    /** Why the inputs cannot be applied, or undefined. */
    refusal(olds: StorageState | undefined, news: StorageState): string | undefined {
      if (news.bytes === 0) return removalRefusal(olds, news);
      if (olds && news.bytes < olds.bytes) {
        return `tenant ${news.tenant}: storage cannot shrink: it is ${gib(olds.bytes)} now and tenants.yaml asks for ${gib(news.bytes)}; set at least ${gib(olds.bytes)}`;
      }
      for (const [image, mount, bytes] of filesystems(news)) {
        const checked = storage(["check", image, mount, String(bytes)]);
        if (checked.code !== 0) return `tenant ${news.tenant}: ${checked.stderr}`;
      }
      const volume = run("docker", ["volume", "inspect", "--format", '{{index .Options "device"}}', news.dataVolume]);
      if (volume.code === 0 && volume.stdout.trim() !== news.layout.data) return unlimitedVolume(news);
      return undefined;
    },
    ensure(state: StorageState): StorageState {
      if (state.bytes === 0) return state;
      for (const [image, mount, bytes, folders, volumes] of filesystems(state)) {
        const r = storage(["ensure", image, mount, String(bytes), folders, ...volumes]);
        if (r.code !== 0) throw new Error(`tenant ${state.tenant}: storage: ${r.stderr}`);
      }
      return state;
    },
    mounted(state: StorageState): boolean {
      if (state.bytes === 0) return true;
      return filesystems(state).every(([, mount]) => storage(["mounted", mount]).code === 0);
    },
    remove(state: StorageState): void {
      if (state.bytes === 0) return;
      for (const [image, mount] of filesystems(state)) {
        const r = storage(["remove", image, mount]);
        if (r.code !== 0) throw new Error(`tenant ${state.tenant}: removing its storage: ${r.stderr}`);
      }
    },
  };
}

// The script reached through one object: Pulumi's closure serializer writes a captured object
// once but inlines a captured string into each function that uses it, and the provider is
// serialized into the state twice per tenant (inputs and outputs): five copies of the script made
// a tenant's state 70 KB, and every checkpoint of a big stack rewrites them all. The operations
// are made inside each call: a module's value (child_process) cannot be serialized.
const assets = { script: SCRIPT };
const ops = () => storageOps(assets.script);

const provider: pulumi.dynamic.ResourceProvider<StorageState, StorageState> = {
  async check(olds, news) {
    const reason = ops().refusal(olds?.bytes === undefined ? undefined : olds, news);
    return reason ? { inputs: news, failures: [{ property: "bytes", reason }] } : { inputs: news };
  },
  async diff(_id, olds, news) {
    const changed =
      olds.bytes !== news.bytes || olds.walBytes !== news.walBytes || JSON.stringify(olds.volumes) !== JSON.stringify(news.volumes);
    const moved = olds.layout.image !== news.layout.image || olds.layout.mount !== news.layout.mount;
    // Unmounted (a reboot): an update mounts it again.
    return { changes: changed || moved || !ops().mounted(news), ...(moved ? { replaces: ["layout"] } : {}) };
  },
  async create(inputs) {
    return { id: inputs.layout.image, outs: ops().ensure(inputs) };
  },
  async update(_id, _olds, news) {
    return { outs: ops().ensure(news) };
  },
  async delete(_id, props) {
    ops().remove(props);
  },
};

/**
 * A tenant without a limit has nothing on the host, and most tenants have none: its provider only
 * refuses a limit's removal and records the inputs, so its state holds none of the script (a
 * limit set later is checked and made by the provider above, the new inputs' own).
 */
const unlimitedProvider: pulumi.dynamic.ResourceProvider<StorageState, StorageState> = {
  async check(olds, news) {
    const reason = removalRefusal(olds?.bytes === undefined ? undefined : olds, news);
    return reason ? { inputs: news, failures: [{ property: "bytes", reason }] } : { inputs: news };
  },
  async diff(_id, olds, news) {
    return { changes: JSON.stringify({ ...olds, __provider: undefined }) !== JSON.stringify({ ...news, __provider: undefined }) };
  },
  async create(inputs) {
    return { id: inputs.layout.image, outs: inputs };
  },
  async update(_id, _olds, news) {
    return { outs: news };
  },
  async delete() {},
};

/** `pulumi-nodejs:dynamic/pgs:TenantStorage`: see the file's header. */
export class TenantStorage extends pulumi.dynamic.Resource {
  declare readonly bytes: pulumi.Output<number>;
  constructor(name: string, args: TenantStorageArgs, opts?: pulumi.CustomResourceOptions) {
    super(args.bytes > 0 ? provider : unlimitedProvider, name, { ...args }, opts, "pgs", "TenantStorage");
  }
}
