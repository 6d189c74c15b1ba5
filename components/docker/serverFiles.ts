/**
 * The scripts and configuration every tenant's server runs (lib/postgres/files), once per stack:
 * a volume that each server mounts read-only where the scripts live, filled by a container that
 * is created and never started (the docker provider uploads into a created container, and the
 * daemon mounts the container's volumes for the copy).
 *
 * Why not in each server container's uploads: there they were 17 KB in the state twice per
 * tenant (inputs and outputs), and the engine rewrites the whole state at every step of a run,
 * so at a few hundred tenants the state's size was most of a run's time. A server carries the
 * files' digest instead (a label): new scripts still make every server again, as before.
 *
 * Read-only in the tenants, so that no tenant (not even a superuser one, who runs programs as
 * the server's OS user) can change what its neighbours run.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_LOGS } from "../../lib/docker/hardening";
import { dockerLabels } from "../../lib/docker/inputs";
import type { Naming } from "../../lib/naming";
import { SERVER_FILES_DIR, serverFiles, serverFilesDigest } from "../../lib/postgres/server";

export interface ServerFilesArgs {
  naming: Naming;
  /** Any image on the host: the container only holds the upload (the ingress's Traefik image). */
  imageId: pulumi.Input<string>;
}

/** What a server container needs to mount the files. */
export interface ServerFilesRef {
  volumeName: pulumi.Input<string>;
  /** sha256 of the files: a label on each server, so new files make it again. */
  digest: string;
  /** The container that filled the volume: a server is made after it. */
  filler: pulumi.Resource;
}

export class ServerFiles extends pulumi.ComponentResource {
  readonly volume: docker.Volume;
  readonly filler: docker.Container;
  readonly digest: string;

  constructor(name: string, args: ServerFilesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgs:docker:ServerFiles", name, {}, opts);
    const { naming } = args;
    const files = serverFiles();
    this.digest = serverFilesDigest(files);
    this.volume = new docker.Volume(
      `${name}-volume`,
      { name: naming.serverFilesVolume(), labels: dockerLabels(naming.serverFilesLabels()) },
      { parent: this },
    );
    this.filler = new docker.Container(
      `${name}-filler`,
      {
        name: naming.serverFilesContainer(),
        image: args.imageId,
        start: false,
        mustRun: false,
        uploads: files.map((f) => ({ file: f.path, content: f.content, executable: f.executable })),
        volumes: [{ volumeName: this.volume.name, containerPath: SERVER_FILES_DIR }],
        labels: dockerLabels(naming.serverFilesLabels()),
        networkMode: "none",
        ...CONTAINER_LOGS,
      },
      { parent: this, deleteBeforeReplace: true },
    );
    this.registerOutputs({ volumeName: this.volume.name, digest: this.digest });
  }

  get ref(): ServerFilesRef {
    return { volumeName: this.volume.name, digest: this.digest, filler: this.filler };
  }
}
