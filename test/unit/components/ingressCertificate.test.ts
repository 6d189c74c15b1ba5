/** certificateMode: provided — the operator's certificate, its names bounding tenant hostnames. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { thrownBy, underMocks } from "../helpers/component";
import { Graph, plan, planError, tenantsYaml } from "../helpers/program";

const dir = mkdtempSync(path.join(tmpdir(), "pgs-cert-"));
execFileSync(
  "openssl",
  [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=corp.example",
    "-addext",
    "subjectAltName=DNS:*.corp.example,DNS:db.other.example",
    "-keyout",
    path.join(dir, "key.pem"),
    "-out",
    path.join(dir, "cert.pem"),
  ],
  { stdio: "ignore" },
);
const certificatePem = readFileSync(path.join(dir, "cert.pem"), "utf8");
const privateKeyPem = readFileSync(path.join(dir, "key.pem"), "utf8");

const providedConfig = {
  baseDomain: "corp.example",
  certificateMode: "provided",
  tlsCertificate: certificatePem,
  tlsCaCertificate: certificatePem,
};

test("a provided certificate replaces the generated CA: no tls resources, its PEMs go to Traefik's certificate file, a secret", async () => {
  const graph = new Graph(
    await plan({
      tenants: tenantsYaml("  - id: acme\n  - id: globex\n    hostname: db.other.example"),
      config: providedConfig,
      secretConfig: { tlsPrivateKey: privateKeyPem },
    }),
  );
  expect(graph.resources.filter((r) => r.type.startsWith("tls:"))).toEqual([]);
  const file = graph.resources.find((r) => r.name === "ingress-certificate")!;
  expect(file.displayInputs.content).toBe("[secret]");
  expect(String(file.inputs.content)).toContain(certificatePem.trim().split("\n")[1]);
  expect(String(file.inputs.content)).toContain(privateKeyPem.trim().split("\n")[1]);
  expect(graph.ingressContainer().inputs.uploads).toBeUndefined();
  expect(graph.result.outputs.caCertificate).toBe(certificatePem);
  expect(JSON.stringify(graph.resources.map((r) => r.displayInputs))).not.toContain("PRIVATE KEY");
});

test("tenant hostnames must be covered by the provided certificate's names", async () => {
  const err = await planError({
    tenants: tenantsYaml("  - id: acme\n    hostname: acme.pgs.example.com"),
    config: providedConfig,
    secretConfig: { tlsPrivateKey: privateKeyPem },
  });
  expect((err as Error).message).toMatch(
    /:4:15: tenant "acme": hostname acme\.pgs\.example\.com is not covered by the ingress certificate \(the certificate covers \*\.corp\.example, db\.other\.example; a wildcard matches exactly one label\)/,
  );
});

test("provided mode without the private key in secret config fails with the command to set it", async () => {
  const err = await planError({ tenants: tenantsYaml("  - id: acme"), config: providedConfig });
  expect((err as Error).message).toContain(
    "pgs:tlsPrivateKey is not set: certificateMode is provided, so the certificate's private key is needed (pulumi config set --secret tlsPrivateKey ... --stack unit)",
  );
});

test("IngressCertificate itself refuses provided mode without a private key", async () => {
  const thrown = await underMocks(async () => {
    const { IngressCertificate } = await import("../../../components/ingressCertificate");
    return thrownBy(
      () =>
        new IngressCertificate("tls", {
          certificate: { mode: "provided", certificatePem },
          dnsNames: ["*.corp.example"],
          stack: "unit",
        }),
    );
  });
  expect((thrown as Error).message).toBe(
    "IngressCertificate tls: certificateMode is provided, so `providedPrivateKeyPem` is needed (pulumi config set --secret tlsPrivateKey < key.pem).",
  );
});
