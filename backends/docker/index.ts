/** The Docker backend: tenants as containers on one Docker host, behind a Traefik with host networking. */
import type { Backend } from "../backend";
import { dockerHost } from "./host";

export const dockerBackend: Backend = {
  name: "docker",
  problems: () => [],
  // Loaded on use: `pgs validate` and the operator commands never load Pulumi.
  deploy: (input) => (require("./deploy") as typeof import("./deploy")).deployOnDocker(input),
  host: dockerHost,
};
