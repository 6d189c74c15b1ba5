/**
 * A file pgs keeps in a directory of a running container, written through the docker CLI
 * (`docker cp`, so DOCKER_HOST and contexts are honoured, and an image without a shell works):
 * Traefik's per-tenant routes and certificate in its watched dynamic directory, a tenant's
 * reloadable server settings. Changing the file never recreates the container: Traefik's file
 * provider picks it up; PostgreSQL re-reads its settings when `exec` runs its reload.
 *
 * The directory should be a volume, so the file outlives the container; `trigger` (the
 * container's id) makes a new container get the file again. A deleted file is emptied (an
 * image without a shell has no `rm`): for Traefik an empty file is no configuration.
 *
 * A Pulumi dynamic provider: its code is serialized into the state of each such resource, so it
 * is small and self-contained (node builtins and the docker CLI only).
 */
import * as pulumi from "@pulumi/pulumi";

export interface ContainerFileArgs {
  /** The container's name (what `docker cp` and `docker kill` address). */
  container: pulumi.Input<string>;
  /** Anything that, when it changes, means the file must be written again: the container's id. */
  trigger: pulumi.Input<string>;
  /** Absolute path of the file in the container. */
  path: string;
  content: pulumi.Input<string>;
  /** Run in the container after each write (`docker exec -u USER`), e.g. PostgreSQL's reload. */
  exec?: { user: string; command: string[] };
  /** Octal permission bits of the file, e.g. "0600" for a private key. */
  mode?: string;
}

interface FileInputs {
  container: string;
  trigger: string;
  path: string;
  content: string;
  exec?: { user: string; command: string[] };
  mode?: string;
}

interface FileOutputs {
  container: string;
  trigger: string;
  path: string;
  /** sha256 of what was written: the state never holds the content itself. */
  sha256: string;
  exec?: { user: string; command: string[] };
}

/** docker cp of `content` to `path` in `container` (then `exec`), or the file's current sha256. */
function dockerFileOps() {
  const { execFileSync } = require("node:child_process") as typeof import("node:child_process");
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  const fs = require("node:fs") as typeof import("node:fs");
  const os = require("node:os") as typeof import("node:os");
  const path = require("node:path") as typeof import("node:path");
  const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
  const docker = (args: string[], input?: string): Buffer => {
    try {
      return execFileSync("docker", args, { input, stdio: ["pipe", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
    } catch (err) {
      const stderr = String((err as { stderr?: Buffer }).stderr ?? "").trim();
      throw new Error(`docker ${args[0]} ${args.slice(1).join(" ")} failed: ${stderr || (err as Error).message}`);
    }
  };
  return {
    sha256,
    write(inputs: FileInputs): FileOutputs {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgs-file-"));
      try {
        const local = path.join(dir, path.basename(inputs.path));
        fs.writeFileSync(local, inputs.content, { mode: Number.parseInt(inputs.mode ?? "0644", 8) });
        fs.chmodSync(local, Number.parseInt(inputs.mode ?? "0644", 8));
        docker(["cp", local, `${inputs.container}:${inputs.path}`]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
      if (inputs.exec) docker(["exec", "-u", inputs.exec.user, inputs.container, ...inputs.exec.command]);
      return {
        container: inputs.container,
        trigger: inputs.trigger,
        path: inputs.path,
        sha256: sha256(inputs.content),
        ...(inputs.exec ? { exec: inputs.exec } : {}),
      };
    },
    /** The file's sha256 now, "" when it or the container is gone: from the tar stream `docker cp … -` writes. */
    current(container: string, file: string): string {
      let tar: Buffer;
      try {
        tar = execFileSync("docker", ["cp", `${container}:${file}`, "-"], {
          stdio: ["ignore", "pipe", "ignore"],
          maxBuffer: 64 * 1024 * 1024,
        });
      } catch {
        return "";
      }
      const size = Number.parseInt(tar.subarray(124, 136).toString("ascii").replace(/\0.*$/, "").trim() || "0", 8);
      return sha256(tar.subarray(512, 512 + size).toString("utf8"));
    },
  };
}

const provider: pulumi.dynamic.ResourceProvider<FileInputs, FileOutputs> = {
  async diff(_id, olds, news) {
    const ops = dockerFileOps();
    const replaces = olds.path !== news.path || olds.container !== news.container ? ["path"] : [];
    const changes =
      replaces.length > 0 ||
      olds.trigger !== news.trigger ||
      olds.sha256 !== ops.sha256(news.content) ||
      JSON.stringify(olds.exec) !== JSON.stringify(news.exec);
    return { changes, replaces, deleteBeforeReplace: false };
  },
  async create(inputs) {
    const outs = dockerFileOps().write(inputs);
    return { id: `${inputs.container}:${inputs.path}`, outs };
  },
  async update(_id, _olds, news) {
    return { outs: dockerFileOps().write(news) };
  },
  async read(id, props) {
    if (!props) return { id };
    return { id, props: { ...props, sha256: dockerFileOps().current(props.container, props.path) } };
  },
  async delete(_id, props) {
    // Best effort: a container that is already gone took its file's meaning with it.
    try {
      dockerFileOps().write({ container: props.container, trigger: props.trigger, path: props.path, content: "" });
    } catch {}
  },
};

/** `pulumi-nodejs:dynamic/pgs:ContainerFile`: see the file's header. */
export class ContainerFile extends pulumi.dynamic.Resource {
  declare readonly sha256: pulumi.Output<string>;

  constructor(name: string, args: ContainerFileArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...args, sha256: undefined }, opts, "pgs", "ContainerFile");
  }
}
