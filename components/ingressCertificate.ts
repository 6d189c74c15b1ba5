import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { CertificateSettings } from "../lib/stackSettings";

export interface IngressCertificateArgs {
  certificate: CertificateSettings;
  /** DNS names the self-signed server certificate carries (e.g. `*.pgs.example.com`). */
  dnsNames: string[];
  stack: string;
  /** provided mode: the server certificate's private key, a secret. */
  providedPrivateKeyPem?: pulumi.Input<string>;
}

/**
 * The server certificate Traefik presents. selfSigned: a CA and a wildcard certificate
 * made by @pulumi/tls (clients trust the CA, published as a stack output); provided: the
 * operator's certificate and key from stack config. Certificates do not renew by
 * themselves (pulumi-tls#39): `pulumi up` inside the early-renewal window replaces it.
 */
export class IngressCertificate extends pulumi.ComponentResource {
  readonly certificatePem: pulumi.Output<string>;
  readonly privateKeyPem: pulumi.Output<string>;
  /** The CA clients should trust; empty when a provided certificate has no CA configured. */
  readonly caCertificatePem: pulumi.Output<string>;

  constructor(name: string, args: IngressCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgs:index:IngressCertificate", name, {}, opts);

    if (args.certificate.mode === "provided") {
      if (!args.providedPrivateKeyPem) {
        throw new pulumi.RunError(
          `IngressCertificate ${name}: certificateMode is provided, so \`providedPrivateKeyPem\` is needed (pulumi config set --secret tlsPrivateKey < key.pem).`,
        );
      }
      this.certificatePem = pulumi.output(args.certificate.certificatePem);
      this.privateKeyPem = pulumi.secret(args.providedPrivateKeyPem);
      this.caCertificatePem = pulumi.output(args.certificate.caCertificatePem ?? "");
    } else {
      const caKey = new tls.PrivateKey(`${name}-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
      const ca = new tls.SelfSignedCert(
        `${name}-ca`,
        {
          privateKeyPem: caKey.privateKeyPem,
          isCaCertificate: true,
          subject: { commonName: `pgs ${args.stack} CA`, organization: "pgs" },
          validityPeriodHours: 10 * 365 * 24,
          allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
        },
        { parent: this },
      );
      const serverKey = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
      const request = new tls.CertRequest(
        `${name}-request`,
        {
          privateKeyPem: serverKey.privateKeyPem,
          dnsNames: args.dnsNames,
          subject: { commonName: args.dnsNames[0], organization: "pgs" },
        },
        { parent: this },
      );
      const server = new tls.LocallySignedCert(
        `${name}-cert`,
        {
          certRequestPem: request.certRequestPem,
          caPrivateKeyPem: caKey.privateKeyPem,
          caCertPem: ca.certPem,
          validityPeriodHours: args.certificate.validityDays * 24,
          earlyRenewalHours: Math.min(30 * 24, Math.floor((args.certificate.validityDays * 24) / 3)),
          allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
        },
        { parent: this },
      );
      this.certificatePem = server.certPem;
      this.privateKeyPem = pulumi.secret(serverKey.privateKeyPem);
      this.caCertificatePem = ca.certPem;
    }

    this.registerOutputs({ certificatePem: this.certificatePem, caCertificatePem: this.caCertificatePem });
  }
}
