/**
 * components/docker/tenantStorage.ts: the refusals a preview meets from the old and new inputs
 * alone. What needs the host (mounting, growing, a plain data volume that refuses a limit, pgs
 * limit-storage) is tried for real in test/e2e/isolation.test.ts.
 */
import { removalRefusal, storageOps } from "../../../../components/docker/tenantStorage";
import { promiseOf, underMocks } from "../../helpers/component";
import { tenantStorageLayout, tenantStorageScript } from "../../../../lib/docker/storage";

const GIB = 1024 ** 3;
const state = (bytes: number) => ({
  tenant: "acme",
  layout: tenantStorageLayout("/var/lib/pgs/storage/", "pgs-dev-acme"),
  bytes,
  walBytes: bytes === 0 ? 0 : 256 * 1024 * 1024,
  dataVolume: "pgs-dev-acme-data",
  volumes: ["pgs-dev-acme-data"],
  walVolume: "pgs-dev-acme-wal",
});
const ops = storageOps(tenantStorageScript());

test("the layout: one image file and its mount per tenant, data and backups folders in it", () => {
  expect(state(0).layout).toEqual({
    image: "/var/lib/pgs/storage/pgs-dev-acme.ext4",
    mount: "/var/lib/pgs/storage/pgs-dev-acme",
    data: "/var/lib/pgs/storage/pgs-dev-acme/data",
    backups: "/var/lib/pgs/storage/pgs-dev-acme/backups",
    walImage: "/var/lib/pgs/storage/pgs-dev-acme-wal.ext4",
    walMount: "/var/lib/pgs/storage/pgs-dev-acme-wal",
    wal: "/var/lib/pgs/storage/pgs-dev-acme-wal/wal",
  });
});

test("a limit never shrinks: the refusal names the size there is now", () => {
  expect(ops.refusal(state(2 * GIB), state(GIB))).toBe(
    "tenant acme: storage cannot shrink: it is 2Gi now and tenants.yaml asks for 1Gi; set at least 2Gi",
  );
});

test("a limit cannot be removed once the data lives in its filesystem", () => {
  expect(ops.refusal(state(GIB), state(0))).toMatch(
    /^tenant acme: storage cannot be removed: its data lives in its 1Gi filesystem \/var\/lib\/pgs\/storage\/pgs-dev-acme\.ext4/,
  );
});

test("no limit before or after: nothing to refuse, and nothing runs on the host", () => {
  expect(ops.refusal(undefined, state(0))).toBeUndefined();
  expect(ops.refusal(state(0), state(0))).toBeUndefined();
  expect(ops.mounted(state(0))).toBe(true);
  expect(ops.ensure(state(0))).toEqual(state(0));
});

test("removalRefusal: refused only from a limit to none, saying where the data lives", () => {
  expect(removalRefusal(state(GIB), state(0))).toBe(
    "tenant acme: storage cannot be removed: its data lives in its 1Gi filesystem /var/lib/pgs/storage/pgs-dev-acme.ext4; set resources.storage back to at least 1Gi",
  );
  expect(removalRefusal(state(GIB), state(GIB))).toBeUndefined();
  expect(removalRefusal(undefined, state(0))).toBeUndefined();
  expect(removalRefusal(state(0), state(0))).toBeUndefined();
  expect(ops.refusal(state(GIB), state(0))).toBe(removalRefusal(state(GIB), state(0)));
});

describe("the provider serialized into each resource's state", () => {
  const serialized = (bytes: number) =>
    underMocks(async () => {
      const { TenantStorage } = await import("../../../../components/docker/tenantStorage");
      const storage = new TenantStorage("acme-storage", { ...state(bytes) });
      return promiseOf((storage as unknown as { __provider: import("@pulumi/pulumi").Output<string> }).__provider);
    });

  test("a tenant without a limit carries a small provider with no host script in it", async () => {
    const text = await serialized(0);
    expect(text).toContain("storage cannot be removed");
    expect(text).not.toContain("tenant-storage.sh");
    expect(text.length).toBeLessThan(4096);
  });

  test("a tenant with a limit carries the script once", async () => {
    const text = await serialized(GIB);
    const script = tenantStorageScript();
    expect(text.split(JSON.stringify(script).slice(1, 200)).length - 1).toBe(1);
    expect(text.length).toBeLessThan(script.length + 10_000);
  });
});
