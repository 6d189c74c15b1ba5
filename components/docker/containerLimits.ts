/**
 * Limits of a container that the docker provider cannot set, applied with `docker update` (it
 * persists them in the container's configuration, so they hold across restarts): today the
 * process limit (`--pids-limit`, the cgroup's pids.max). `trigger` (the container's id) applies
 * them again to a new container.
 *
 * A Pulumi dynamic provider, like ContainerFile: small and self-contained.
 */
import * as pulumi from "@pulumi/pulumi";

export interface ContainerLimitsArgs {
  /** The container's name. */
  container: pulumi.Input<string>;
  /** The container's id: a new container gets the limits again. */
  trigger: pulumi.Input<string>;
  /** At most this many processes (and threads) in the container. */
  pidsLimit: number;
}

interface LimitsState {
  container: string;
  trigger: string;
  pidsLimit: number;
}

function dockerLimitOps() {
  const { execFileSync } = require("node:child_process") as typeof import("node:child_process");
  const run = (args: string[]): string => {
    try {
      return execFileSync("docker", args, { stdio: ["ignore", "pipe", "pipe"] }).toString();
    } catch (err) {
      const stderr = String((err as { stderr?: Buffer }).stderr ?? "").trim();
      throw new Error(`docker ${args.join(" ")} failed: ${stderr || (err as Error).message}`);
    }
  };
  return {
    apply(state: LimitsState): LimitsState {
      run(["update", "--pids-limit", String(state.pidsLimit), state.container]);
      return state;
    },
    /** The limit the container has now; 0 when it is gone or has none. */
    current(container: string): number {
      try {
        return Number(run(["inspect", "--format", "{{.HostConfig.PidsLimit}}", container]).trim()) || 0;
      } catch {
        return 0;
      }
    },
  };
}

const provider: pulumi.dynamic.ResourceProvider<LimitsState, LimitsState> = {
  async diff(_id, olds, news) {
    return { changes: olds.container !== news.container || olds.trigger !== news.trigger || olds.pidsLimit !== news.pidsLimit };
  },
  async create(inputs) {
    return { id: inputs.container, outs: dockerLimitOps().apply(inputs) };
  },
  async update(_id, _olds, news) {
    return { outs: dockerLimitOps().apply(news) };
  },
  async read(id, props) {
    if (!props) return { id };
    return { id, props: { ...props, pidsLimit: dockerLimitOps().current(props.container) } };
  },
  // The limits go with the container.
  async delete() {},
};

/** `pulumi-nodejs:dynamic/pgs:ContainerLimits`: see the file's header. */
export class ContainerLimits extends pulumi.dynamic.Resource {
  constructor(name: string, args: ContainerLimitsArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...args }, opts, "pgs", "ContainerLimits");
  }
}
