/**
 * Stand-in outputs for an offline plan: what a provider would compute at apply time is
 * shown as a readable placeholder instead of being invented.
 */
import type { ResourceMocks } from "./programRunner";

const computed = (what: string) => `(computed at apply: ${what})`;

export const planMocks: ResourceMocks = {
  newResource({ type, name, inputs }) {
    const state: Record<string, unknown> = { ...inputs };
    switch (type) {
      case "random:index/randomPassword:RandomPassword":
        state.result = computed(`random password ${name}`);
        break;
      case "tls:index/privateKey:PrivateKey":
        state.privateKeyPem = computed(`private key ${name}`);
        state.publicKeyPem = computed(`public key ${name}`);
        break;
      case "tls:index/selfSignedCert:SelfSignedCert":
      case "tls:index/locallySignedCert:LocallySignedCert":
        state.certPem = computed(`certificate ${name}`);
        break;
      case "tls:index/certRequest:CertRequest":
        state.certRequestPem = computed(`certificate request ${name}`);
        break;
      case "docker:index/remoteImage:RemoteImage":
        state.imageId = computed(`image id of ${String(inputs.name)}`);
        state.repoDigest = computed(`digest of ${String(inputs.name)}`);
        break;
      case "pulumi:pulumi:StackReference":
        // Offline there is no previous deployment to read.
        state.outputs = {};
        break;
      default:
        break;
    }
    return { id: typeof inputs.name === "string" ? inputs.name : `${name}-id`, state };
  },
};
