/**
 * The layers of README's Layout, and imports that run one way: the pure core (lib/) never imports
 * the program or the application and never imports Pulumi; the program (components/, backends/,
 * index.ts) never imports the application (app/). Each folder may import only what is listed for
 * it, and no set of files imports itself round in a cycle, in a folder or across folders.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const PULUMI = ["@pulumi/pulumi", "@pulumi/docker", "@pulumi/kubernetes", "@pulumi/random", "@pulumi/tls"];
const CORE = ["lib/naming.ts", "lib/tenants", "lib/postgres", "lib/traefik", "lib/docker", "lib/kubernetes", "lib/stackSettings.ts"];

/** Folder (or root file) → what its files may import besides themselves, node: builtins and the npm packages listed. */
const RULES: Record<string, { may: string[]; packages: string[] }> = {
  // The pure core.
  "lib/naming.ts": { may: [], packages: [] },
  "lib/sourceDir.ts": { may: [], packages: [] },
  "lib/docker": { may: ["lib/sourceDir.ts"], packages: [] },
  "lib/hosts": { may: [], packages: [] },
  "lib/tenants": { may: ["lib/naming.ts"], packages: ["yaml", "zod"] },
  "lib/postgres": { may: ["lib/tenants", "lib/naming.ts", "lib/sourceDir.ts"], packages: [] },
  "lib/traefik": { may: ["lib/tenants", "lib/naming.ts", "lib/postgres", "lib/sourceDir.ts"], packages: ["yaml"] },
  "lib/kubernetes": { may: ["lib/tenants", "lib/naming.ts", "lib/postgres"], packages: [] },
  "lib/localImages.ts": { may: ["images/local-images.json"], packages: [] },
  "lib/stackSettings.ts": { may: ["lib/naming.ts", "lib/tenants", "lib/postgres", "lib/traefik"], packages: [] },
  "lib/project.ts": { may: ["lib/stackSettings.ts", "lib/tenants", "lib/sourceDir.ts"], packages: ["yaml"] },
  "lib/programScope.ts": { may: [], packages: [] },
  // The program: Pulumi components, the backends that assemble them (and reach their hosts), the entry point.
  components: { may: CORE, packages: PULUMI },
  backends: { may: ["components", "lib"], packages: PULUMI },
  "index.ts": { may: ["backends", "lib/stackSettings.ts", "lib/tenants", "lib/programScope.ts"], packages: ["@pulumi/pulumi"] },
  // The application on top of the program.
  "app/program.ts": { may: ["index.ts", "lib/programScope.ts"], packages: ["@pulumi/pulumi"] },
  "app/offline": { may: ["app/program.ts", "lib/project.ts"], packages: ["@pulumi/pulumi", "yaml"] },
  "app/engine": {
    may: ["app/program.ts", "lib", "backends/host.ts", "backends/backend.ts", "backends/targets.ts"],
    packages: ["@pulumi/pulumi", "yaml"],
  },
  "app/ops": { may: ["lib", "backends/host.ts"], packages: ["pg"] },
  "app/cli": { may: ["app", "backends", "lib"], packages: ["commander", "yaml", "@pulumi/pulumi"] },
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return name.endsWith(".ts") ? [full] : [];
  });
}

const FILES = ["lib", "components", "backends", "app"].flatMap((d) => sources(path.join(ROOT, d))).concat(path.join(ROOT, "index.ts"));

const ruleOf = (file: string) =>
  Object.keys(RULES)
    .filter((k) => file === k || file.startsWith(`${k}/`))
    .sort((a, b) => b.length - a.length)[0];
const within = (target: string, area: string) => target === area || target.startsWith(`${area}/`);

/** Every module a file names: static imports and exports, import(), require(). */
function specifiers(text: string): string[] {
  return [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)[^"';]*?from\s+["']([^"']+)["']|import\(["']([^"']+)["']\)|require\(["']([^"']+)["']\)/g),
  ].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** A relative specifier as a repository path: a .ts file, an index.ts, or a .json file. */
function resolve(from: string, spec: string): string {
  const base = path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, from)), spec));
  if (base.endsWith(".json")) return base;
  if (existsSync(path.join(ROOT, `${base}.ts`))) return `${base}.ts`;
  return path.join(base, "index.ts");
}

const GRAPH = new Map(
  FILES.map((full) => {
    const file = path.relative(ROOT, full);
    return [file, specifiers(readFileSync(full, "utf8"))] as const;
  }),
);

test("every source file falls under a rule", () => {
  expect([...GRAPH.keys()].filter((f) => ruleOf(f) === undefined)).toEqual([]);
});

test("imports run one way", () => {
  const violations: string[] = [];
  for (const [file, specs] of GRAPH) {
    const area = ruleOf(file)!;
    const rule = RULES[area];
    for (const spec of specs) {
      if (spec.startsWith("node:")) continue;
      if (!spec.startsWith(".")) {
        if (!rule.packages.some((p) => spec === p || spec.startsWith(`${p}/`))) violations.push(`${file} imports package ${spec}`);
        continue;
      }
      const target = resolve(file, spec);
      if (within(target, area) || rule.may.some((m) => within(target, m))) continue;
      violations.push(`${file} imports ${target}`);
    }
  }
  expect(violations).toEqual([]);
});

/** Strongly connected components of more than one file (or a file importing itself): Tarjan's algorithm. */
function cycles(edges: Map<string, string[]>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const on = new Set<string>();
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const found: string[][] = [];
  const visit = (v: string) => {
    order.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!order.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, order.get(w)!));
    }
    if (low.get(v) === order.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (edges.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!order.has(v)) visit(v);
  return found;
}

test("no import cycles, inside a folder or across folders", () => {
  const edges = new Map(
    [...GRAPH].map(([file, specs]) => [file, specs.filter((s) => s.startsWith(".")).map((s) => resolve(file, s))] as const),
  );
  expect(cycles(edges)).toEqual([]);
});

test("the cycle check finds a cycle within one folder (positive control)", () => {
  const edges = new Map([
    ["components/docker/a.ts", ["components/docker/b.ts"]],
    ["components/docker/b.ts", ["components/docker/a.ts"]],
    ["components/docker/c.ts", ["components/docker/a.ts"]],
  ]);
  expect(cycles(edges)).toEqual([["components/docker/a.ts", "components/docker/b.ts"]]);
});
