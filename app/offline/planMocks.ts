/**
 * What `pgs plan` answers for each resource: its inputs, and "unknown" for what a provider
 * computes at apply time. The plan runs as a preview, so nothing is computed from those values
 * (e.g. password verifiers), as in `pulumi preview` of a new stack; they show as "(known after apply)".
 */
import * as pulumi from "@pulumi/pulumi";
import type { ResourceMocks } from "./programRunner";

/** The provider-computed outputs the program reads, per resource type. */
const COMPUTED: Record<string, string[]> = {
  "random:index/randomPassword:RandomPassword": ["result", "bcryptHash"],
  "tls:index/privateKey:PrivateKey": ["privateKeyPem", "publicKeyPem", "publicKeyOpenssh"],
  "tls:index/selfSignedCert:SelfSignedCert": ["certPem"],
  "tls:index/locallySignedCert:LocallySignedCert": ["certPem"],
  "tls:index/certRequest:CertRequest": ["certRequestPem"],
  "docker:index/remoteImage:RemoteImage": ["imageId", "repoDigest"],
};

export const planMocks: ResourceMocks = {
  newResource({ type, name, inputs }) {
    const state: Record<string, unknown> = { ...inputs };
    for (const key of COMPUTED[type] ?? []) state[key] = pulumi.runtime.unknownValue;
    // A new stack has no previous deployment to read back.
    if (type === "pulumi:pulumi:StackReference") state.outputs = {};
    return { id: typeof inputs.name === "string" ? inputs.name : `${name}-id`, state };
  },
};
