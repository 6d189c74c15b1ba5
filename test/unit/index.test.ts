/**
 * The whole program (index.ts) under Pulumi's mock runtime: what tenants.yaml turns into,
 * and the properties that keep data and traffic safe across edits.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { envList } from "../../lib/docker/inputs";
import { scramSha256Verifier } from "../../lib/postgres/scram";
import { SERVER_FILES, SERVER_FILES_DIR, SERVER_SECRET_FILES, serverEnv, serverFiles, serverFilesDigest } from "../../lib/postgres/server";
import type { RunResult } from "../../app/offline/programRunner";
import { Naming } from "../../lib/naming";
import { tenantServiceLabels } from "../../lib/traefik/dockerRoutes";
import {
  Graph,
  imageIdOf,
  labelMap,
  plan,
  planError,
  PREFIX,
  ROOT,
  recordingMocks,
  STACK,
  tenantsYaml,
  TYPES,
  writeTenants,
} from "./helpers/program";

const CUSTOM_PASSWORD = "p@ss/w:rd #1 with spaces";
const upload = (graph: Graph, file: string) =>
  (graph.container("acme").inputs.uploads as { file: string; content: string }[]).find((u) => u.file === file)?.content;

/** One file exercising every option of a tenant entry. */
const ALL_OPTIONS = tenantsYaml(
  `
  - id: acme
    allowFrom: [203.0.113.0/24, "2001:db8::/32"]
    postgres: { version: 17, settings: { work_mem: 8MB, jit: false } }
    resources: { memory: 2Gi, cpus: 0.5, shm: 256Mi }
  - id: globex
    hostname: globex-db.pgs.example.com
    database: globex_prod
  - id: initech
    access: disabled
  - id: umbrella
    state: stopped
  - id: hooli
    onRemove: delete
  - id: vandelay
    passwordSecret: vandelayPassword
  - id: pied-piper`,
  `  postgres: { version: 18, settings: { max_connections: 50, work_mem: 4MB } }
  resources: { memory: 1Gi, cpus: 2 }`,
);
const ALL_IDS = ["acme", "globex", "initech", "umbrella", "hooli", "vandelay", "pied-piper"];
const RUNNING_IDS = ALL_IDS.filter((id) => id !== "umbrella");

let mocks: ReturnType<typeof recordingMocks>;
let all: Graph;
let allResult: RunResult;

beforeAll(async () => {
  mocks = recordingMocks();
  allResult = await plan({ tenants: ALL_OPTIONS, secretConfig: { vandelayPassword: CUSTOM_PASSWORD }, mocks });
  all = new Graph(allResult);
});

describe("one tenant", () => {
  test("gets a password, a data volume, a private network and a PostgreSQL container, behind one Traefik", async () => {
    const one = new Graph(await plan({ tenants: tenantsYaml("  - id: acme") }));
    expect(one.ofType(TYPES.tenant).map((r) => r.name)).toEqual(["acme"]);
    expect(
      one
        .childrenOf(one.tenant("acme"))
        .map((r) => r.type)
        .sort(),
    ).toEqual(
      [
        TYPES.container,
        TYPES.network,
        TYPES.password,
        TYPES.password,
        TYPES.volume,
        TYPES.volume,
        TYPES.file,
        TYPES.file,
        TYPES.limits,
        TYPES.storage,
      ].sort(),
    );
    expect(one.ofType(TYPES.ingress)).toHaveLength(1);
    const container = one.container("acme").inputs;
    expect(container.name).toBe(`${PREFIX}acme`);
    expect(one.volume("acme").inputs.name).toBe(`${PREFIX}acme-data`);
    expect(one.network("acme").inputs.name).toBe(`${PREFIX}acme-net`);
    expect(container.envs).toEqual(envList(serverEnv({ tenantId: "acme", role: "acme", database: "acme", superuser: false, major: 18 })));
    expect(one.file("acme", "route").inputs.content).toContain("HostSNI(`acme.pgs.example.com`)");
    expect(one.result.outputs.tenantEndpoints).toEqual({
      acme: {
        hostname: "acme.pgs.example.com",
        port: 5432,
        database: "acme",
        user: "acme",
        access: "enabled",
        state: "running",
        postgresVersion: 18,
        superuser: false,
      },
    });
  });
});

describe("many tenants", () => {
  test("each tenant is one component named by its id, with its own children", () => {
    expect(all.ofType(TYPES.tenant).map((r) => r.name)).toEqual(ALL_IDS);
    for (const id of ALL_IDS) {
      expect(all.volume(id).inputs.name).toBe(`${PREFIX}${id}-data`);
      expect(all.network(id).inputs.name).toBe(`${PREFIX}${id}-net`);
    }
    expect(
      all
        .ofType(TYPES.container)
        .map((r) => r.inputs.name)
        .sort(),
    ).toEqual([...RUNNING_IDS.map((id) => `${PREFIX}${id}`), `${PREFIX}traefik`, `${PREFIX}server_files`].sort());
  });

  test("every tenant appears in tenantEndpoints and connectionStrings", () => {
    expect(Object.keys(allResult.outputs.tenantEndpoints as object)).toEqual(ALL_IDS);
    expect(Object.keys(allResult.outputs.connectionStrings as object)).toEqual(ALL_IDS);
  });
});

describe("each option of a tenant entry", () => {
  test("hostname sets the SNI rule, the endpoint and the connection string host", () => {
    expect(all.file("globex", "route").inputs.content).toContain("HostSNI(`globex-db.pgs.example.com`)");
    expect((allResult.outputs.tenantEndpoints as Record<string, { hostname: string }>).globex.hostname).toBe("globex-db.pgs.example.com");
    expect((allResult.outputs.connectionStrings as Record<string, string>).globex).toMatch(
      /@globex-db\.pgs\.example\.com:5432\/globex_prod\?/,
    );
  });

  test("database names the database and the tenant's login role; the superuser stays postgres", () => {
    const c = all.container("globex").inputs;
    expect(c.envs).toEqual(
      expect.arrayContaining(["POSTGRES_USER=postgres", "POSTGRES_DB=globex_prod", "PGS_ROLE=globex_prod", "PGS_DATABASE=globex_prod"]),
    );
    // No Docker health check (it costs an exec every few seconds in every tenant): pgs up checks through the ingress.
    expect(c.healthcheck).toBeUndefined();
  });

  test("an id with hyphens gets a database with underscores", () => {
    expect(all.container("pied-piper").inputs.envs).toEqual(expect.arrayContaining(["POSTGRES_DB=pied_piper", "PGS_ROLE=pied_piper"]));
    expect((allResult.outputs.tenantEndpoints as Record<string, { user: string }>)["pied-piper"].user).toBe("pied_piper");
  });

  test("access: disabled keeps the server (and its labels) exactly as an enabled one; only its route file is empty", () => {
    expect(labelMap(all.container("initech").inputs.labels)).toEqual({
      "pgs.postgres-major": "18",
      "pgs.role": "postgres",
      "pgs.server-files": serverFilesDigest(),
      "pgs.stack": STACK,
      "pgs.tenant": "initech",
      ...tenantServiceLabels("initech", new Naming(STACK, PREFIX)),
    });
    expect(all.file("initech", "route").inputs.content).toBe("");
    expect(all.file("initech", "route").inputs.path).toBe("/etc/traefik/dynamic/pgs-unit-initech.yml");
  });

  test("allowFrom becomes an ipAllowList middleware on the tenant's router, in its route file, not on its server", () => {
    const route = all.file("acme", "route").inputs.content as string;
    expect(route).toContain("ipAllowList");
    expect(route).toContain("203.0.113.0/24");
    expect(route).toContain("2001:db8::/32");
    expect(JSON.stringify(all.container("acme").inputs)).not.toContain("203.0.113.0/24");
    expect(all.file("globex", "route").inputs.content).not.toContain("ipAllowList");
  });

  test("every route file is written into the stack's Traefik, again whenever that container is new", () => {
    for (const id of ALL_IDS) {
      const route = all.file(id, "route").inputs;
      expect(route.container).toBe(`${PREFIX}traefik`);
      expect(route.trigger).toBe(all.ingressContainer().inputs.name);
    }
  });

  test("state: stopped removes the container but keeps the volume and the network", () => {
    expect(all.tenantChildren("umbrella", TYPES.container)).toEqual([]);
    expect(all.tenantChildren("umbrella", TYPES.limits)).toEqual([]);
    expect(all.file("umbrella", "route").inputs.content).toBe("");
    expect(all.volume("umbrella").inputs.name).toBe(`${PREFIX}umbrella-data`);
    expect(all.network("umbrella").inputs.name).toBe(`${PREFIX}umbrella-net`);
    expect((allResult.outputs.tenantEndpoints as Record<string, { state: string }>).umbrella.state).toBe("stopped");
    // The password stays, so starting the tenant again does not change it.
    expect(all.tenantChildren("umbrella", TYPES.password)).toHaveLength(2);
  });

  test("postgres.version picks the image and the major label", () => {
    expect(all.container("acme").inputs.image).toBe(imageIdOf("postgres:17"));
    expect(labelMap(all.container("acme").inputs.labels)["pgs.postgres-major"]).toBe("17");
    expect(all.container("globex").inputs.image).toBe(imageIdOf("postgres:18"));
  });

  test("postgres.settings, merged key-wise over defaults: restart-only ones on the command line, reloadable ones in settings.conf", () => {
    const command = [
      "postgres",
      "-c",
      `hba_file=${SERVER_FILES.hba}`,
      "-c",
      "config_file=/tmp/pgs-postgresql.conf",
      "-c",
      "max_connections=50",
    ];
    expect(all.container("acme").inputs.command).toEqual(command);
    expect(all.container("globex").inputs.command).toEqual(command);
    const settings = (id: string) => (all.file(id, "settings").inputs.content as string).split("\n").filter((l) => l && !l.startsWith("#"));
    expect(settings("acme")).toEqual(["jit = 'false'", "work_mem = '8MB'"]);
    expect(settings("globex")).toEqual(["work_mem = '4MB'"]);
    expect(all.file("acme", "settings").inputs).toMatchObject({
      container: `${PREFIX}acme`,
      path: "/etc/pgs/settings.conf",
      exec: { user: "postgres", command: [SERVER_FILES.reload] },
    });
  });

  test("the server's process limit follows its max_connections", () => {
    const [limits] = all.tenantChildren("acme", TYPES.limits);
    expect(limits.inputs).toMatchObject({ container: `${PREFIX}acme`, pidsLimit: 50 + 8 + 3 + 64 });
  });

  test("resources become memory, swap and shmSize in MiB and cpus as the provider writes them, merged field-wise over defaults", () => {
    const acme = all.container("acme").inputs;
    expect({ memory: acme.memory, memorySwap: acme.memorySwap, shmSize: acme.shmSize, cpus: acme.cpus }).toEqual({
      memory: 2048,
      memorySwap: 2048,
      shmSize: 256,
      cpus: "0.5",
    });
    const globex = all.container("globex").inputs;
    expect({ memory: globex.memory, memorySwap: globex.memorySwap, shmSize: globex.shmSize, cpus: globex.cpus }).toEqual({
      memory: 1024,
      memorySwap: 1024,
      shmSize: 128,
      cpus: "2.0",
    });
  });

  test("a tenant's data volume is retained on removal unless onRemove: delete", () => {
    for (const id of ALL_IDS.filter((i) => i !== "hooli")) expect(all.volume(id).options.retainOnDelete).toBe(true);
    expect(all.volume("hooli").options.retainOnDelete).toBe(false);
  });

  test("only the data volume and its storage are retained: the rest of a removed tenant is deleted", () => {
    const acme = all.tenant("acme");
    expect(all.tenantChildren("acme", TYPES.storage).map((r) => [r.name, r.options.retainOnDelete])).toEqual([["acme-storage", true]]);
    expect(all.tenantChildren("hooli", TYPES.storage).map((r) => [r.name, r.options.retainOnDelete])).toEqual([["hooli-storage", false]]);
    for (const r of [acme, ...all.childrenOf(acme)].filter((r) => r.name !== "acme-data" && r.name !== "acme-storage")) {
      expect({ name: r.name, retainOnDelete: r.options.retainOnDelete, protect: r.options.protect }).toEqual({
        name: r.name,
        retainOnDelete: false,
        protect: false,
      });
    }
  });

  test("passwordSecret replaces the generated password: no RandomPassword, the secret is uploaded", () => {
    expect(all.tenantChildren("vandelay", TYPES.password).map((r) => r.name)).toEqual(["vandelay-superuser-password"]);
    expect(
      mocks.calls
        .filter((c) => c.type === TYPES.password)
        .map((c) => c.name)
        .sort(),
    ).toEqual(
      [
        ...ALL_IDS.filter((id) => id !== "vandelay").map((id) => `${id}-password`),
        ...ALL_IDS.map((id) => `${id}-superuser-password`),
      ].sort(),
    );
    const upload = (all.container("vandelay").inputs.uploads as { file: string; content: string }[]).find(
      (u) => u.file === SERVER_SECRET_FILES.tenantVerifier,
    );
    expect(upload?.content).toBe(scramSha256Verifier(CUSTOM_PASSWORD, `${STACK}/vandelay`));
    expect((allResult.outputs.connectionStrings as Record<string, string>).vandelay).toBe(
      `postgresql://vandelay:${encodeURIComponent(CUSTOM_PASSWORD)}@vandelay.pgs.example.com:5432/vandelay?sslmode=verify-full`,
    );
  });
});

describe("tenant containers", () => {
  test("publish no ports: clients only reach them through Traefik", () => {
    for (const id of RUNNING_IDS) expect(all.container(id).inputs).not.toHaveProperty("ports");
  });

  test("are deleted before they are replaced, so two postmasters never share a data directory", () => {
    for (const id of RUNNING_IDS) expect(all.container(id).options.deleteBeforeReplace).toBe(true);
  });

  test("join only their own network, in bridge mode, known there by a short alias", () => {
    for (const id of RUNNING_IDS) {
      const c = all.container(id).inputs;
      expect(c.networksAdvanced).toEqual([{ name: all.network(id).inputs.name, aliases: ["postgres"] }]);
      expect(c.networkMode).toBe("bridge");
      if (id !== "initech") expect(labelMap(c.labels)["traefik.docker.network"]).toBe(all.network(id).inputs.name);
    }
  });

  test("mount the data volume where each major keeps PGDATA (17 at /var/lib/postgresql/data, 18 at /var/lib/postgresql), the config volume at /etc/pgs and the stack's scripts read-only", () => {
    const scripts = { volumeName: `${PREFIX}server_files`, containerPath: "/run/pgs", readOnly: true };
    expect(all.container("acme").inputs.volumes).toEqual([
      { volumeName: `${PREFIX}acme-data`, containerPath: "/var/lib/postgresql/data" },
      { volumeName: `${PREFIX}acme-config`, containerPath: "/etc/pgs" },
      scripts,
    ]);
    expect(all.container("globex").inputs.volumes).toEqual([
      { volumeName: `${PREFIX}globex-data`, containerPath: "/var/lib/postgresql" },
      { volumeName: `${PREFIX}globex-config`, containerPath: "/etc/pgs" },
      scripts,
    ]);
  });

  test("upload only their own secrets: the scripts are the stack's, filled once into the volume they share", () => {
    const filler = all.ofType(TYPES.container).find((r) => r.name === "server-files-filler")!;
    for (const id of RUNNING_IDS) {
      const uploads = all.container(id).inputs.uploads as { file: string }[];
      expect(uploads.map((u) => u.file).sort()).toEqual(Object.values(SERVER_SECRET_FILES).sort());
      expect(all.container(id).options.dependsOn).toContain(filler.urn);
    }
    expect(filler.inputs).toMatchObject({ name: `${PREFIX}server_files`, start: false, mustRun: false, networkMode: "none" });
    expect(filler.inputs.volumes).toEqual([{ volumeName: `${PREFIX}server_files`, containerPath: SERVER_FILES_DIR }]);
    expect(filler.inputs.uploads).toEqual(serverFiles().map((f) => ({ file: f.path, content: f.content, executable: f.executable })));
    // Under the ingress: an ingress run (targets, drift refresh) includes it.
    expect(filler.urn).toBe(
      `urn:pulumi:${STACK}::pgs::pgs:docker:TraefikIngress$pgs:docker:ServerFiles$docker:index/container:Container::server-files-filler`,
    );
  });

  test("keep at most 30 MB of log each (json-file, 3 × 10 MB), Traefik too", () => {
    for (const c of [...RUNNING_IDS.map((id) => all.container(id)), all.ingressContainer()]) {
      expect({ driver: c.inputs.logDriver, opts: c.inputs.logOpts }).toEqual({
        driver: "json-file",
        opts: { "max-size": "10m", "max-file": "3" },
      });
    }
  });

  test("use the imageId of one RemoteImage per distinct image", () => {
    const images = all.postgresImages();
    expect(images.map((r) => r.inputs.name).sort()).toEqual(["postgres:17", "postgres:18"]);
    for (const id of RUNNING_IDS) {
      const image = all.container(id).inputs.image as string;
      expect(images.map((r) => imageIdOf(String(r.inputs.name)))).toContain(image);
    }
  });
});

describe("Docker names", () => {
  test("no tenant may be named traefik: the ingress container is <prefix>traefik", async () => {
    const err = await planError({ tenants: tenantsYaml("  - id: traefik\n  - id: acme") });
    expect((err as Error).message).toMatch(/:3:9: tenant "traefik": id is reserved: the ingress container is named <prefix>traefik/);
  });
});

describe("the data volume is never replaced by an edit of its tenant entry", () => {
  const BASE = tenantsYaml("  - id: acme\n  - id: other");
  const EVERYTHING_ELSE_CHANGED = tenantsYaml(`
  - id: acme
    hostname: elsewhere.pgs.example.com
    database: renamed_db
    access: disabled
    allowFrom: [10.0.0.0/8]
    state: stopped
    postgres: { version: 16, settings: { work_mem: 64MB } }
    resources: { memory: 4Gi, cpus: 3, shm: 1Gi }
    passwordSecret: acmePassword
  - id: other`);
  const ON_REMOVE_DELETE = tenantsYaml("  - id: acme\n    onRemove: delete\n  - id: other");

  let base: Graph;
  beforeAll(async () => {
    base = new Graph(await plan({ tenants: BASE }));
  });

  test("every other field of the entry changed: same URN, same inputs, same options", async () => {
    const changed = new Graph(await plan({ tenants: EVERYTHING_ELSE_CHANGED, secretConfig: { acmePassword: "a-custom-password-of-24" } }));
    const before = base.volume("acme");
    const after = changed.volume("acme");
    expect(after.urn).toBe(before.urn);
    expect(after.inputs).toEqual(before.inputs);
    expect(after.options).toEqual(before.options);
    // The edit did happen: the container is gone and the password is no longer generated.
    expect(changed.tenantChildren("acme", TYPES.container)).toEqual([]);
    expect(changed.tenantChildren("acme", TYPES.password).map((r) => r.name)).toEqual(["acme-superuser-password"]);
  });

  test("onRemove changes only the volume's retainOnDelete option", async () => {
    const changed = new Graph(await plan({ tenants: ON_REMOVE_DELETE }));
    const before = base.volume("acme");
    const after = changed.volume("acme");
    expect(after.urn).toBe(before.urn);
    expect(after.inputs).toEqual(before.inputs);
    expect(after.options).toEqual({ ...before.options, retainOnDelete: false });
    expect(before.options.retainOnDelete).toBe(true);
    expect(changed.container("acme").inputs).toEqual(base.container("acme").inputs);
  });

  test("adding or removing tenants never touches the ingress: Traefik is identical for 0, 1 and 5 tenants", async () => {
    const runs: RunResult[] = [];
    for (const tenants of [
      tenantsYaml(""),
      tenantsYaml("  - id: acme"),
      tenantsYaml(
        ["a1", "b2", "c3", "d4", "e5"].map((id) => `  - id: ${id}\n    state: ${id === "c3" ? "stopped" : "running"}`).join("\n"),
      ),
    ])
      runs.push(await plan({ tenants })); // one at a time: Pulumi's runtime is process-global
    const ingressOf = (r: RunResult) => {
      const g = new Graph(r);
      return [g.ingress(), ...g.subtree(g.ingress())].map((x) => ({ urn: x.urn, inputs: x.inputs, options: x.options }));
    };
    const [none, one, five] = runs.map(ingressOf);
    expect(none.length).toBeGreaterThan(2);
    expect(one).toEqual(none);
    expect(five).toEqual(none);
    expect(new Graph(runs[2]).ofType(TYPES.tenant)).toHaveLength(5);
  });
});

describe("Traefik", () => {
  test("runs with host networking and exposes only containers of its own stack", () => {
    const c = all.ingressContainer().inputs;
    expect(c.networkMode).toBe("host");
    expect(c.command).toContain("--providers.docker.exposedByDefault=false");
    expect(c.command).toContain("--providers.docker.constraints=Label(`pgs.stack`,`unit`)");
    expect(c.name).toBe(`${PREFIX}traefik`);
    expect(all.ingressContainer().options.deleteBeforeReplace).toBe(true);
  });

  test("gets its base configuration and, as a secret, its certificate and key as files in its watched directory, not as uploads", () => {
    expect(all.ingressContainer().inputs.uploads).toBeUndefined();
    const files = all.subtree(all.ingress()).filter((r) => r.type === TYPES.file);
    expect(files.map((f) => f.inputs.path).sort()).toEqual(["/etc/traefik/dynamic/_pgs-tls.yml", "/etc/traefik/dynamic/_pgs.yml"]);
    const certificate = files.find((f) => f.inputs.path === "/etc/traefik/dynamic/_pgs-tls.yml")!;
    expect(certificate.displayInputs.content).toBe("[secret]");
    expect(certificate.inputs.content).toContain("-----BEGIN CERTIFICATE----- ingress-tls-cert");
    expect(certificate.inputs.mode).toBe("0600");
    expect(JSON.stringify(allResult.resources.map((r) => r.displayInputs))).not.toContain("BEGIN PRIVATE KEY");
    expect(all.ingressContainer().inputs.volumes).toContainEqual({
      volumeName: `${PREFIX}traefik-dynamic`,
      containerPath: "/etc/traefik/dynamic",
    });
  });

  test("publishes the CA clients trust and the endpoint, neither of them secret", () => {
    expect(allResult.displayOutputs.caCertificate).toBe("-----BEGIN CERTIFICATE----- ingress-tls-ca");
    expect(allResult.displayOutputs.ingressEndpoint).toEqual({ address: "0.0.0.0", port: 5432 });
    expect(allResult.secretOutputs).toEqual(["connectionStrings"]);
  });
});

describe("images", () => {
  test("postgresImage is a template on {major}, postgresImages overrides single majors, stopped tenants pull nothing", async () => {
    const g = new Graph(
      await plan({
        tenants: tenantsYaml(`
  - id: a
    postgres: { version: 16 }
  - id: b
    postgres: { version: 17 }
  - id: c
  - id: d
  - id: e
    state: stopped
    postgres: { version: 15 }`),
        config: { postgresImage: "registry.local/pg:{major}", postgresImages: '{"17":"x/pg:17.6"}' },
      }),
    );
    expect(
      g
        .postgresImages()
        .map((r) => r.inputs.name)
        .sort(),
    ).toEqual(["registry.local/pg:16", "registry.local/pg:18", "x/pg:17.6"]);
    expect(g.container("a").inputs.image).toBe(imageIdOf("registry.local/pg:16"));
    expect(g.container("b").inputs.image).toBe(imageIdOf("x/pg:17.6"));
    expect(g.container("c").inputs.image).toBe(imageIdOf("registry.local/pg:18"));
    expect(g.container("d").inputs.image).toBe(imageIdOf("registry.local/pg:18"));
  });
});

describe("library settings", () => {
  const tenants = tenantsYaml(`
  - id: acme
    postgres: { version: 17, settings: { shared_preload_libraries: "pg_stat_statements, timescaledb" } }`);

  test("a library the image does not ship stops the program before anything is registered", async () => {
    const mocks = recordingMocks();
    const err = await planError({ tenants, mocks });
    expect((err as Error).message).toContain('shared_preload_libraries: "timescaledb" is not a library of the PostgreSQL 17 image');
    expect(mocks.calls).toEqual([]);
  });

  test("with postgresImages naming the major's image, only the names are checked", async () => {
    const g = new Graph(await plan({ tenants, config: { postgresImages: '{"17":"registry.local/pg-timescale:17"}' } }));
    expect(g.container("acme").inputs.command).toContain("shared_preload_libraries=pg_stat_statements, timescaledb");
  });
});

describe("secrets", () => {
  test("connection strings are a secret output, with each tenant's password in them", () => {
    expect(allResult.displayOutputs.connectionStrings).toBe("[secret]");
    expect(allResult.secretOutputs).toContain("connectionStrings");
    const strings = allResult.outputs.connectionStrings as Record<string, string>;
    expect(strings.acme).toBe("postgresql://acme:Gen3rated-acme-password-Pw9x@acme.pgs.example.com:5432/acme?sslmode=verify-full");
  });

  test("no password appears in any resource's display inputs or in any non-secret output", () => {
    const passwords = [...mocks.passwords, CUSTOM_PASSWORD, encodeURIComponent(CUSTOM_PASSWORD)];
    // Every tenant's superuser password, and the tenant password of all but vandelay (whose password is its secret).
    expect(mocks.passwords).toHaveLength(2 * ALL_IDS.length - 1);
    const visible = JSON.stringify([
      allResult.resources.map((r) => r.displayInputs),
      Object.entries(allResult.outputs).filter(([k]) => !allResult.secretOutputs.includes(k)),
      allResult.displayOutputs,
    ]);
    for (const password of passwords) expect(visible).not.toContain(password);
  });

  test("the password and verifier uploads are secret in every tenant container", () => {
    for (const id of RUNNING_IDS) {
      const uploads = all.container(id).displayInputs.uploads as { file: string; content: string }[];
      for (const file of Object.values(SERVER_SECRET_FILES)) {
        expect(uploads.find((u) => u.file === file)?.content).toBe("[secret]");
      }
    }
  });

  test("the tenant's own password never enters the container: only its SCRAM verifier does", () => {
    const uploads = JSON.stringify(all.container("vandelay").inputs.uploads);
    expect(uploads).not.toContain(CUSTOM_PASSWORD);
    expect(uploads).toContain(scramSha256Verifier(CUSTOM_PASSWORD, `${STACK}/vandelay`));
  });
});

describe("determinism", () => {
  test("two runs register the same resources: names, types, parents and display inputs", async () => {
    const again = await plan({ tenants: ALL_OPTIONS, secretConfig: { vandelayPassword: CUSTOM_PASSWORD } });
    const shape = (r: RunResult) =>
      r.resources.map((x) => ({
        urn: x.urn,
        type: x.type,
        name: x.name,
        parent: x.parent,
        displayInputs: x.displayInputs,
        options: x.options,
      }));
    expect(shape(again)).toEqual(shape(allResult));
    expect(again.displayOutputs).toEqual(allResult.displayOutputs);
  });
});

describe("operator mistakes stop the program before anything is registered", () => {
  test("an invalid tenants.yaml is a RunError carrying its FILE:LINE:COL lines, no stack trace", async () => {
    const recording = recordingMocks();
    const file = writeTenants(tenantsYaml("  - id: acme\n    acess: disabled\n  - id: Globex"));
    const err = await planError({ tenants: "unused", config: { tenantsFile: file }, mocks: recording });
    expect(pulumi.RunError.isInstance(err)).toBe(true);
    expect((err as Error).message.split("\n")).toEqual([
      "invalid input, nothing was changed:",
      `${file}:4:5: unknown key "acess" in tenant "acme" (did you mean "access"?)`,
      `${file}:5:9: tenant "Globex": id must be a DNS label: a-z, 0-9 and -, 1 to 63 characters, no leading or trailing hyphen, got the string "Globex"`,
    ]);
    expect((err as Error).message).not.toMatch(/\n\s+at /);
    expect(recording.calls).toEqual([]);
  });

  test("a misspelt stack setting is refused with the stack file, the key and a guess", async () => {
    const recording = recordingMocks();
    const err = await planError({ tenants: tenantsYaml("  - id: acme"), config: { publishPrt: "6432" }, mocks: recording });
    expect(pulumi.RunError.isInstance(err)).toBe(true);
    expect((err as Error).message.split("\n")).toEqual([
      "invalid input, nothing was changed:",
      `${path.join(ROOT, `Pulumi.${STACK}.yaml`)}: unknown stack setting "pgs:publishPrt" (did you mean "pgs:publishPort"?)`,
    ]);
    expect(recording.calls).toEqual([]);
  });

  test("a misspelt setting in Pulumi.<stack>.yaml is refused at its line; the engine's other namespaces are not pgs's", async () => {
    const projectDir = mkdtempSync(path.join(tmpdir(), "pgs-project-"));
    try {
      copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(projectDir, "Pulumi.yaml"));
      writeFileSync(
        path.join(projectDir, `Pulumi.${STACK}.yaml`),
        "config:\n  docker:host: unix:///run/docker.sock\n  pgs:dialTimeot: 10s\n",
      );
      const err = await planError({ tenants: tenantsYaml("  - id: acme"), projectDir });
      expect((err as Error).message.split("\n").slice(1)).toEqual([
        `${path.join(projectDir, `Pulumi.${STACK}.yaml`)}:3:3: unknown stack setting "pgs:dialTimeot" (did you mean "pgs:dialTimeout"?)`,
      ]);
    } finally {
      rmSync(projectDir, { recursive: true, force: true });
    }
  });

  test("a passwordSecret missing from the stack config names the tenant and how to set it", async () => {
    const recording = recordingMocks();
    const err = await planError({ tenants: tenantsYaml("  - id: acme\n    passwordSecret: acmePassword"), mocks: recording });
    expect(pulumi.RunError.isInstance(err)).toBe(true);
    expect((err as Error).message).toMatch(/tenant "acme": passwordSecret "acmePassword" is not set/);
    expect((err as Error).message).toContain(`pulumi config set --secret acmePassword <password> --stack ${STACK}`);
    expect(recording.calls).toEqual([]);
  });

  test("invalid stack config is reported key by key", async () => {
    const recording = recordingMocks();
    const err = await planError({
      tenants: tenantsYaml("  - id: acme"),
      config: { publishPort: "70000", namePrefix: "Bad_Prefix" },
      mocks: recording,
    });
    expect(pulumi.RunError.isInstance(err)).toBe(true);
    expect((err as Error).message.split("\n")).toEqual([
      "invalid input, nothing was changed:",
      'pgs:namePrefix must be lower-case letters, digits and -, ending in - (e.g. pgs-prod-), got "Bad_Prefix"',
      'pgs:publishPort must be a whole number from 1 to 65535, got "70000"',
    ]);
    expect(recording.calls).toEqual([]);
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
    expect(upload(graph, SERVER_SECRET_FILES.superuserPassword)).toBe(superuser);
    expect(upload(graph, SERVER_SECRET_FILES.superuserVerifier)).toBe(scramSha256Verifier(superuser, `${STACK}/acme`));
    expect(JSON.stringify(graph.result.outputs)).not.toContain(superuser);
  });

  test("a custom password shorter than 16 characters is refused with the command that fixes it", async () => {
    const err = await planError({
      tenants: tenantsYaml("  - id: acme\n    passwordSecret: acmePassword"),
      secretConfig: { acmePassword: "short-pw" },
    });
    expect((err as Error).message).toMatch(
      /:4:21: tenant "acme": the password in "acmePassword" is shorter than 16 characters \(set a longer one: pulumi config set --secret acmePassword <password>\)/,
    );
    expect((err as Error).message).not.toContain("short-pw");
  });
});

describe("major versions", () => {
  test("the program refuses to replace a tenant whose major changed since the last deployment", async () => {
    const last = { tenantEndpoints: { acme: { postgresVersion: 17 }, globex: { postgresVersion: 18 } } };
    const err = await planError({
      tenants: tenantsYaml("  - id: acme\n    postgres: { version: 18 }\n  - id: globex"),
      mocks: recordingMocks(last),
    });
    expect((err as Error).message).toContain('tenant "acme": postgres.version changed from 17 to 18');
    const ok = await plan({
      tenants: tenantsYaml("  - id: acme\n    postgres: { version: 18, upgradedFrom: 17 }\n  - id: globex"),
      mocks: recordingMocks(last),
    });
    expect(new Graph(ok).container("acme").inputs.image).toBe("sha256:id-of-postgres:18");
  });
});

describe("resources.storage", () => {
  const MIB = 1024 * 1024;
  let limited: Graph;
  beforeAll(async () => {
    limited = new Graph(
      await plan({
        tenants: tenantsYaml(`
  - id: acme
    resources: { storage: 1Gi }
    backup: { every: 24h, keep: 3 }
  - id: globex`),
      }),
    );
  });

  test("a tenant with a limit gets its filesystem, and its data and backup volumes are bind volumes in it", () => {
    const [storage] = limited.tenantChildren("acme", TYPES.storage);
    const mount = `/var/lib/pgs/storage/${PREFIX}acme`;
    expect(storage.inputs).toMatchObject({
      tenant: "acme",
      bytes: 1024 * MIB,
      layout: { image: `${mount}.ext4`, mount, data: `${mount}/data`, backups: `${mount}/backups` },
      dataVolume: `${PREFIX}acme-data`,
      volumes: [`${PREFIX}acme-data`, `${PREFIX}acme-backups`],
    });
    expect(limited.volume("acme").inputs).toMatchObject({
      driver: "local",
      driverOpts: { type: "none", o: "bind", device: `${mount}/data` },
    });
    expect(limited.volume("acme").options.dependsOn).toContain(storage.urn);
    const backups = limited.result.resources.find((r) => r.type === TYPES.volume && r.name === "acme-backups")!;
    expect(backups.inputs.driverOpts).toEqual({ type: "none", o: "bind", device: `${mount}/backups` });
    // A sixteenth of 1 GiB kept back for a start on a full disk.
    expect(limited.container("acme").inputs.envs).toContain("PGS_STORAGE_RESERVE_MB=64");
  });

  test("a tenant without one: plain local volumes, and a storage of 0 bytes that refuses a limit added later", () => {
    const [storage] = limited.tenantChildren("globex", TYPES.storage);
    expect(storage.inputs.bytes).toBe(0);
    expect(limited.volume("globex").inputs.driverOpts).toBeUndefined();
    expect(limited.container("globex").inputs.envs).toContain("PGS_STORAGE_RESERVE_MB=");
  });
});
