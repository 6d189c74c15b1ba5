import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { contentChecksum, filesData, filesVolume } from "../../lib/kubernetes/files";
import { claimSize, envVars } from "../../lib/kubernetes/inputs";
import {
  ANNOTATION,
  CREDENTIAL_KEYS,
  serverNetworkPolicy,
  serverProbes,
  serverResources,
  serverSecretFiles,
  shmVolume,
  TENANT_CONTAINER_SECURITY,
  volumeOwnerCommand,
} from "../../lib/kubernetes/server";
import { KUBERNETES_OBJECTS } from "../../lib/naming";
import { dataMountPath, POSTGRES_PORT, STOP_TIMEOUT_SECONDS } from "../../lib/postgres/container";
import {
  SERVER_FILES,
  SERVER_SETTINGS_FILE,
  serverCommand,
  serverEnv,
  serverFiles,
  serverSettingsFile,
  serverSpec,
} from "../../lib/postgres/server";
import type { KubernetesSettings } from "../../lib/stackSettings";
import { TRAEFIK_API_VERSION, tenantRouteObjects } from "../../lib/traefik/kubernetes";
import { serverVerifiers, type TenantDatabaseBaseArgs, tenantDatabaseOutputs, tenantPasswords } from "../tenantDatabaseBase";
import { TenantBackup } from "./tenantBackup";

/** The settings ConfigMap's key. */
const SETTINGS_KEY = "settings.conf";
/** How often the start hook's watcher looks at the mounted settings (the kubelet syncs it within about a minute). */
const SETTINGS_WATCH_SECONDS = 10;

export interface TenantDatabaseArgs extends TenantDatabaseBaseArgs {
  /** The tenant's PostgreSQL image reference; the cluster's nodes must have or be able to pull it. */
  image: string;
  kubernetes: Pick<KubernetesSettings, "storageClass" | "volumeSize">;
  /** What the tenant's route needs to exist first (the ingress's CRDs). */
  routeDependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * One tenant in a Kubernetes cluster, in a namespace of its own: its passwords, a Secret with
 * the server's SCRAM verifiers and initdb password, a ConfigMap with the same start hook, probe
 * and config files as on Docker, a data claim, a single-replica StatefulSet (zero while
 * `state: stopped`), a ClusterIP Service, a NetworkPolicy admitting only the stack's Traefik and
 * the tenant's backup jobs, and, while access is enabled, its IngressRouteTCP (with a
 * MiddlewareTCP allowlist for allowFrom). The namespace and the claim depend only on the stack
 * and the tenant id and are kept when the tenant is removed, unless `onRemove: delete`.
 */
export class TenantDatabase extends pulumi.ComponentResource {
  readonly hostname: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: pulumi.Output<string>;
  readonly connectionString: pulumi.Output<string>;
  readonly namespace: k8s.core.v1.Namespace;
  readonly credentials: k8s.core.v1.Secret;
  readonly files: k8s.core.v1.ConfigMap;
  readonly settings: k8s.core.v1.ConfigMap;
  readonly dataClaim: k8s.core.v1.PersistentVolumeClaim;
  readonly statefulSet: k8s.apps.v1.StatefulSet;
  readonly service: k8s.core.v1.Service;
  readonly networkPolicy: k8s.networking.v1.NetworkPolicy;
  /** Absent while access is disabled. */
  readonly route?: k8s.apiextensions.CustomResource;
  /** Present while access is enabled and the tenant has allowFrom. */
  readonly allowList?: k8s.apiextensions.CustomResource;
  /** Present while the tenant has `backup` set. */
  readonly backup?: TenantBackup;

  constructor(name: string, args: TenantDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgs:kubernetes:TenantDatabase", name, {}, opts);
    const { tenant, naming } = args;
    if (args.image === "") throw new Error(`TenantDatabase ${name}: \`image\` must name the tenant's PostgreSQL image.`);
    if (args.routeDependsOn.length === 0)
      throw new Error(`TenantDatabase ${name}: \`routeDependsOn\` must list the ingress's CRDs, which the tenant's route needs.`);

    const passwords = tenantPasswords(name, args, this);
    const verifiers = serverVerifiers(passwords, naming, tenant);
    const retained = { retainOnDelete: tenant.onRemove !== "delete" };
    const namespaceName = naming.tenantNamespace(tenant.id);
    const serverLabels = naming.tenantLabels(tenant.id, "postgres");
    const meta = (objectName: string, labels: Record<string, string>) => ({ name: objectName, namespace: namespaceName, labels });

    // Deleting a namespace deletes everything in it: it is kept exactly when the claims are.
    this.namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: { name: namespaceName, labels: naming.tenantLabels(tenant.id, "tenant") },
      },
      { parent: this, ...retained },
    );
    const inNamespace = { parent: this, dependsOn: [this.namespace] };

    const serverSecrets: Record<string, pulumi.Output<string>> = {
      [CREDENTIAL_KEYS.tenantVerifier]: verifiers.tenant,
      [CREDENTIAL_KEYS.superuserVerifier]: verifiers.superuser,
      [CREDENTIAL_KEYS.superuserPassword]: passwords.superuserPassword,
    };
    this.credentials = new k8s.core.v1.Secret(
      `${name}-credentials`,
      {
        metadata: meta(KUBERNETES_OBJECTS.credentials, serverLabels),
        type: "Opaque",
        stringData: {
          ...serverSecrets,
          // The backup job logs in as the tenant; the server never mounts this key.
          ...(tenant.backup ? { [CREDENTIAL_KEYS.tenantPassword]: passwords.password } : {}),
        },
      },
      inNamespace,
    );

    const files = serverFiles();
    this.files = new k8s.core.v1.ConfigMap(
      `${name}-files`,
      {
        metadata: meta(KUBERNETES_OBJECTS.files, serverLabels),
        data: filesData(files),
      },
      inNamespace,
    );

    // Not in the pod template's checksum: a changed setting that a reload applies rolls nothing;
    // the start hook's watcher reloads it once the kubelet has updated the mounted file.
    this.settings = new k8s.core.v1.ConfigMap(
      `${name}-settings`,
      { metadata: meta(KUBERNETES_OBJECTS.settings, serverLabels), data: { [SETTINGS_KEY]: serverSettingsFile(tenant) } },
      inNamespace,
    );

    const mountPath = dataMountPath(tenant.postgres.version);
    this.dataClaim = new k8s.core.v1.PersistentVolumeClaim(
      `${name}-data`,
      {
        metadata: meta(KUBERNETES_OBJECTS.dataClaim, naming.tenantLabels(tenant.id, "data")),
        spec: {
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: claimSize(tenant.resources.storageMiB, args.kubernetes.volumeSize) } },
          ...(args.kubernetes.storageClass ? { storageClassName: args.kubernetes.storageClass } : {}),
        },
      },
      {
        ...inNamespace,
        ...retained,
        // A claim's class cannot change; a new storageClass setting is for new claims only.
        ignoreChanges: ["spec.storageClassName"],
      },
    );

    this.service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: {
          ...meta(KUBERNETES_OBJECTS.server, serverLabels),
          // A stopped tenant's Service has no endpoints; the StatefulSet is what an up waits for.
          annotations: { "pulumi.com/skipAwait": "true" },
        },
        spec: {
          type: "ClusterIP",
          selector: serverLabels,
          ports: [{ name: "postgres", protocol: "TCP", port: POSTGRES_PORT, targetPort: "postgres" }],
        },
      },
      inNamespace,
    );

    this.networkPolicy = new k8s.networking.v1.NetworkPolicy(
      `${name}-network-policy`,
      {
        metadata: meta(KUBERNETES_OBJECTS.networkPolicy, serverLabels),
        spec: serverNetworkPolicy(naming, tenant.id),
      },
      inNamespace,
    );

    const scripts = filesVolume("files", { configMap: KUBERNETES_OBJECTS.files }, files);
    const secrets = filesVolume("credentials", { secret: KUBERNETES_OBJECTS.credentials }, serverSecretFiles());
    const shm = shmVolume(tenant.resources);
    const settings = filesVolume("settings", { configMap: KUBERNETES_OBJECTS.settings }, [
      { path: SERVER_SETTINGS_FILE, executable: false, key: SETTINGS_KEY },
    ]);
    const data = {
      volume: { name: "data", persistentVolumeClaim: { claimName: KUBERNETES_OBJECTS.dataClaim } },
      volumeMount: { name: "data", mountPath },
    };
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-postgres`,
      {
        metadata: meta(KUBERNETES_OBJECTS.server, serverLabels),
        spec: {
          replicas: tenant.state === "running" ? 1 : 0,
          serviceName: KUBERNETES_OBJECTS.server,
          selector: { matchLabels: serverLabels },
          // With OrderedReady a pod that never became ready blocks every later template, so a fixed
          // setting would not roll out (kubernetes#67250). One replica: no ordering to keep.
          podManagementPolicy: "Parallel",
          updateStrategy: { type: "RollingUpdate" },
          template: {
            metadata: {
              labels: serverLabels,
              annotations: {
                [ANNOTATION.files]: contentChecksum(filesData(files)),
                // A digest of the secrets, not secret itself: a rotated password rolls the pod, whose start hook applies it.
                [ANNOTATION.credentials]: pulumi.unsecret(pulumi.all(serverSecrets).apply(contentChecksum)),
              },
            },
            spec: {
              // The start hook runs the role sync detached. In one PID namespace per pod, PID 1 is the
              // pause process, which adopts and reaps it, as docker --init's tini does; postgres
              // itself never becomes the parent of a process it did not start.
              shareProcessNamespace: true,
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              dnsPolicy: "Default",
              // The image stops with SIGINT (fast shutdown); the default 30 s would end in SIGKILL and crash recovery.
              terminationGracePeriodSeconds: STOP_TIMEOUT_SECONDS,
              initContainers: [
                {
                  name: "volume-owner",
                  image: args.image,
                  imagePullPolicy: "IfNotPresent",
                  command: volumeOwnerCommand(mountPath),
                  volumeMounts: [data.volumeMount],
                  securityContext: { ...TENANT_CONTAINER_SECURITY, runAsUser: 0 },
                },
              ],
              containers: [
                {
                  name: KUBERNETES_OBJECTS.server,
                  image: args.image,
                  imagePullPolicy: "IfNotPresent",
                  command: [SERVER_FILES.start],
                  args: serverCommand(tenant),
                  env: envVars(serverEnv(serverSpec(tenant), SETTINGS_WATCH_SECONDS)),
                  ports: [{ name: "postgres", containerPort: POSTGRES_PORT, protocol: "TCP" }],
                  volumeMounts: [data.volumeMount, scripts.volumeMount, secrets.volumeMount, shm.volumeMount, settings.volumeMount],
                  resources: serverResources(tenant.resources),
                  ...serverProbes(),
                  securityContext: TENANT_CONTAINER_SECURITY,
                },
              ],
              volumes: [data.volume, scripts.volume, secrets.volume, shm.volume, settings.volume],
            },
          },
        },
      },
      { parent: this, dependsOn: [this.namespace, this.credentials, this.files, this.settings, this.dataClaim] },
    );

    const routeObjects = tenantRouteObjects(tenant, naming);
    const routeLabels = naming.tenantLabels(tenant.id, "route");
    const custom = (logical: string, kind: string, object: { name: string; spec: object }, dependsOn: pulumi.Input<pulumi.Resource>[]) =>
      new k8s.apiextensions.CustomResource(
        `${name}-${logical}`,
        {
          apiVersion: TRAEFIK_API_VERSION,
          kind,
          metadata: meta(object.name, routeLabels),
          spec: object.spec,
        },
        { parent: this, dependsOn: [this.namespace, ...args.routeDependsOn, ...dependsOn] },
      );
    if (routeObjects.allowList) this.allowList = custom("allow-from", "MiddlewareTCP", routeObjects.allowList, []);
    if (routeObjects.route)
      this.route = custom("route", "IngressRouteTCP", routeObjects.route, [this.service, ...(this.allowList ? [this.allowList] : [])]);

    if (tenant.backup) {
      this.backup = new TenantBackup(
        name,
        {
          tenant,
          naming,
          image: args.image,
          kubernetes: args.kubernetes,
          serverAddress: this.service.spec.clusterIP,
          // Its job mounts the credentials, and its first run needs a server.
          dependsOn: [this.namespace, this.credentials, this.statefulSet],
        },
        { parent: this },
      );
    }

    const outputs = tenantDatabaseOutputs(args, passwords.password);
    ({
      hostname: this.hostname,
      port: this.port,
      database: this.database,
      user: this.user,
      password: this.password,
      connectionString: this.connectionString,
    } = outputs);
    this.registerOutputs(outputs);
  }
}
