/** Container files as ConfigMap and Secret volumes. */
import { contentChecksum, filesData, filesVolume } from "../../../../lib/kubernetes/files";
import { serverFiles } from "../../../../lib/postgres/server";

test("the server's files become one ConfigMap volume in their directory, scripts executable, everything read-only", () => {
  const { volume, volumeMount } = filesVolume("files", { configMap: "pgs-files" }, serverFiles());
  expect(volumeMount).toEqual({ name: "files", mountPath: "/run/pgs", readOnly: true });
  expect(volume).toEqual({
    name: "files",
    configMap: {
      name: "pgs-files",
      defaultMode: 0o444,
      items: [
        { key: "start.sh", path: "start.sh", mode: 0o555 },
        { key: "sync-roles.sh", path: "sync-roles.sh", mode: 0o555 },
        { key: "sync-roles.sql", path: "sync-roles.sql", mode: 0o444 },
        { key: "probe.sh", path: "probe.sh", mode: 0o555 },
        { key: "reload.sh", path: "reload.sh", mode: 0o555 },
        { key: "storage-reserve.sh", path: "storage-reserve.sh", mode: 0o555 },
        { key: "pg_hba.conf", path: "pg_hba.conf", mode: 0o444 },
      ],
    },
  });
});

test("the ConfigMap data is the files' content, verbatim, by name", () => {
  const data = filesData(serverFiles());
  for (const file of serverFiles()) expect(data[file.path.split("/").pop()!]).toBe(file.content);
});

test("a Secret volume maps keys to file names", () => {
  expect(
    filesVolume("credentials", { secret: "credentials" }, [{ path: "/run/x/password", key: "tenant-password", executable: false }]).volume,
  ).toEqual({
    name: "credentials",
    secret: { secretName: "credentials", defaultMode: 0o444, items: [{ key: "tenant-password", path: "password", mode: 0o444 }] },
  });
});

test("files of two directories cannot share a volume", () => {
  expect(() =>
    filesVolume("v", { configMap: "c" }, [
      { path: "/a/x", executable: false },
      { path: "/b/y", executable: false },
    ]),
  ).toThrow("filesVolume v: the files must share one directory, got /a, /b");
});

test("the checksum follows the content and not the order", () => {
  expect(contentChecksum({ a: "1", b: "2" })).toBe(contentChecksum({ b: "2", a: "1" }));
  expect(contentChecksum({ a: "1", b: "2" })).not.toBe(contentChecksum({ a: "1", b: "3" }));
  expect(contentChecksum({ a: "1" })).toMatch(/^[0-9a-f]{64}$/);
});
