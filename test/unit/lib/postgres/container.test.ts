/** lib/postgres/container.ts: what a server's facts query and storage probe print, parsed. */
import { dataDirectory, dataMountPath, parseServerFacts, STORAGE_USE_SCRIPT } from "../../../../lib/postgres/container";

test("the facts line, and the storage line where the probe ran", () => {
  expect(parseServerFacts("8123456|3\n", "1073741824|52428800\n")).toEqual({
    dataBytes: 8123456,
    connections: 3,
    storage: { sizeBytes: 1073741824, usedBytes: 52428800 },
  });
  expect(parseServerFacts("8123456|0")).toEqual({ dataBytes: 8123456, connections: 0, storage: null });
  expect(parseServerFacts("1|0", "garbage")).toMatchObject({ storage: null });
});

test("the storage probe reads the data volume's filesystem (df, the container's view)", () => {
  expect(STORAGE_USE_SCRIPT).toContain('df -P -B1 "$PGS_DATA_MOUNT"');
});

test("18+ keeps data under the mount's <major>/docker, <= 17 at the mount", () => {
  expect([dataMountPath(18), dataDirectory(18)]).toEqual(["/var/lib/postgresql", "/var/lib/postgresql/18/docker"]);
  expect([dataMountPath(17), dataDirectory(17)]).toEqual(["/var/lib/postgresql/data", "/var/lib/postgresql/data"]);
});
