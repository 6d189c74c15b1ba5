/** The Kubernetes backend: a namespace per tenant in one cluster, behind a Traefik with its CRD provider. */
import { kubernetesProblems } from "../../lib/kubernetes/problems";
import type { Backend } from "../backend";
import { kubernetesHost } from "./host";

export const kubernetesBackend: Backend = {
  name: "kubernetes",
  problems: (tenants, settings) => kubernetesProblems(tenants, settings.naming),
  // Loaded on use: `pgs validate` and the operator commands never load Pulumi.
  deploy: (input) => (require("./deploy") as typeof import("./deploy")).deployOnKubernetes(input),
  host: kubernetesHost,
};
