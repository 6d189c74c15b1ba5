/** lib/docker/storage.ts: where a limited tenant's filesystem is, and the bind volumes into it. */
import { bindVolume, tenantStorageLayout, tenantStorageScript } from "../../../../lib/docker/storage";

test("the layout is under storageDir, named like the tenant's container (a trailing / changes nothing)", () => {
  expect(tenantStorageLayout("/srv/pgs", "pgs-prod-acme")).toEqual(tenantStorageLayout("/srv/pgs/", "pgs-prod-acme"));
  expect(tenantStorageLayout("/srv/pgs", "pgs-prod-acme")).toEqual({
    image: "/srv/pgs/pgs-prod-acme.ext4",
    mount: "/srv/pgs/pgs-prod-acme",
    data: "/srv/pgs/pgs-prod-acme/data",
    backups: "/srv/pgs/pgs-prod-acme/backups",
    walImage: "/srv/pgs/pgs-prod-acme-wal.ext4",
    walMount: "/srv/pgs/pgs-prod-acme-wal",
    wal: "/srv/pgs/pgs-prod-acme-wal/wal",
  });
});

test("a bind volume is the local driver's none/bind/device", () => {
  expect(bindVolume("/srv/pgs/x/data")).toEqual({ driver: "local", driverOpts: { type: "none", o: "bind", device: "/srv/pgs/x/data" } });
});

test("the host script is the shipped file", () => {
  expect(tenantStorageScript()).toMatch(/^#!\/bin\/sh\n# A tenant's disk limit on the Docker host/);
});
