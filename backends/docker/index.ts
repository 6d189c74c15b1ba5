/** The Docker backend: tenants as containers on one Docker host, behind a Traefik with host networking. */
import { imageLogicalName } from "../../lib/naming";
import type { Backend } from "../backend";
import { scopedTargets, urnPrefix } from "../targets";
import { dockerHost } from "./host";

/**
 * What a tenant's resources are named, besides its component (its id): `<id>-<suffix>` in
 * components/docker (TenantDatabase, TenantBackup and the shared passwords). A unit test keeps
 * this list and the components in step.
 */
export const DOCKER_TENANT_SUFFIXES = [
  "password",
  "superuser-password",
  "storage",
  "data",
  "wal",
  "config",
  "network",
  "postgres",
  "settings",
  "limits",
  "route",
  "backups",
  "backup",
  "offsite",
] as const;

export const dockerBackend: Backend = {
  name: "docker",
  problems: () => [],
  // Loaded on use: `pgs validate` and the operator commands never load Pulumi.
  deploy: (input) => (require("./deploy") as typeof import("./deploy")).deployOnDocker(input),
  // The images the built tenants run from, when not yet in the state: a tenant's first use of one
  // creates it. One already there is not targeted: the engine refuses a run that targets a resource
  // other, unbuilt tenants' servers depend on ("will be destroyed but was not specified in
  // --target list"), and an image in the state needs no step.
  targets: (scope, settings, tenants, inState) => {
    const built = tenants.filter((t) => scope.tenants.includes(t.id) && t.state === "running");
    const images = new Set(built.map((t) => settings.postgresImage(t.postgres.version)));
    if (settings.backupS3 && built.some((t) => t.backup)) images.add(settings.backupS3.rcloneImage);
    return [
      ...scopedTargets(
        settings,
        scope,
        { type: "pgs:docker:TenantDatabase", suffixes: DOCKER_TENANT_SUFFIXES },
        "pgs:docker:TraefikIngress",
      ),
      ...[...images]
        .map((ref) => `${urnPrefix(settings)}docker:index/remoteImage:RemoteImage::${imageLogicalName(ref)}`)
        .filter((urn) => !inState?.has(urn)),
    ];
  },
  host: dockerHost,
};
