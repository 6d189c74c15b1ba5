/**
 * What each kind of tenants.yaml edit does, from real previews of the real engine: the operation
 * on every resource of the tenant, asserted per edit, and applied for the edits that update in
 * place (to prove the provider really applies them). The README's table is this test's output:
 * it fails when README.md says otherwise, and writes the table it expects to .e2e/changes-table.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { ResourceStep } from "../../app/engine/changes";
import { LOCAL_IMAGES } from "../../lib/localImages";
import { run } from "./harness/clients";
import { container, docker, note, notes } from "./harness/facts";
import { freePort, PROJECT_DIR, type TenantEntry, tenantsYaml, TestStack } from "./harness/stack";

const BASE: TenantEntry = { id: "acme", backup: { every: "24h", keep: 2 } };
const OTHER: TenantEntry = { id: "other" };
const MINOR_IMAGE = "pgs-local/postgres:18-next";

interface Edit {
  /** The row's first cell in README. */
  change: string;
  entry?: TenantEntry;
  config?: Record<string, string>;
  /** The expected operation per resource of acme (logical name → op); everything else of the stack stays the same. */
  expected: Record<string, string>;
  /** Applied too, with a check that Docker shows the change. */
  applyCheck?: () => Promise<void>;
  /** What the edit does to the other tenant too (a stack setting reaches every tenant it applies to). */
  others?: string[];
}

// A new container gets its settings file copied in again, and its process limit set again.
const replaced = { "acme-postgres": "replace", "acme-settings": "replace", "acme-backup": "same" };
// Routing is a file Traefik watches: rewritten, nothing restarts.
const rerouted = { "acme-route": "update" };
const EDITS: Edit[] = [
  {
    change: "`resources.memory`",
    entry: { ...BASE, resources: { memory: "320Mi" } },
    expected: { "acme-postgres": "update", "acme-backup": "same" },
    applyCheck: async () => {
      const info = (await container(stack.naming.container("acme")))!;
      expect({ memory: info.HostConfig.Memory, swap: info.HostConfig.MemorySwap }).toEqual({
        memory: 320 * 1024 * 1024,
        swap: 320 * 1024 * 1024,
      });
    },
  },
  { change: "`resources.cpus`", entry: { ...BASE, resources: { cpus: 0.5 } }, expected: replaced },
  { change: "`resources.shm`", entry: { ...BASE, resources: { shm: "96Mi" } }, expected: replaced },
  {
    change: "`postgres.settings` a server reloads (`work_mem`)",
    entry: { ...BASE, postgres: { settings: { work_mem: "8MB" } } },
    expected: { "acme-settings": "update" },
  },
  {
    change: "`postgres.settings` only a restart applies (`shared_buffers`)",
    entry: { ...BASE, postgres: { settings: { shared_buffers: "64MB" } } },
    expected: replaced,
  },
  { change: "`access: disabled`", entry: { ...BASE, access: "disabled" }, expected: rerouted },
  { change: "`allowFrom`", entry: { ...BASE, allowFrom: ["10.0.0.0/8"] }, expected: rerouted },
  { change: "`hostname`", entry: { ...BASE, hostname: "acme-db.pgs.example.com" }, expected: rerouted },
  { change: "`superuser`", entry: { ...BASE, superuser: true }, expected: replaced },
  {
    change: "`passwordVersion` (rotation)",
    entry: { ...BASE, passwordVersion: 2 },
    expected: { "acme-password": "replace", "acme-postgres": "replace", "acme-settings": "replace", "acme-backup": "replace" },
  },
  {
    change: "a new image of the same major (`postgresImages`)",
    entry: BASE,
    config: { postgresImages: JSON.stringify({ 18: MINOR_IMAGE }) },
    expected: { "acme-postgres": "replace", "acme-settings": "replace", "acme-backup": "replace" },
    others: ["replace other-postgres", "replace other-settings", "update other-limits"],
  },
  {
    change: "`state: stopped`",
    entry: { ...BASE, state: "stopped" },
    expected: { "acme-postgres": "delete", "acme-settings": "delete", "acme-route": "update", "acme-backup": "delete" },
  },
  {
    change: "`backup: off`",
    entry: { id: "acme", backup: "off" },
    expected: { "acme-postgres": "same", "acme-backup": "delete", "acme-backups": "keep" },
  },
  {
    change: "remove the entry",
    expected: {
      "acme-postgres": "delete",
      "acme-settings": "delete",
      "acme-route": "delete",
      "acme-backup": "delete",
      "acme-data": "keep",
      "acme-backups": "keep",
      "acme-network": "delete",
      "acme-password": "delete",
    },
  },
];

const COLUMNS = [
  "acme-postgres",
  "acme-settings",
  "acme-route",
  "acme-backup",
  "acme-data",
  "acme-backups",
  "acme-network",
  "acme-password",
] as const;
const HEADER = ["container", "settings file", "route file", "backup container", "data volume", "backup volume", "network", "password"];
const WORDS: Record<string, string> = {
  same: "—",
  update: "updated in place",
  replace: "**replaced**",
  delete: "deleted",
  keep: "kept",
  create: "created",
};

let stack: TestStack;

/** The operation per logical name, a retained delete as "keep". */
function operations(steps: ResourceStep[]): Record<string, string> {
  return Object.fromEntries(steps.map((s) => [s.name, s.retained ? "keep" : s.op]));
}

beforeAll(async () => {
  const build = await run("sh", [
    "-c",
    `printf 'FROM ${LOCAL_IMAGES.postgres.replace("{major}", "18")}\\nLABEL pgs.minor=next\\n' | docker build -q -t ${MINOR_IMAGE} -`,
  ]);
  expect(build.code).toBe(0);
  stack = await TestStack.create({ stack: "e2e-changes", port: await freePort(), adminPort: await freePort() });
  await stack.up(tenantsYaml([BASE, OTHER]));
}, 600_000);

afterAll(async () => {
  process.stdout.write(`\ne2e changes measurements:\n${notes.map((n) => `  ${n}`).join("\n")}\n`);
  await stack?.dispose();
  await docker
    .getImage(MINOR_IMAGE)
    .remove()
    .catch(() => undefined);
}, 180_000);

const rows: string[][] = [];

test.each(EDITS.map((e) => [e.change, e] as const))(
  "%s",
  async (_change, edit) => {
    const tenants = edit.entry ? [edit.entry, OTHER] : [OTHER];
    const preview = await stack.preview(tenantsYaml(tenants), { ...(edit.config ? { config: edit.config } : {}) });
    const ops = operations(preview.steps.steps);
    const acme = Object.fromEntries(COLUMNS.map((c) => [c, ops[c] ?? "same"]));
    expect(acme).toEqual({ ...Object.fromEntries(COLUMNS.map((c) => [c, "same"])), ...edit.expected });
    // Nothing of the other tenant, and not the ingress, is touched by an edit of acme's entry.
    const others = preview.steps.steps.filter(
      (s) =>
        !s.name.startsWith("acme") &&
        !["same", "read", "refresh"].includes(s.op) &&
        !(edit.config && s.type === "docker:index/remoteImage:RemoteImage") &&
        // A provider's own step when the stack's configuration changes: no tenant object.
        !s.type.startsWith("pulumi:providers:"),
    );
    expect(others.map((s) => `${s.op} ${s.name}`).sort()).toEqual(edit.others ?? []);
    rows.push([edit.change, ...COLUMNS.map((c) => WORDS[acme[c]])]);
    note(`${edit.change}: preview ${preview.ms} ms`);
    if (edit.applyCheck) {
      await stack.up(tenantsYaml(tenants), { ...(edit.config ? { config: edit.config } : {}) });
      await edit.applyCheck();
      await stack.up(tenantsYaml([BASE, OTHER]));
    }
  },
  600_000,
);

test("README's table is the one these previews give", () => {
  const table = [
    `| change | ${HEADER.join(" | ")} |`,
    `|---|${HEADER.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
  mkdirSync(path.join(PROJECT_DIR, ".e2e"), { recursive: true });
  writeFileSync(path.join(PROJECT_DIR, ".e2e", "changes-table.md"), `${table}\n`);
  const readme = readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
  const shown = /<!-- changes-table:start -->\n([\s\S]*?)\n<!-- changes-table:end -->/.exec(readme)?.[1];
  expect(shown).toBe(table);
});
