/** ServerFiles constructed directly: the one volume of the servers' scripts and its filler. */
import { serverFiles, serverFilesDigest } from "../../../../lib/postgres/server";
import { promiseOf, underMocks } from "../../helpers/component";

test("one volume, filled by a container that is never started, uploading every server file; the ref carries the files' digest", async () => {
  const seen = await underMocks(async () => {
    const { ServerFiles } = await import("../../../../components/docker/serverFiles");
    const { Naming } = await import("../../../../lib/naming");
    const files = new ServerFiles("server-files", { naming: new Naming("unit", "pgs-unit-"), imageId: "img" });
    return {
      volume: await promiseOf(files.volume.name),
      filler: await promiseOf(files.filler.name),
      start: await promiseOf(files.filler.start),
      mustRun: await promiseOf(files.filler.mustRun),
      uploads: await promiseOf(files.filler.uploads),
      ref: { volumeName: await promiseOf(files.ref.volumeName as import("@pulumi/pulumi").Output<string>), digest: files.ref.digest },
    };
  });
  expect(seen.volume).toBe("pgs-unit-server_files");
  expect(seen.filler).toBe("pgs-unit-server_files");
  expect({ start: seen.start, mustRun: seen.mustRun }).toEqual({ start: false, mustRun: false });
  expect((seen.uploads ?? []).map((u) => u.file)).toEqual(serverFiles().map((f) => f.path));
  expect(seen.ref).toEqual({ volumeName: "pgs-unit-server_files", digest: serverFilesDigest() });
});

test("the digest changes with any file's content, path or mode", () => {
  const files = serverFiles();
  const digest = serverFilesDigest(files);
  expect(serverFilesDigest(files.map((f, i) => (i === 0 ? { ...f, content: `${f.content}\n` } : f)))).not.toBe(digest);
  expect(serverFilesDigest(files.map((f, i) => (i === 0 ? { ...f, path: `${f.path}.x` } : f)))).not.toBe(digest);
  expect(serverFilesDigest(files.map((f, i) => (i === 0 ? { ...f, executable: !f.executable } : f)))).not.toBe(digest);
  expect(serverFilesDigest(files)).toBe(digest);
});
