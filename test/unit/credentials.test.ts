/** Passwords, roles and major versions: what keeps the program's outputs true to the server. */
import { createHash, createHmac, pbkdf2Sync } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { majorChangeProblem } from "../../lib/majorVersion";
import { BOOTSTRAP_FILES, hbaConf, startScript, syncRolesSql } from "../../lib/postgresBootstrap";
import { scramSha256Verifier } from "../../lib/scram";
import { resolveTenant } from "../../lib/tenant";
import { setTenantMajor } from "../../lib/tenantsFileEdit";
import { parseTenantsFile } from "../../lib/tenantsFile";
import { Graph, plan, planError, recordingMocks, STACK, tenantsYaml, TYPES } from "./helpers/program";

const tenant = (entry: Record<string, unknown>) =>
  resolveTenant({ id: "acme", ...entry }, { apiVersion: "pgs/v1", tenants: [] }, "pgs.example.com");
const uploadsOf = (graph: Graph, id: string) => graph.container(id).inputs.uploads as { file: string; content: string }[];
const upload = (graph: Graph, id: string, file: string) => uploadsOf(graph, id).find((u) => u.file === file)?.content;

describe("SCRAM verifiers", () => {
  test("follow RFC 5802: the server key and stored key derive from the salted password", () => {
    const verifier = scramSha256Verifier("correct horse battery staple", "dev/acme");
    const match = /^SCRAM-SHA-256\$4096:([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(verifier);
    expect(match).not.toBeNull();
    const salt = Buffer.from(match![1], "base64");
    expect(salt).toHaveLength(16);
    const salted = pbkdf2Sync("correct horse battery staple", salt, 4096, 32, "sha256");
    const clientKey = createHmac("sha256", salted).update("Client Key").digest();
    expect(match![2]).toBe(createHash("sha256").update(clientKey).digest("base64"));
    expect(match![3]).toBe(createHmac("sha256", salted).update("Server Key").digest("base64"));
  });

  test("are deterministic per password and tenant, so an unchanged password never replaces a container", () => {
    expect(scramSha256Verifier("p".repeat(32), "dev/acme")).toBe(scramSha256Verifier("p".repeat(32), "dev/acme"));
    expect(scramSha256Verifier("p".repeat(32), "dev/acme")).not.toBe(scramSha256Verifier("q".repeat(32), "dev/acme"));
    expect(scramSha256Verifier("p".repeat(32), "dev/acme")).not.toBe(scramSha256Verifier("p".repeat(32), "dev/globex"));
  });
});

describe("roles", () => {
  test("the tenant's role owns its database and is not a superuser by default", () => {
    const sql = syncRolesSql({ tenantId: "acme", role: "acme", database: "acme", superuser: false, major: 18 });
    expect(sql).toContain("ALTER ROLE :\"role\" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'tenant_verifier';");
    expect(sql).toContain("ALTER DATABASE :\"database\" OWNER TO :\"role\";");
    expect(sql).toContain("SET log_statement = 'none';");
  });

  test("superuser: true makes the tenant's role a superuser", () => {
    expect(syncRolesSql({ tenantId: "acme", role: "acme", database: "acme", superuser: true, major: 18 }))
      .toContain("WITH LOGIN SUPERUSER CREATEDB CREATEROLE PASSWORD");
  });

  test("the bootstrap superuser cannot log in over the network; everyone else needs SCRAM", () => {
    const rules = hbaConf().split("\n").filter((l) => l.startsWith("host")).map((l) => l.split(/\s+/));
    expect(rules).toEqual([
      ["host", "all", "all", "127.0.0.1/32", "trust"],
      ["host", "all", "all", "::1/128", "trust"],
      ["host", "all", "postgres", "all", "reject"],
      ["host", "all", "all", "all", "scram-sha-256"],
    ]);
  });

  test("a tenant database named postgres is refused: that role is the server's own superuser", () => {
    expect(() => parseTenantsFile("apiVersion: pgs/v1\ntenants:\n  - id: acme\n    database: postgres\n", "t.yaml",
      { baseDomain: "pgs.example.com", certificateNames: ["*.pgs.example.com"] }))
      .toThrow('t.yaml:4:15: tenant "acme": database cannot be postgres: that name belongs to the server\'s own superuser and maintenance database');
  });
});

describe("passwords in the program", () => {
  test("passwordVersion keys the generated password; the superuser's password is separate and not rotated with it", async () => {
    const mocks = recordingMocks();
    const graph = new Graph(await plan({ tenants: tenantsYaml("  - id: acme\n    passwordVersion: 3\n  - id: globex"), mocks }));
    const passwords = graph.ofType(TYPES.password);
    expect(passwords.find((p) => p.name === "acme-password")?.inputs.keepers).toEqual({ passwordVersion: "3" });
    expect(passwords.find((p) => p.name === "acme-superuser-password")?.inputs.keepers).toBeUndefined();
    expect(passwords.find((p) => p.name === "globex-password")?.inputs).not.toHaveProperty("keepers");
    for (const p of passwords) expect(p.inputs).toMatchObject({ length: 32, special: false });
  });

  test("the superuser password is uploaded for initdb, its verifier for every start, and neither is exported", async () => {
    const mocks = recordingMocks();
    const graph = new Graph(await plan({ tenants: tenantsYaml("  - id: acme"), mocks }));
    const superuser = "Gen3rated-acme-superuser-password-Pw9x";
    expect(upload(graph, "acme", BOOTSTRAP_FILES.superuserPassword)).toBe(superuser);
    expect(upload(graph, "acme", BOOTSTRAP_FILES.superuserVerifier)).toBe(scramSha256Verifier(superuser, `${STACK}/acme`));
    expect(JSON.stringify(graph.result.outputs)).not.toContain(superuser);
  });

  test("a custom password shorter than 16 characters is refused with the command that fixes it", async () => {
    const err = await planError({ tenants: tenantsYaml("  - id: acme\n    passwordSecret: acmePassword"), secretConfig: { acmePassword: "short-pw" } });
    expect((err as Error).message).toMatch(/:4:21: tenant "acme": the password in "acmePassword" is shorter than 16 characters \(set a longer one: pulumi config set --secret acmePassword <password>\)/);
    expect((err as Error).message).not.toContain("short-pw");
  });
});

describe("major versions", () => {
  test("an unchanged or first-seen major is fine", () => {
    expect(majorChangeProblem(tenant({ postgres: { version: 18 } }), 18, "dev")).toBeUndefined();
    expect(majorChangeProblem(tenant({ postgres: { version: 18 } }), undefined, "dev")).toBeUndefined();
  });

  test("a new major over old data is refused with the tenant, both majors and the command to run", () => {
    expect(majorChangeProblem(tenant({ postgres: { version: 18 } }), 17, "prod")).toBe(
      'tenant "acme": postgres.version changed from 17 to 18, but its data directory is PostgreSQL 17 and a PostgreSQL 18 server ' +
      "cannot start on it. Nothing was changed for this tenant. Move the data first: npx pgs upgrade acme --to 18 --stack prod " +
      "(it keeps a copy of the old data and records postgres.upgradedFrom: 17); or set postgres.version back to 17.");
  });

  test("a downgrade is refused", () => {
    expect(majorChangeProblem(tenant({ postgres: { version: 17 } }), 18, "dev")).toMatch(/cannot downgrade a data directory/);
  });

  test("upgradedFrom, as written by pgs upgrade, allows exactly that change", () => {
    expect(majorChangeProblem(tenant({ postgres: { version: 18, upgradedFrom: 17 } }), 17, "dev")).toBeUndefined();
    expect(majorChangeProblem(tenant({ postgres: { version: 18, upgradedFrom: 16 } }), 17, "dev")).toMatch(/changed from 17 to 18/);
  });

  test("the program refuses to replace a tenant whose major changed since the last deployment", async () => {
    const last = { tenantEndpoints: { acme: { postgresVersion: 17 }, globex: { postgresVersion: 18 } } };
    const err = await planError({
      tenants: tenantsYaml("  - id: acme\n    postgres: { version: 18 }\n  - id: globex"),
      mocks: recordingMocks(last),
    });
    expect((err as Error).message).toContain('tenant "acme": postgres.version changed from 17 to 18');
    const ok = await plan({ tenants: tenantsYaml("  - id: acme\n    postgres: { version: 18, upgradedFrom: 17 }\n  - id: globex"), mocks: recordingMocks(last) });
    expect(new Graph(ok).container("acme").inputs.image).toBe("sha256:id-of-postgres:18");
  });

  test("the start hook refuses a data directory of another major, naming the upgrade command", () => {
    const script = startScript({ tenantId: "acme", role: "acme", database: "acme", superuser: false, major: 18 });
    expect(script).toContain("for version_file in /var/lib/postgresql/PG_VERSION /var/lib/postgresql/data/PG_VERSION /var/lib/postgresql/*/docker/PG_VERSION; do");
    expect(script).toContain('if [ "$found" != "18" ]; then');
    expect(script).toContain("npx pgs upgrade acme --to 18");
    expect(script.trimEnd().endsWith('exec docker-entrypoint.sh "$@"')).toBe(true);
  });

  test("pgs upgrade's edit of tenants.yaml keeps comments and only touches that tenant", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "pgs-edit-"));
    const file = path.join(dir, "tenants.yaml");
    writeFileSync(file, "# operators' notes\napiVersion: pgs/v1\ntenants:\n  - id: acme # the big one\n    postgres: { version: 17, settings: { work_mem: 8MB } }\n  - id: globex\n");
    setTenantMajor(file, "acme", 18, 17);
    expect(readFileSync(file, "utf8")).toBe(
      "# operators' notes\napiVersion: pgs/v1\ntenants:\n  - id: acme # the big one\n    postgres: { version: 18, settings: { work_mem: 8MB }, upgradedFrom: 17 }\n  - id: globex\n");
    setTenantMajor(file, "globex", 18, 17);
    expect(readFileSync(file, "utf8")).toContain("  - id: globex\n    postgres: { version: 18, upgradedFrom: 17 }\n");
  });
});
