/**
 * The provider plugins of the project's engine (scripts/engine.sh; on these machines REBUILDS from
 * engine/providers, not Pulumi's releases) must drop or rename nothing the project can use: for each
 * resource the project creates, the plugin's schema has exactly the input and output properties the
 * locked npm SDK declares, recursively through nested object types; and docker's Container is
 * replaced delete-before-replace, as with pulumi-docker. Run: `npm run test:engine`.
 * Without an engine this suite fails; it does not skip.
 */
import * as grpc from "@grpc/grpc-js";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import { DiffRequest, type DiffResponse } from "@pulumi/pulumi/proto/provider_pb";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";

const REPO = path.resolve(__dirname, "../..");

/** The resources this project creates (index.ts, components/), per npm package. */
const USED: Record<string, string[]> = {
  docker: ["Container", "Network", "Volume", "RemoteImage"],
  random: ["RandomPassword"],
  tls: ["PrivateKey", "SelfSignedCert", "CertRequest", "LocallySignedCert"],
};

/**
 * Known, justified differences: `${where}|${property}|${side}`, side = where the property exists.
 * Every entry must still be needed (a stale entry fails the test).
 */
const ALLOWED: Record<string, string> = {
  // @pulumi/tls 5.6.1 declares write-only private-key inputs (Terraform write-only attributes
  // `*_pem_wo` + `*_pem_wo_version`, echoed as outputs by the SDK); the only terraform-provider-tls
  // served here (v1.2.1-0.20260130152455-857b38cda3fc) has no such attributes, so the rebuild cannot
  // have them. The project passes keys through privateKeyPem / caPrivateKeyPem only.
  "tls:CertRequest inputs|privateKeyPemWo|sdk": "write-only attribute, not in the rebuild",
  "tls:CertRequest inputs|privateKeyPemWoVersion|sdk": "write-only attribute, not in the rebuild",
  "tls:CertRequest outputs|privateKeyPemWo|sdk": "write-only attribute, not in the rebuild",
  "tls:CertRequest outputs|privateKeyPemWoVersion|sdk": "write-only attribute, not in the rebuild",
  "tls:SelfSignedCert inputs|privateKeyPemWo|sdk": "write-only attribute, not in the rebuild",
  "tls:SelfSignedCert inputs|privateKeyPemWoVersion|sdk": "write-only attribute, not in the rebuild",
  "tls:SelfSignedCert outputs|privateKeyPemWo|sdk": "write-only attribute, not in the rebuild",
  "tls:SelfSignedCert outputs|privateKeyPemWoVersion|sdk": "write-only attribute, not in the rebuild",
  "tls:LocallySignedCert inputs|caPrivateKeyPemWo|sdk": "write-only attribute, not in the rebuild",
  "tls:LocallySignedCert inputs|caPrivateKeyPemWoVersion|sdk": "write-only attribute, not in the rebuild",
  "tls:LocallySignedCert outputs|caPrivateKeyPemWo|sdk": "write-only attribute, not in the rebuild",
  "tls:LocallySignedCert outputs|caPrivateKeyPemWoVersion|sdk": "write-only attribute, not in the rebuild",
};

// ---------------------------------------------------------------------------------------------
// The engine: what `scripts/engine.sh --print-env` puts in the environment.
// ---------------------------------------------------------------------------------------------
interface Engine {
  pulumi: string;
  env: NodeJS.ProcessEnv;
}

function findEngine(): Engine {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell script: ${PULUMI_HOME:-} is its own
  const script = 'set -e; e=$(bash scripts/engine.sh --print-env); eval "$e"; command -v pulumi; echo "${PULUMI_HOME:-}"';
  let out: string;
  try {
    out = execFileSync("bash", ["-c", script], { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const stderr = String((e as { stderr?: unknown }).stderr ?? "");
    throw new Error(`No Pulumi engine for this project: run \`bash scripts/engine.sh\` first.\n${stderr}`);
  }
  const [pulumi, home] = out.trimEnd().split("\n");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${path.dirname(pulumi)}${path.delimiter}${process.env.PATH ?? ""}`,
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
  if (home) env.PULUMI_HOME = home;
  return { pulumi, env };
}

function sdkPluginVersion(pkg: string): string {
  const json = JSON.parse(fs.readFileSync(path.join(REPO, "node_modules/@pulumi", pkg, "package.json"), "utf8"));
  return json.pulumi.version;
}

// ---------------------------------------------------------------------------------------------
// The plugin's side: its Pulumi package schema.
// ---------------------------------------------------------------------------------------------
interface TypeSpec {
  type?: string;
  $ref?: string;
  items?: TypeSpec;
  additionalProperties?: TypeSpec;
  oneOf?: TypeSpec[];
}
interface ObjectSpec {
  properties?: Record<string, TypeSpec>;
  enum?: unknown[];
}
interface PackageSchema {
  name: string;
  version?: string;
  provider: { inputProperties?: Record<string, TypeSpec> };
  resources: Record<string, { inputProperties?: Record<string, TypeSpec>; properties?: Record<string, TypeSpec> }>;
  types?: Record<string, ObjectSpec>;
}

function getSchema(engine: Engine, pkg: string, version: string): PackageSchema {
  const out = execFileSync(engine.pulumi, ["package", "get-schema", `${pkg}@${version}`], {
    cwd: REPO,
    env: engine.env,
    encoding: "utf8",
    maxBuffer: 512 * 1024 * 1024,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return JSON.parse(out) as PackageSchema;
}

/** Object types a schema property refers to (enums, archives and assets are leaves). */
function schemaRefs(schema: PackageSchema, spec: TypeSpec | undefined): string[] {
  if (!spec) return [];
  const refs: string[] = [];
  if (spec.$ref?.startsWith("#/types/")) {
    const token = decodeURIComponent(spec.$ref.slice("#/types/".length));
    if (!schema.types?.[token]?.enum) refs.push(token);
  }
  refs.push(...schemaRefs(schema, spec.items), ...schemaRefs(schema, spec.additionalProperties));
  for (const s of spec.oneOf ?? []) refs.push(...schemaRefs(schema, s));
  return refs;
}

// ---------------------------------------------------------------------------------------------
// The SDK's side: its TypeScript declarations.
// ---------------------------------------------------------------------------------------------
type Props = Map<string, ts.TypeNode | undefined>;

class Sdk {
  readonly dir: string;
  private readonly types = new Map<string, Map<string, ts.InterfaceDeclaration>>();

  constructor(readonly pkg: string) {
    this.dir = path.join(REPO, "node_modules/@pulumi", pkg);
  }

  parse(file: string): ts.SourceFile {
    const full = path.join(this.dir, file);
    return ts.createSourceFile(full, fs.readFileSync(full, "utf8"), ts.ScriptTarget.Latest, true);
  }

  /** Interfaces of types/input.d.ts or types/output.d.ts by qualified name ("X", "config.X"). */
  nested(side: "inputs" | "outputs"): Map<string, ts.InterfaceDeclaration> {
    let map = this.types.get(side);
    if (map) return map;
    map = new Map();
    const file = path.join("types", side === "inputs" ? "input.d.ts" : "output.d.ts");
    if (fs.existsSync(path.join(this.dir, file))) collectInterfaces(this.parse(file).statements, "", map);
    this.types.set(side, map);
    return map;
  }

  /** `<Resource>Args` members: the inputs. */
  args(file: string, name: string): Props {
    const decl = this.parse(file).statements.find(
      (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name,
    );
    if (!decl) throw new Error(`@pulumi/${this.pkg}/${file}: no interface ${name}`);
    return interfaceProps(decl);
  }

  /** The class's `readonly x: pulumi.Output<...>` members: the outputs. */
  outputs(file: string, cls: string): Props {
    const decl = this.parse(file).statements.find((s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === cls);
    if (!decl) throw new Error(`@pulumi/${this.pkg}/${file}: no class ${cls}`);
    const props: Props = new Map();
    for (const m of decl.members) {
      if (!ts.isPropertyDeclaration(m) || !ts.isIdentifier(m.name)) continue;
      const mods = ts.getModifiers(m) ?? [];
      if (mods.some((x) => x.kind === ts.SyntaxKind.StaticKeyword)) continue;
      if (!mods.some((x) => x.kind === ts.SyntaxKind.ReadonlyKeyword)) continue;
      const t = m.type;
      if (t && ts.isTypeReferenceNode(t) && t.typeName.getText() === "pulumi.Output") props.set(m.name.text, t);
    }
    return props;
  }
}

function collectInterfaces(statements: ts.NodeArray<ts.Statement>, prefix: string, into: Map<string, ts.InterfaceDeclaration>) {
  for (const s of statements) {
    if (ts.isInterfaceDeclaration(s)) into.set(prefix + s.name.text, s);
    else if (ts.isModuleDeclaration(s) && s.body && ts.isModuleBlock(s.body)) {
      collectInterfaces(s.body.statements, `${prefix}${s.name.getText()}.`, into);
    }
  }
}

function interfaceProps(decl: ts.InterfaceDeclaration): Props {
  const props: Props = new Map();
  for (const m of decl.members) {
    if (!ts.isPropertySignature(m)) continue;
    if (ts.isIdentifier(m.name) || ts.isStringLiteral(m.name)) props.set(m.name.text, m.type);
  }
  return props;
}

/** Nested SDK types a declared type refers to: `inputs.X` / `outputs.config.X` → "X" / "config.X". */
function sdkRefs(node: ts.Node | undefined, side: "inputs" | "outputs"): string[] {
  const refs: string[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isTypeReferenceNode(n) && ts.isQualifiedName(n.typeName)) {
      const text = n.typeName.getText();
      if (text.startsWith(`${side}.`)) refs.push(text.slice(side.length + 1));
    }
    ts.forEachChild(n, visit);
  };
  if (node) visit(node);
  return refs;
}

// ---------------------------------------------------------------------------------------------
// The comparison.
// ---------------------------------------------------------------------------------------------
interface Difference {
  where: string;
  property: string;
  side: "sdk" | "schema" | "shape";
  detail?: string;
}

function compare(
  sdk: Sdk,
  schema: PackageSchema,
  side: "inputs" | "outputs",
  where: string,
  sdkProps: Props,
  schemaProps: Record<string, TypeSpec>,
  out: Difference[],
  seen = new Set<string>(),
) {
  for (const name of sdkProps.keys()) if (!(name in schemaProps)) out.push({ where, property: name, side: "sdk" });
  for (const name of Object.keys(schemaProps)) if (!sdkProps.has(name)) out.push({ where, property: name, side: "schema" });
  for (const [name, typeNode] of sdkProps) {
    if (!(name in schemaProps)) continue;
    const a = sdkRefs(typeNode, side);
    const b = schemaRefs(schema, schemaProps[name]);
    if (a.length !== b.length) {
      out.push({ where, property: name, side: "shape", detail: `SDK type refers to [${a}], schema type to [${b}]` });
      continue;
    }
    a.forEach((sdkType, i) => {
      const key = `${side}:${sdkType}:${b[i]}`;
      if (seen.has(key)) return;
      seen.add(key);
      const decl = sdk.nested(side).get(sdkType);
      const spec = schema.types?.[b[i]];
      if (!decl || !spec) {
        out.push({ where, property: name, side: "shape", detail: `type ${decl ? b[i] : `${side}.${sdkType}`} not found` });
        return;
      }
      compare(sdk, schema, side, `${where} › ${name}`, interfaceProps(decl), spec.properties ?? {}, out, seen);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Delete-before-replace is not in the schema (nor in `pulumi package get-mapping`): the bridge
// returns it from the provider's Diff. Ask the plugin directly, over its gRPC interface.
// ---------------------------------------------------------------------------------------------
function pluginBinary(engine: Engine, pkg: string, version: string): string {
  const home = engine.env.PULUMI_HOME || path.join(os.homedir(), ".pulumi");
  return path.join(home, "plugins", `resource-${pkg}-v${version}`, `pulumi-resource-${pkg}`);
}

async function providerDiff(
  binary: string,
  type: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<DiffResponse.AsObject> {
  // A resource plugin started without arguments prints its gRPC port and serves until killed.
  const child = spawn(binary, [], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += String(d)));
  try {
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout.once("data", (d) => resolve(String(d).trim()));
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`${binary} exited (${code}): ${stderr}`)));
    });
    const client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    try {
      const req = new DiffRequest();
      req.setId(String(olds.id));
      req.setUrn(`urn:pulumi:test::pgs::${type}::r`);
      req.setType(type);
      req.setName("r");
      req.setOlds(Struct.fromJavaScript(olds as Record<string, never>));
      req.setNews(Struct.fromJavaScript(news as Record<string, never>));
      req.setOldInputs(Struct.fromJavaScript(news as Record<string, never>));
      const res = await new Promise<DiffResponse>((resolve, reject) => client.diff(req, (err, r) => (err ? reject(err) : resolve(r))));
      return res.toObject();
    } finally {
      client.close();
    }
  } finally {
    child.kill();
  }
}

const lowerFirst = (s: string) => s[0].toLowerCase() + s.slice(1);

describe("rebuilt provider plugins match the locked npm SDKs (npm run test:engine)", () => {
  let engine: Engine;
  const schemas = new Map<string, PackageSchema>();
  const usedAllowances = new Set<string>();

  beforeAll(() => {
    engine = findEngine();
  });

  for (const [pkg, resources] of Object.entries(USED)) {
    test(`${pkg}: provider config and ${resources.join(", ")}: same input and output properties`, () => {
      const version = sdkPluginVersion(pkg);
      const schema = getSchema(engine, pkg, version);
      schemas.set(pkg, schema);
      expect(schema.name).toBe(pkg);
      const sdk = new Sdk(pkg);
      const diffs: Difference[] = [];
      // Provider config: inputs only (the Node SDK's Provider class declares only its string outputs).
      compare(
        sdk,
        schema,
        "inputs",
        `${pkg}:Provider inputs`,
        sdk.args("provider.d.ts", "ProviderArgs"),
        schema.provider.inputProperties ?? {},
        diffs,
      );
      for (const cls of resources) {
        const file = `${lowerFirst(cls)}.d.ts`;
        const res = schema.resources[`${pkg}:index/${lowerFirst(cls)}:${cls}`];
        if (!res) {
          diffs.push({ where: `${pkg}:${cls}`, property: "(resource)", side: "sdk", detail: "resource missing from the schema" });
          continue;
        }
        compare(sdk, schema, "inputs", `${pkg}:${cls} inputs`, sdk.args(file, `${cls}Args`), res.inputProperties ?? {}, diffs);
        compare(sdk, schema, "outputs", `${pkg}:${cls} outputs`, sdk.outputs(file, cls), res.properties ?? {}, diffs);
      }
      const unexpected = diffs.filter((d) => {
        const key = `${d.where}|${d.property}|${d.side}`;
        if (key in ALLOWED) {
          usedAllowances.add(key);
          return false;
        }
        return true;
      });
      const lines = unexpected.map((d) =>
        d.side === "shape"
          ? `${d.where} › ${d.property}: ${d.detail}`
          : `${d.where}: "${d.property}" only in the ${d.side === "sdk" ? `SDK (@pulumi/${pkg})` : "plugin schema"}${d.detail ? ` (${d.detail})` : ""}`,
      );
      expect(lines).toEqual([]);
    });
  }

  test("docker Container is replaced delete-before-replace (pulumi-docker's DeleteBeforeReplace: true)", async () => {
    const binary = pluginBinary(engine, "docker", sdkPluginVersion("docker"));
    expect(fs.existsSync(binary)).toBe(true);
    // A new image forces a replacement. No `__defaults` in the news, so the bridge's own
    // "explicit name needs delete-before-replace" rule stays out of it: the flag is the override's.
    const diff = await providerDiff(
      binary,
      "docker:index/container:Container",
      { id: "0123456789ab", name: "pgs-test", image: "sha256:aaaa" },
      { name: "pgs-test", image: "sha256:bbbb" },
    );
    expect(diff.replacesList).toContain("image");
    expect(diff.deletebeforereplace).toBe(true);
  });

  test("the allowlist has no stale entries", () => {
    // Only meaningful once every package was compared.
    expect([...schemas.keys()].sort()).toEqual(Object.keys(USED).sort());
    expect(Object.keys(ALLOWED).filter((k) => !usedAllowances.has(k))).toEqual([]);
  });
});
