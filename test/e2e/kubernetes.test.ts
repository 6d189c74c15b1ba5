/**
 * End to end on Kubernetes (issue 12): `pulumi up` on the real engine (Automation API, the program
 * inline) with `backend: kubernetes`, against the project's local Kubernetes 1.34
 * (scripts/kubernetes.sh, started here when it is not running), exercised with psql 18 and
 * node-postgres from this machine through Traefik's NodePort on the node address. One stack; the
 * scenarios run in order and each leaves the stack as the next expects.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { nodeQuery, type Outcome, psql, run } from "./harness/clients";
import { eventually, note, notes, sleep } from "./harness/facts";
import { cleanupKubernetes, ensureCluster, getJson, KUBECONFIG, KUBECTL, kubectl, kubectlOk, NODE_ADDRESS } from "./harness/kubernetes";
import { freePort, PROJECT_DIR, type TenantEntry, tenantsYaml, TestStack } from "./harness/stack";

const STACK = "e2e-k8s";
const NODE_PORT = 30543;
/** libpq's words when the server closes the socket instead of a TLS handshake (OpenSSL 1.1 / 3). */
const PSQL_EOF = /SSL SYSCALL error: EOF detected|SSL error: unexpected eof while reading/;
/** A refusal must arrive at once, not after a client timeout. */
const PROMPT_MS = 3000;
/** Daily, 12 hours from now: no scheduled run races the tests that count backups. */
const QUIET = { every: "24h", at: new Date(Date.now() + 12 * 3600_000).toISOString().slice(11, 16), keep: 3 };

const ALPHA: TenantEntry = { id: "alpha" }; // PostgreSQL 18 (the default)
// resources.storage: each of bravo's claims requests 2Gi, alpha's the stack's volumeSize (1Gi).
const BRAVO: TenantEntry = { id: "bravo", postgres: { version: 17 }, backup: QUIET, resources: { storage: "2Gi" } };

let stack: TestStack;
let traefikUid: string;

const ns = (id: string) => stack.naming.tenantNamespace(id);

async function applied(
  label: string,
  tenants: TenantEntry[],
): Promise<{ created: string[]; updated: string[]; deleted: string[]; retained: string[]; replaced: string[] }> {
  const { steps, ms } = await stack.up(tenantsYaml(tenants));
  const of = (op: string) =>
    steps.steps
      .filter((s) => s.op === op && s.type.startsWith("kubernetes:"))
      .map((s) => s.name)
      .sort();
  const changes = {
    created: of("create"),
    updated: of("update"),
    replaced: of("replace"),
    deleted: [...of("delete"), ...of("discard")].sort(),
    retained: steps.steps
      .filter((s) => s.retained)
      .map((s) => s.name)
      .sort(),
  };
  note(
    `up "${label}": ${ms} ms; created [${changes.created}] updated [${changes.updated}] replaced [${changes.replaced}] deleted [${changes.deleted}] retained [${changes.retained}]`,
  );
  return changes;
}

/** Routes follow the cluster's objects, so they converge shortly after an up returns; returns how long that took. */
async function routable(id: string, timeoutMs = 60_000): Promise<number> {
  return (
    await eventually(
      `${id} answers through Traefik`,
      timeoutMs,
      async () => ((await psql(stack.endpoint(id), "select 1")).ok ? true : undefined),
      500,
    )
  ).ms;
}

async function refused(id: string, timeoutMs = 30_000): Promise<Outcome> {
  return (
    await eventually(
      `${id} is refused`,
      timeoutMs,
      async () => {
        const r = await psql(stack.endpoint(id), "select 1", { timeoutMs: 15_000 });
        return r.ok ? undefined : r;
      },
      500,
    )
  ).value;
}

const marker = (id: string) => psql(stack.endpoint(id), "select string_agg(v, ',') from marker");

function expectRefusedPromptly(r: Outcome, text: RegExp): void {
  expect({ ok: r.ok, out: r.out }).toEqual({ ok: false, out: expect.stringMatching(text) });
  expect(r.ms).toBeLessThan(PROMPT_MS);
}

async function podUid(namespace: string, selector: string): Promise<string[]> {
  const pods = await getJson<{ items: { metadata: { uid: string; deletionTimestamp?: string } }[] }>([
    "-n",
    namespace,
    "get",
    "pods",
    "-l",
    selector,
  ]);
  return pods.items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.uid);
}
const serverUid = async (id: string) => (await podUid(ns(id), "pgs.role=postgres"))[0];

/** A shell script in the tenant's server container; its stdin, if any, from `input`. */
function inServer(id: string, script: string, input?: string) {
  return kubectl(
    ["-n", ns(id), "exec", ...(input !== undefined ? ["-i"] : []), "postgres-0", "-c", "postgres", "--", "sh", "-c", script],
    input !== undefined ? { input } : {},
  );
}

/** The `pgs` command, as operators run it, in the stack's project folder (kubectl: the cluster's, via KUBECTL). */
async function pgs(args: string[]): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const r = await stack.pgs(args);
  return { ...r, ms: Date.now() - started };
}

beforeAll(async () => {
  process.env.KUBECTL = KUBECTL;
  const engine = await run("bash", [path.join(PROJECT_DIR, "scripts/engine.sh"), "--with", "kubernetes"], {}, 1_800_000);
  if (engine.code !== 0)
    throw new Error(
      `e2e: scripts/engine.sh --with kubernetes failed: ${(engine.stdout + engine.stderr).trim().split("\n").slice(-5).join("\n")}`,
    );
  await ensureCluster();
  // pgs backup/backups/restore below run the bundled CLI: bundle the current sources.
  const build = await run("npm", ["--prefix", PROJECT_DIR, "run", "build"], {}, 300_000);
  if (build.code !== 0) throw new Error(`e2e: npm run build failed: ${build.stdout}${build.stderr}`);
  stack = await TestStack.create({
    stack: STACK,
    port: 5432,
    adminPort: await freePort(),
    cleanup: cleanupKubernetes,
    config: {
      backend: "kubernetes",
      kubeconfig: KUBECONFIG,
      publishAddress: NODE_ADDRESS,
      ingressNodePort: String(NODE_PORT),
      volumeSize: "1Gi",
    },
  });
}, 1_800_000);

afterAll(async () => {
  process.stdout.write(`\ne2e kubernetes measurements:\n${notes.map((n) => `  ${n}`).join("\n")}\n`);
  await stack?.dispose();
}, 300_000);

test("two tenants, each reached through Traefik by SNI with verify-full from outside the cluster (psql 18 and node-postgres)", async () => {
  const changes = await applied("alpha, bravo(17)", [ALPHA, BRAVO]);
  expect(changes.created).toEqual(
    expect.arrayContaining([
      "alpha-namespace",
      "alpha-data",
      "alpha-postgres",
      "alpha-service",
      "alpha-network-policy",
      "alpha-route",
      "bravo-postgres",
      "bravo-backups",
      "bravo-backup",
      "ingress-traefik",
      "ingress-service",
      "ingress-tls-option",
    ]),
  );
  expect(stack.outputs.ingressEndpoint).toEqual({ address: NODE_ADDRESS, port: NODE_PORT });
  for (const [id, major] of [
    ["alpha", 18],
    ["bravo", 17],
  ] as const) {
    note(`${id}: routable ${await routable(id)} ms after the up returned`);
    const e = stack.endpoint(id);
    expect({ address: e.address, port: e.port }).toEqual({ address: NODE_ADDRESS, port: NODE_PORT });
    const sql = "select current_database(), current_user, current_setting('server_version_num')::int / 10000";
    expect(await psql(e, sql)).toMatchObject({ ok: true, out: `${id}|${id}|${major}` });
    expect(await nodeQuery(e, sql)).toMatchObject({ ok: true, out: `${id}|${id}|${major}` });
    expect(await psql(e, `create table marker (v text); insert into marker values ('${id}-row')`)).toMatchObject({ ok: true });
  }
  // A's row is not in B: B has no such table at all... until B made its own.
  expect(await marker("alpha")).toMatchObject({ ok: true, out: "alpha-row" });
  expect(await marker("bravo")).toMatchObject({ ok: true, out: "bravo-row" });
  [traefikUid] = await podUid(stack.naming.ingressNamespace(), "pgs.role=ingress");
  expect(traefikUid).toBeDefined();
}, 600_000);

test("refusals: a wrong password, another tenant's password, an unknown hostname, no SNI and plaintext, each at once", async () => {
  const alpha = stack.endpoint("alpha");
  const bravo = stack.endpoint("bravo");
  expectRefusedPromptly(
    await psql(alpha, "select 1", { password: "wrong-password-0123456789" }),
    /password authentication failed for user "alpha"$/,
  );
  expectRefusedPromptly(await psql(bravo, "select 1", { password: alpha.password }), /password authentication failed for user "bravo"$/);
  expectRefusedPromptly(
    await nodeQuery(bravo, "select 1", { password: alpha.password }),
    /^password authentication failed for user "bravo"$/,
  );
  expectRefusedPromptly(await psql({ ...alpha, hostname: "nobody.pgs.example.com" }, "select 1"), PSQL_EOF);
  expectRefusedPromptly(await psql(alpha, "select 1", { params: { sslsni: "0" } }), PSQL_EOF);
  expectRefusedPromptly(await psql(alpha, "select 1", { params: { sslmode: "disable" } }), /server closed the connection unexpectedly/);
}, 120_000);

test("nothing changed: a second up changes nothing, and a preview expects no changes", async () => {
  const again = await stack.up(tenantsYaml([ALPHA, BRAVO]));
  expect(
    again.steps.steps.filter((s) => s.op !== "same" && s.op !== "refresh" && s.op !== "read").map((s) => `${s.op} ${s.name} [${s.diffs}]`),
  ).toEqual([]);
  note(`up with nothing changed: ${again.ms} ms`);
  const preview = await stack.preview(undefined, {}, { expectNoChanges: true });
  note(`preview with nothing changed: ${preview.ms} ms`);
}, 300_000);

test("the start hook's detached role sync is adopted by the pod's pause process: no zombie, nothing left but postgres and the sync's settings watcher", async () => {
  const ps = await inServer(
    "alpha",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell script: ${p#/proc/} is its own
    'for p in /proc/[0-9]*; do echo "${p#/proc/} $(cut -d" " -f3,4 "$p/stat") $(tr "\\0" " " <"$p/cmdline" | cut -c1-60)"; done',
  );
  expect(ps.code).toBe(0);
  const processes = ps.stdout
    .trim()
    .split("\n")
    .map((l) => l.split(" "))
    .map(([pid, state, ppid, ...cmd]) => ({ pid, state, ppid, cmd: cmd.join(" ").trim() }));
  expect(processes.find((p) => p.pid === "1")?.cmd).toBe("/pause");
  expect(processes.filter((p) => p.state === "Z")).toEqual([]);
  expect(processes.filter((p) => /start\.sh/.test(p.cmd))).toEqual([]);
  // The sync stays as the watcher that reloads the server when the settings ConfigMap changes
  // (the kubelet updates the mounted file; nothing signals the server): adopted by pause.
  const syncs = processes.filter((p) => /sync-roles/.test(p.cmd) && !/sleep/.test(p.cmd));
  expect(syncs.map((p) => p.ppid)).toEqual(["1"]);
  expect(await kubectlOk(["-n", ns("alpha"), "logs", "postgres-0", "-c", "postgres"])).toContain(
    "pgs: tenant role and password are in sync",
  );
}, 120_000);

test("tenant A cannot reach tenant B's server from inside A's pod: the NetworkPolicy admits only Traefik and B's backup jobs, and the cluster enforces it", async () => {
  const policy = await getJson<{ spec: { ingress: { from: unknown[] }[]; egress?: unknown[]; policyTypes: string[] } }>([
    "-n",
    ns("bravo"),
    "get",
    "networkpolicy",
    "postgres",
  ]);
  expect(policy.spec.policyTypes).toEqual(["Ingress", "Egress"]);
  expect(policy.spec.ingress[0].from).toEqual([
    {
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": stack.naming.ingressNamespace() } },
      podSelector: { matchLabels: { "pgs.stack": STACK, "pgs.role": "ingress" } },
    },
    { podSelector: { matchLabels: { "pgs.stack": STACK, "pgs.tenant": "bravo", "pgs.role": "backup" } } },
  ]);
  const serviceIp = (await kubectlOk(["-n", ns("bravo"), "get", "service", "postgres", "-o", "jsonpath={.spec.clusterIP}"])).trim();
  const podIp = (await kubectlOk(["-n", ns("bravo"), "get", "pod", "postgres-0", "-o", "jsonpath={.status.podIP}"])).trim();
  expect([serviceIp, podIp]).toEqual([expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/), expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/)]);
  const image = (
    await kubectlOk(["-n", ns("bravo"), "get", "statefulset", "postgres", "-o", "jsonpath={.spec.template.spec.containers[0].image}"])
  ).trim();
  // Two probe pods with bravo's image: one labelled as bravo's backup jobs (the policy admits it),
  // and one in alpha's namespace with no label of ours (no policy restricts its own egress, so only
  // bravo's ingress rule stands in its way).
  const probes = [
    { namespace: ns("bravo"), name: "e2e-probe-admitted", labels: stack.naming.tenantLabels("bravo", "backup") },
    { namespace: ns("alpha"), name: "e2e-probe-outsider", labels: { "pgs-e2e": "probe" } },
  ];
  const inProbe = (p: (typeof probes)[number], script: string, input?: string) =>
    kubectl(
      ["-n", p.namespace, "exec", ...(input !== undefined ? ["-i"] : []), p.name, "--", "sh", "-c", script],
      input !== undefined ? { input } : {},
    );
  const [admitted, outsider] = probes;
  try {
    for (const p of probes) {
      const pod = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: p.name, namespace: p.namespace, labels: p.labels },
        spec: {
          terminationGracePeriodSeconds: 0,
          restartPolicy: "Never",
          containers: [
            {
              name: "probe",
              image,
              imagePullPolicy: "Never",
              command: ["sleep", "600"],
              securityContext: { allowPrivilegeEscalation: false },
            },
          ],
        },
      };
      await kubectlOk(["apply", "-f", "-"], { input: JSON.stringify(pod) });
    }
    for (const p of probes)
      await kubectlOk(["-n", p.namespace, "wait", "--for=condition=Ready", `pod/${p.name}`, "--timeout=120s"], { timeoutMs: 130_000 });

    for (const [what, ip] of [
      ["Service", serviceIp],
      ["pod", podIp],
    ] as const) {
      // Positive control: the path works where the policy admits it (once the firewall has seen the new pod).
      const open = await eventually(
        `the admitted probe reaches bravo's ${what} address`,
        60_000,
        async () => {
          const r = await inProbe(admitted, `pg_isready -h ${ip} -p 5432 -t 5`);
          return r.code === 0 ? r : undefined;
        },
        1000,
      );
      expect(open.value.stdout.trim()).toBe(`${ip}:5432 - accepting connections`);
      // Enforcement: from alpha's server and from the outsider, no answer at all.
      for (const [who, attempt] of [
        ["alpha's server", () => inServer("alpha", `pg_isready -h ${ip} -p 5432 -t 5`)],
        ["a pod in alpha's namespace", () => inProbe(outsider, `pg_isready -h ${ip} -p 5432 -t 5`)],
      ] as const) {
        const r = await attempt();
        expect({ who, code: r.code, out: r.stdout.trim() }).toEqual({ who, code: 2, out: `${ip}:5432 - no response` });
      }
      note(
        `NetworkPolicy enforced: bravo's ${what} address ${ip} answers bravo's backup-labelled pod (after ${open.ms} ms) and not alpha's server or another pod of alpha's namespace`,
      );
    }

    // Behind the policy, authentication: even where a connection is admitted, another tenant's
    // password, one's own role and the superuser are refused.
    const alpha = stack.endpoint("alpha");
    const login = (user: string, password?: string) =>
      password !== undefined
        ? `read -r PGPASSWORD; export PGPASSWORD; PGCONNECT_TIMEOUT=10 psql -X -h ${serviceIp} -U ${user} -d bravo -c 'select 1'`
        : `PGCONNECT_TIMEOUT=10 psql -X -w -h ${serviceIp} -U ${user} -d bravo -c 'select 1'`;
    const asAlpha = await inProbe(admitted, login("bravo", alpha.password), `${alpha.password}\n`);
    const asOwnUser = await inProbe(admitted, login("alpha", alpha.password), `${alpha.password}\n`);
    const asSuperuser = await inProbe(admitted, login("postgres"));
    for (const attempt of [asAlpha, asOwnUser, asSuperuser]) expect(attempt.code).not.toBe(0);
    expect(asAlpha.stderr).toMatch(/password authentication failed for user "bravo"/);
    expect(asOwnUser.stderr).toMatch(/password authentication failed for user "alpha"/);
    expect(asSuperuser.stderr).toMatch(/pg_hba\.conf rejects connection for host "[0-9.]+", user "postgres"/);
    // From alpha's server the same attempt does not get as far as authentication.
    const fromAlpha = await inServer("alpha", login("bravo", alpha.password), `${alpha.password}\n`);
    expect({ code: fromAlpha.code, err: fromAlpha.stderr }).toEqual({
      code: 2,
      err: expect.stringMatching(/Connection refused|timeout expired/),
    });
  } finally {
    for (const p of probes)
      await kubectl(["-n", p.namespace, "delete", "pod", p.name, "--ignore-not-found", "--grace-period=0", "--force", "--wait=false"]);
  }
}, 300_000);

test("the major-version guard refuses a changed major before anything changes", async () => {
  const before = [await serverUid("alpha"), await serverUid("bravo")];
  writeFileSync(stack.tenantsFile, tenantsYaml([ALPHA, { ...BRAVO, postgres: { version: 18 } }]));
  try {
    // `pgs up` in its own process: the program reads the stack's own last outputs and refuses.
    const r = await pgs(["up", "--yes"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`tenant "bravo": postgres.version changed from 17 to 18, but its data directory is PostgreSQL 17`);
    expect(r.stderr).toContain(`npx pgs upgrade bravo --to 18 --stack ${STACK}`);
  } finally {
    writeFileSync(stack.tenantsFile, tenantsYaml([ALPHA, BRAVO]));
  }
  expect([await serverUid("alpha"), await serverUid("bravo")]).toEqual(before);
  expect(await marker("bravo")).toMatchObject({ ok: true, out: "bravo-row" });
}, 300_000);

test("access: disabled refuses new connections at once, the server keeps running; enabled routes again", async () => {
  const uid = await serverUid("alpha");
  const changes = await applied("alpha access disabled", [{ ...ALPHA, access: "disabled" }, BRAVO]);
  expect(changes.deleted).toEqual(["alpha-route"]);
  const r = await refused("alpha");
  expect(r.out).toMatch(PSQL_EOF);
  expect(await serverUid("alpha")).toBe(uid);
  await applied("alpha access enabled", [ALPHA, BRAVO]);
  note(`alpha routable again ${await routable("alpha")} ms after enabling`);
  expect(await serverUid("alpha")).toBe(uid);
}, 300_000);

test("allowFrom: a client outside the list is refused, one inside connects; the server is not restarted", async () => {
  const uid = await serverUid("alpha");
  const outside = await applied("alpha allowFrom elsewhere", [{ ...ALPHA, allowFrom: ["203.0.113.0/24"] }, BRAVO]);
  expect(outside.created).toEqual(["alpha-allow-from"]);
  expect((await refused("alpha")).ok).toBe(false);
  // This machine reaches the NodePort from the node's own address.
  await applied("alpha allowFrom the node", [{ ...ALPHA, allowFrom: [`${NODE_ADDRESS}/32`] }, BRAVO]);
  await routable("alpha");
  expect(await marker("alpha")).toMatchObject({ ok: true, out: "alpha-row" });
  await applied("alpha allowFrom removed", [ALPHA, BRAVO]);
  await routable("alpha");
  expect(await serverUid("alpha")).toBe(uid);
}, 300_000);

test("state: stopped keeps the data and start brings it back; the server shuts down cleanly, with no crash recovery", async () => {
  const stopped = await applied("bravo stopped", [ALPHA, { ...BRAVO, state: "stopped" }]);
  expect(stopped.deleted).toEqual([]);
  expect(stopped.updated).toEqual(expect.arrayContaining(["bravo-postgres"]));
  await eventually(
    "bravo's server pod is gone",
    150_000,
    async () => ((await podUid(ns("bravo"), "pgs.role=postgres")).length === 0 ? true : undefined),
    1000,
  );
  expect((await kubectlOk(["-n", ns("bravo"), "get", "pvc", "data", "-o", "jsonpath={.status.phase}"])).trim()).toBe("Bound");
  expect(stack.outputs.tenantEndpoints).toMatchObject({ bravo: { state: "stopped" } });
  expectRefusedPromptly(await psql(stack.endpoint("bravo"), "select 1"), PSQL_EOF);
  await applied("bravo started", [ALPHA, BRAVO]);
  await routable("bravo");
  expect(await marker("bravo")).toMatchObject({ ok: true, out: "bravo-row" });
  const log = await kubectlOk(["-n", ns("bravo"), "logs", "postgres-0", "-c", "postgres"]);
  expect(log).toMatch(/database system was shut down at/);
  expect(log).not.toMatch(/database system was interrupted|not properly shut down/);
}, 600_000);

test("removing a tenant keeps its namespace, data claim and backups claim; adding it back brings its rows back", async () => {
  const removed = await applied("bravo removed", [ALPHA]);
  expect(removed.retained).toEqual(["bravo-backups", "bravo-data", "bravo-namespace"]);
  expect(removed.deleted).toEqual(
    expect.arrayContaining(["bravo-postgres", "bravo-service", "bravo-route", "bravo-credentials", "bravo-backup"]),
  );
  type Claims = {
    items: { metadata: { name: string }; status: { phase: string }; spec: { resources: { requests: { storage: string } } } }[];
  };
  const claims = await getJson<Claims>(["-n", ns("bravo"), "get", "pvc"]);
  expect(claims.items.map((c) => `${c.metadata.name} ${c.status.phase} ${c.spec.resources.requests.storage}`).sort()).toEqual([
    "backups Bound 2Gi",
    "data Bound 2Gi",
  ]);
  const alphaClaims = await getJson<Claims>(["-n", ns("alpha"), "get", "pvc"]);
  expect(alphaClaims.items.map((c) => `${c.metadata.name} ${c.spec.resources.requests.storage}`)).toEqual(["data 1Gi"]);
  expectRefusedPromptly(await psql({ ...stack.endpoint("alpha"), hostname: "bravo.pgs.example.com" }, "select 1"), PSQL_EOF);
  await applied("bravo added back", [ALPHA, BRAVO]);
  await routable("bravo");
  expect(await marker("bravo")).toMatchObject({ ok: true, out: "bravo-row" });
}, 600_000);

test("backup and restore with pgs's own commands: pgs backup, pgs backups, pgs restore (kubectl, the same scripts)", async () => {
  const e = stack.endpoint("bravo");
  expect(await psql(e, "create table kept (n int); insert into kept select g from generate_series(1, 1000) g")).toMatchObject({ ok: true });
  const backup = await pgs(["backup", "bravo"]);
  expect({ code: backup.code, stderr: backup.stderr }).toEqual({ code: 0, stderr: "" });
  note(`pgs backup bravo: ${backup.ms} ms`);
  const line = backup.stdout.trim().split("\n").pop()!;
  expect(line).toMatch(/^pgs-backup: ok tenant=bravo trigger=manual file=bravo-[0-9]{8}T[0-9]{6}Z\.dump bytes=[0-9]+ sha256=[0-9a-f]{64} /);
  const file = /file=(\S+)/.exec(line)![1];
  const listed = await pgs(["backups", "bravo", "--json"]);
  expect(listed.code).toBe(0);
  expect((JSON.parse(listed.stdout) as { name: string; checksum: string }[]).find((b) => b.name === file)).toMatchObject({
    checksum: "ok",
  });

  expect(await psql(e, "drop table kept; delete from marker")).toMatchObject({ ok: true });
  const restored = await pgs(["restore", "bravo", "--from", file, "--yes"]);
  expect({ code: restored.code, stderr: restored.stderr }).toEqual({ code: 0, stderr: "" });
  note(`pgs restore bravo: ${restored.ms} ms`);
  expect(restored.stdout).toMatch(/1\/3 verifying .*\n2\/3 restoring .*\n3\/3 done/);
  expect(await psql(e, "select count(*) || ':' || sum(n) from kept")).toMatchObject({ ok: true, out: "1000:500500" });
  expect(await marker("bravo")).toMatchObject({ ok: true, out: "bravo-row" });

  const missing = await pgs(["restore", "bravo", "--from", "bravo-20000101T000000Z.dump", "--yes"]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(
    /backup bravo-20000101T000000Z\.dump of bravo does not exist \(available: .*\); refusing to restore, nothing was changed/,
  );
  const none = await pgs(["backup", "alpha"]);
  expect(none.code).toBe(1);
  expect(none.stderr).toContain(`tenant alpha has no backup CronJob in namespace ${ns("alpha")}`);
  // The reader pods the commands used are gone.
  await eventually(
    "the reader pods are removed",
    60_000,
    async () => ((await podUid(ns("bravo"), "pgs.role=backup-reader")).length === 0 ? true : undefined),
    1000,
  );
}, 600_000);

test("a scheduled backup runs at its slot as the CronJob's job, as the tenant's role, through the NetworkPolicy", async () => {
  const before = await pgs(["backups", "bravo", "--json"]);
  const count = (JSON.parse(before.stdout) as unknown[]).length;
  await applied("bravo backups every minute", [ALPHA, { ...BRAVO, backup: { every: "1m", keep: 5 } }]);
  const started = Date.now();
  const line = (
    await eventually(
      "a scheduled backup job completes",
      180_000,
      async () => {
        const jobs = await getJson<{
          items: { metadata: { name: string; ownerReferences?: { kind: string }[] }; status: { succeeded?: number } }[];
        }>(["-n", ns("bravo"), "get", "jobs"]);
        const done = jobs.items.find((j) => j.metadata.ownerReferences?.some((o) => o.kind === "CronJob") && (j.status.succeeded ?? 0) > 0);
        if (!done) return undefined;
        return (await kubectlOk(["-n", ns("bravo"), "logs", `job/${done.metadata.name}`])).trim();
      },
      2000,
    )
  ).value;
  note(`first scheduled backup done ${Date.now() - started} ms after the up`);
  expect(line).toMatch(/^pgs-backup: ok tenant=bravo trigger=scheduled file=bravo-[0-9]{8}T[0-9]{6}Z\.dump /);
  const after = JSON.parse((await pgs(["backups", "bravo", "--json"])).stdout) as { checksum: string }[];
  expect(after.length).toBeGreaterThan(count);
  expect(after.every((b) => b.checksum === "ok")).toBe(true);
  await applied("bravo backups quiet again", [ALPHA, BRAVO]);
}, 600_000);

test("a rotated password is in force once the up returns, the old one refused; no password in the state's files", async () => {
  const old = stack.endpoint("alpha").password;
  const uid = await serverUid("alpha");
  const rotated = await applied("alpha passwordVersion 2", [{ ...ALPHA, passwordVersion: 2 }, BRAVO]);
  // @pulumi/kubernetes replaces a Secret whose data changes; the pod template's digest of it rolls the pod.
  expect({ replaced: rotated.replaced, updated: rotated.updated }).toEqual({
    replaced: ["alpha-credentials"],
    updated: ["alpha-postgres"],
  });
  const e = stack.endpoint("alpha");
  expect(e.password).not.toBe(old);
  await routable("alpha");
  expect(await serverUid("alpha")).not.toBe(uid);
  expect(await marker("alpha")).toMatchObject({ ok: true, out: "alpha-row" });
  expect((await psql(e, "select 1", { password: old })).out).toMatch(/password authentication failed for user "alpha"/);
  const files = (
    await run("grep", ["-rlF", "-e", e.password, "-e", stack.endpoint("bravo").password, path.join(stack.projectDir, ".pgs", "state")])
  ).stdout.trim();
  expect(files).toBe("");
}, 300_000);

test("pgs up whose pulumi is killed once a new tenant's StatefulSet exists: the next pgs up imports what it made from the cluster and converges", async () => {
  const tenants = [{ ...ALPHA, passwordVersion: 2 }, BRAVO, { id: "charlie" }];
  const made = async () => (await kubectl(["-n", ns("charlie"), "get", "statefulset", "postgres", "-o", "name"])).stdout.trim() !== "";
  const r = await stack.upInterrupted(tenantsYaml(tenants), {}, made, () => expect(stack.killEngine()).toBe(1));
  expect({ code: r.code, signal: r.signal }).toEqual({ code: 1, signal: null });
  expect(r.stderr).toMatch(/the Pulumi engine \(pulumi\) was killed \(SIGKILL\)/);
  const again = await pgs(["up", "--yes"]);
  const recovered = again.stdout.split("\n").filter((l) => l.startsWith("recovered:"));
  note(`pgs up after the SIGKILL (${again.ms} ms): ${recovered.join("; ")}`);
  expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: "" });
  expect(recovered).toEqual(
    expect.arrayContaining([
      expect.stringMatching(
        new RegExp(
          `^recovered: imported charlie-postgres \\(StatefulSet ${ns("charlie")}/postgres\\), which the interrupted run had created$`,
        ),
      ),
    ]),
  );
  await stack.readOutputs();
  await routable("charlie", 120_000);
  for (const id of ["alpha", "bravo"]) expect(await marker(id)).toMatchObject({ ok: true, out: `${id}-row` });
  await stack.preview(undefined, {}, { expectNoChanges: true });
}, 600_000);

test("all along, adding, changing and removing tenants never restarted Traefik", async () => {
  await sleep(1000);
  const pods = await getJson<{ items: { metadata: { uid: string }; status: { containerStatuses: { restartCount: number }[] } }[] }>([
    "-n",
    stack.naming.ingressNamespace(),
    "get",
    "pods",
    "-l",
    "pgs.role=ingress",
  ]);
  expect(pods.items.map((p) => p.metadata.uid)).toEqual([traefikUid]);
  expect(pods.items[0].status.containerStatuses[0].restartCount).toBe(0);
  const deployment = await getJson<{ metadata: { generation: number } }>([
    "-n",
    stack.naming.ingressNamespace(),
    "get",
    "deployment",
    "traefik",
  ]);
  expect(deployment.metadata.generation).toBe(1);
}, 120_000);
