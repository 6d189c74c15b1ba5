import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_LOGS } from "../../lib/docker/hardening";
import { dockerCapabilities, dockerLabels, goDuration } from "../../lib/docker/inputs";
import type { Naming } from "../../lib/naming";
import type { CertificateSettings } from "../../lib/stackSettings";
import {
  type IngressSettings,
  TRAEFIK_PATHS,
  traefikCertificateConfig,
  traefikDynamicConfig,
  traefikHealthcheckCommand,
  traefikStaticArgs,
} from "../../lib/traefik/staticConfig";
import { IngressCertificate } from "../ingressCertificate";
import { ContainerFile } from "./containerFile";
import { withFormerType } from "../aliases";

export interface TraefikIngressArgs {
  naming: Naming;
  image: string;
  settings: IngressSettings;
  certificate: CertificateSettings;
  certificateNames: string[];
  providedPrivateKeyPem?: pulumi.Input<string>;
}

/**
 * The one Traefik v3 of a stack: terminates TLS on the `postgres` entrypoint and routes by
 * SNI to tenant containers (services from their labels, routers from the route files in its
 * watched dynamic volume). It runs with host networking and reaches each tenant over the
 * tenant's own bridge, so no tenant input appears here: adding or removing tenants never
 * replaces (restarts) the ingress, and neither does renewing its certificate.
 */
export class TraefikIngress extends pulumi.ComponentResource {
  readonly container: docker.Container;
  readonly image: docker.RemoteImage;
  /** Traefik's watched dynamic directory: the files below, and every tenant's route file. */
  readonly dynamicVolume: docker.Volume;
  readonly baseConfig: ContainerFile;
  readonly certificateConfig: ContainerFile;
  readonly certificate: IngressCertificate;
  readonly caCertificatePem: pulumi.Output<string>;
  readonly port: number;

  constructor(name: string, args: TraefikIngressArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgs:docker:TraefikIngress", name, {}, withFormerType(opts, "pgs:docker:TraefikIngress"));
    const { naming, settings } = args;

    this.certificate = new IngressCertificate(
      `${name}-tls`,
      {
        certificate: args.certificate,
        dnsNames: args.certificateNames,
        stack: naming.stack,
        ...(args.providedPrivateKeyPem ? { providedPrivateKeyPem: args.providedPrivateKeyPem } : {}),
      },
      { parent: this },
    );

    this.image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent: this });

    // Routes and the certificate live here, written by pgs; a new container finds them again.
    this.dynamicVolume = new docker.Volume(
      `${name}-dynamic`,
      { name: naming.ingressVolume(), labels: dockerLabels(naming.ingressLabels()) },
      { parent: this },
    );

    const staticArgs = traefikStaticArgs(settings, naming.stack);
    this.container = new docker.Container(
      `${name}-traefik`,
      {
        name: naming.ingressContainer(),
        image: this.image.imageId,
        command: staticArgs,
        networkMode: "host",
        restart: "unless-stopped",
        labels: dockerLabels(naming.ingressLabels()),
        volumes: [
          { hostPath: settings.dockerSocket, containerPath: TRAEFIK_PATHS.dockerSocket, readOnly: true },
          { volumeName: this.dynamicVolume.name, containerPath: TRAEFIK_PATHS.dynamicDir },
        ],
        capabilities: {
          drops: dockerCapabilities(["ALL"]),
          ...(settings.port < 1024 ? { adds: dockerCapabilities(["NET_BIND_SERVICE"]) } : {}),
        },
        securityOpts: ["no-new-privileges:true"],
        ...CONTAINER_LOGS,
        ...(settings.ping
          ? {
              healthcheck: {
                tests: ["CMD", ...traefikHealthcheckCommand(settings)],
                interval: goDuration(10),
                timeout: goDuration(5),
                startPeriod: goDuration(30),
                retries: 3,
              },
              wait: true,
              waitTimeout: 60,
            }
          : {}),
      },
      { parent: this, deleteBeforeReplace: true, replaceOnChanges: ["healthcheck"] },
    );

    const file = (logical: string, path: string, content: pulumi.Input<string>, mode?: string) =>
      new ContainerFile(
        `${name}-${logical}`,
        { container: this.container.name, trigger: this.container.id, path, content, ...(mode ? { mode } : {}) },
        { parent: this },
      );
    this.baseConfig = file("config", TRAEFIK_PATHS.dynamicConfig, traefikDynamicConfig());
    // A renewed certificate is this file rewritten: Traefik reloads it, no connection is dropped.
    this.certificateConfig = file(
      "certificate",
      TRAEFIK_PATHS.certificateConfig,
      pulumi.secret(
        pulumi
          .all([this.certificate.certificatePem, this.certificate.privateKeyPem])
          .apply(([certificate, key]) => traefikCertificateConfig(certificate, key)),
      ),
      "0600",
    );

    this.caCertificatePem = this.certificate.caCertificatePem;
    this.port = settings.port;
    this.registerOutputs({ caCertificatePem: this.caCertificatePem, containerName: this.container.name });
  }
}
