import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KUBERNETES_OBJECTS, type Naming } from "../../lib/naming";
import type { CertificateSettings, KubernetesSettings } from "../../lib/stackSettings";
import {
  INGRESS_TLS,
  plaintextRefusal,
  TRAEFIK_API_VERSION,
  TRAEFIK_POD_PORTS,
  traefikClusterRules,
  traefikCrds,
  traefikKubernetesArgs,
  tlsOptionSpec,
  tlsStoreSpec,
} from "../../lib/traefik/kubernetes";
import type { IngressSettings } from "../../lib/traefik/staticConfig";
import { IngressCertificate } from "../ingressCertificate";

export interface TraefikIngressArgs {
  naming: Naming;
  image: string;
  settings: IngressSettings;
  kubernetes: Pick<KubernetesSettings, "ingressServiceType" | "ingressNodePort">;
  certificate: CertificateSettings;
  certificateNames: string[];
  providedPrivateKeyPem?: pulumi.Input<string>;
}

/** Traefik's pod runs as this unprivileged user: it binds no port below 1024 and reads no file of the image's. */
const TRAEFIK_USER = 65532;

/**
 * The one Traefik v3 of a stack in a Kubernetes cluster: terminates TLS on the `postgres`
 * entrypoint and routes by SNI to tenant servers, following the IngressRouteTCP objects its
 * Kubernetes CRD provider finds (this stack's only, by label). Its certificate is a Secret named
 * by the default TLSStore, which Traefik reads through the API. No tenant input appears in its
 * Deployment: adding or removing tenants never restarts it.
 */
export class TraefikIngress extends pulumi.ComponentResource {
  readonly certificate: IngressCertificate;
  readonly caCertificatePem: pulumi.Output<string>;
  /** Tenant routes need these to exist first. */
  readonly crds: k8s.apiextensions.v1.CustomResourceDefinition[];
  readonly namespace: k8s.core.v1.Namespace;
  readonly deployment: k8s.apps.v1.Deployment;
  readonly service: k8s.core.v1.Service;
  /** The port clients connect to: the node port, or the Service's port. */
  readonly port: number;
  /** Where clients reach the ingress: the node address given (NodePort), the load balancer's, or the cluster IP. */
  readonly address: pulumi.Output<string>;

  constructor(name: string, args: TraefikIngressArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgs:kubernetes:TraefikIngress", name, {}, opts);
    const { naming, settings } = args;
    const { ingressServiceType: serviceType, ingressNodePort: nodePort } = args.kubernetes;
    const namespaceName = naming.ingressNamespace();
    const labels = naming.ingressLabels();

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

    // Cluster-wide and possibly shared with other stacks: deleting a CRD deletes every object of
    // its kind in the cluster, so pgs never does.
    this.crds = traefikCrds().map(
      (crd) =>
        new k8s.apiextensions.v1.CustomResourceDefinition(
          `${name}-crd-${crd.spec.names.plural}`,
          {
            metadata: crd.metadata,
            // Plain data from crds.yaml, checked by the API server (and by test/unit/lib/traefik/kubernetes.test.ts).
            spec: crd.spec as unknown as k8s.types.input.apiextensions.v1.CustomResourceDefinitionSpec,
          },
          { parent: this, retainOnDelete: true },
        ),
    );

    this.namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: { name: namespaceName, labels },
      },
      { parent: this },
    );
    const inNamespace = { parent: this, dependsOn: [this.namespace] };
    const meta = (objectName: string) => ({ name: objectName, namespace: namespaceName, labels });

    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-service-account`,
      {
        metadata: meta(KUBERNETES_OBJECTS.traefik),
      },
      inNamespace,
    );
    const clusterRole = new k8s.rbac.v1.ClusterRole(
      `${name}-cluster-role`,
      {
        metadata: { name: naming.ingressClusterRole(), labels },
        rules: traefikClusterRules(),
      },
      { parent: this },
    );
    const clusterRoleBinding = new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-cluster-role-binding`,
      {
        metadata: { name: naming.ingressClusterRole(), labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace: namespaceName }],
      },
      { parent: this },
    );

    const certificateSecret = new k8s.core.v1.Secret(
      `${name}-certificate`,
      {
        metadata: meta(KUBERNETES_OBJECTS.certificate),
        type: "kubernetes.io/tls",
        stringData: { "tls.crt": this.certificate.certificatePem, "tls.key": this.certificate.privateKeyPem },
      },
      inNamespace,
    );

    const custom = (logical: string, kind: string, objectName: string, spec: pulumi.Input<object>, dependsOn: pulumi.Resource[] = []) =>
      new k8s.apiextensions.CustomResource(
        `${name}-${logical}`,
        {
          apiVersion: TRAEFIK_API_VERSION,
          kind,
          metadata: meta(objectName),
          spec,
        },
        { parent: this, dependsOn: [this.namespace, ...this.crds, ...dependsOn] },
      );
    custom("tls-option", "TLSOption", INGRESS_TLS.option, tlsOptionSpec());
    custom("tls-store", "TLSStore", INGRESS_TLS.store, tlsStoreSpec(KUBERNETES_OBJECTS.certificate), [certificateSecret]);

    const refusal = plaintextRefusal();
    const nowhere = new k8s.core.v1.Service(
      `${name}-nowhere`,
      {
        metadata: meta(refusal.service.name),
        spec: { type: "ClusterIP", ports: [{ name: "nowhere", port: refusal.service.port, protocol: "TCP" }] },
      },
      inNamespace,
    );
    const refuseAll = custom("refuse-all", "MiddlewareTCP", refusal.middleware.name, refusal.middleware.spec);
    custom("refuse-plaintext", "IngressRouteTCP", refusal.route.name, refusal.route.spec, [refuseAll, nowhere]);

    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-traefik`,
      {
        metadata: meta(KUBERNETES_OBJECTS.traefik),
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          // The new pod serves before the old one stops.
          strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: serviceAccount.metadata.name,
              // pgs reaches everything by address (the API through the kubernetes Service's
              // environment, tenants by endpoint): no cluster DNS needed.
              dnsPolicy: "Default",
              enableServiceLinks: false,
              securityContext: { runAsNonRoot: true, runAsUser: TRAEFIK_USER, runAsGroup: TRAEFIK_USER },
              containers: [
                {
                  name: "traefik",
                  image: args.image,
                  imagePullPolicy: "IfNotPresent",
                  args: traefikKubernetesArgs(settings, naming.stack),
                  ports: [
                    { name: "postgres", containerPort: TRAEFIK_POD_PORTS.postgres, protocol: "TCP" },
                    { name: "admin", containerPort: TRAEFIK_POD_PORTS.admin, protocol: "TCP" },
                  ],
                  readinessProbe: {
                    httpGet: { path: "/ping", port: "admin" },
                    periodSeconds: 5,
                    timeoutSeconds: 5,
                    failureThreshold: 3,
                    successThreshold: 1,
                  },
                  livenessProbe: {
                    httpGet: { path: "/ping", port: "admin" },
                    periodSeconds: 10,
                    timeoutSeconds: 5,
                    failureThreshold: 3,
                    successThreshold: 1,
                  },
                  // No limits: every tenant's traffic passes here, and a killed Traefik drops them all.
                  resources: { requests: { cpu: "50m", memory: "64Mi" } },
                  securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                },
              ],
            },
          },
        },
      },
      { parent: this, dependsOn: [this.namespace, clusterRoleBinding, ...this.crds] },
    );

    this.service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: meta(KUBERNETES_OBJECTS.traefik),
        spec: {
          type: serviceType,
          selector: labels,
          ports: [
            {
              name: "postgres",
              protocol: "TCP",
              port: settings.port,
              targetPort: "postgres",
              ...(serviceType === "NodePort" ? { nodePort } : {}),
            },
          ],
          // allowFrom needs the clients' own addresses: no hop to another node, which would SNAT them.
          ...(serviceType === "ClusterIP" ? {} : { externalTrafficPolicy: "Local" }),
        },
      },
      inNamespace,
    );

    this.caCertificatePem = this.certificate.caCertificatePem;
    this.port = serviceType === "NodePort" ? nodePort : settings.port;
    this.address =
      serviceType === "NodePort"
        ? pulumi.output(settings.address)
        : serviceType === "LoadBalancer"
          ? this.service.status.loadBalancer.ingress.apply((ingress) => ingress?.[0]?.ip ?? ingress?.[0]?.hostname ?? "")
          : this.service.spec.clusterIP;
    this.registerOutputs({ caCertificatePem: this.caCertificatePem, namespace: namespaceName, port: this.port, address: this.address });
  }
}
