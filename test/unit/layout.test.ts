/**
 * Imports run one way (README, Layout): each folder may import only the folders listed for it.
 * A pure core (the tenants file, container facts, Traefik config, names) never imports Pulumi.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

/** Folder (or root file) → what its files may import besides themselves, node: builtins and the npm packages listed. */
const RULES: Record<string, { may: string[]; packages: string[] }> = {
  "lib/naming.ts": { may: [], packages: [] },
  "lib/sourceDir.ts": { may: [], packages: [] },
  "lib/docker": { may: [], packages: [] },
  "lib/tenants": { may: ["lib/naming.ts"], packages: ["yaml", "zod"] },
  "lib/postgres": { may: ["lib/tenants", "lib/naming.ts", "lib/sourceDir.ts"], packages: [] },
  "lib/traefik": { may: ["lib/tenants", "lib/naming.ts", "lib/postgres", "lib/sourceDir.ts"], packages: ["yaml"] },
  "lib/kubernetes": { may: ["lib/tenants", "lib/naming.ts", "lib/postgres"], packages: [] },
  "lib/localImages.ts": { may: ["images/local-images.json"], packages: [] },
  "lib/stackSettings.ts": { may: ["lib/naming.ts", "lib/tenants", "lib/postgres", "lib/traefik"], packages: [] },
  "lib/project.ts": { may: ["lib/stackSettings.ts", "lib/tenants", "lib/sourceDir.ts", "lib/kubernetes"], packages: ["yaml"] },
  "lib/program.ts": { may: ["index.ts"], packages: [] },
  "lib/offline": { may: ["lib/program.ts", "lib/project.ts"], packages: ["@pulumi/pulumi", "yaml"] },
  "lib/engine": { may: ["lib/program.ts", "lib/project.ts", "lib/sourceDir.ts"], packages: ["@pulumi/pulumi"] },
  "lib/ops": {
    may: ["lib/naming.ts", "lib/tenants", "lib/postgres", "lib/kubernetes", "lib/project.ts", "lib/sourceDir.ts", "lib/stackSettings.ts"],
    packages: [],
  },
  "lib/cli": {
    may: [
      "lib/naming.ts",
      "lib/tenants",
      "lib/postgres",
      "lib/project.ts",
      "lib/sourceDir.ts",
      "lib/stackSettings.ts",
      "lib/offline",
      "lib/ops",
      "lib/engine",
      "lib/localImages.ts",
    ],
    packages: ["commander", "yaml", "@pulumi/pulumi"],
  },
  components: {
    may: ["lib/naming.ts", "lib/tenants", "lib/postgres", "lib/traefik", "lib/docker", "lib/kubernetes", "lib/stackSettings.ts"],
    packages: ["@pulumi/pulumi", "@pulumi/docker", "@pulumi/kubernetes", "@pulumi/random", "@pulumi/tls"],
  },
  backends: {
    may: ["components", "lib/naming.ts", "lib/stackSettings.ts", "lib/tenants"],
    packages: ["@pulumi/pulumi", "@pulumi/docker", "@pulumi/kubernetes"],
  },
  "index.ts": {
    may: ["backends", "lib/project.ts", "lib/stackSettings.ts", "lib/tenants"],
    packages: ["@pulumi/pulumi"],
  },
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return name.endsWith(".ts") ? [full] : [];
  });
}

const ruleOf = (file: string) =>
  Object.keys(RULES)
    .filter((k) => file === k || file.startsWith(`${k}/`))
    .sort((a, b) => b.length - a.length)[0];
const within = (target: string, area: string) => target === area || target.startsWith(`${area}/`) || target === `${area}.ts`;

test("every source file falls under a rule", () => {
  const files = [
    ...sources(path.join(ROOT, "lib")),
    ...sources(path.join(ROOT, "components")),
    ...sources(path.join(ROOT, "backends")),
    path.join(ROOT, "index.ts"),
  ];
  const unruled = files.map((f) => path.relative(ROOT, f)).filter((f) => ruleOf(f) === undefined);
  expect(unruled).toEqual([]);
});

test("imports run one way", () => {
  const files = [
    ...sources(path.join(ROOT, "lib")),
    ...sources(path.join(ROOT, "components")),
    ...sources(path.join(ROOT, "backends")),
    path.join(ROOT, "index.ts"),
  ];
  const violations: string[] = [];
  for (const full of files) {
    const file = path.relative(ROOT, full);
    const area = ruleOf(file)!;
    const rule = RULES[area];
    const text = readFileSync(full, "utf8");
    const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^"';]*?from\s+["']([^"']+)["']|import\(["']([^"']+)["']\)/g)].map(
      (m) => m[1] ?? m[2],
    );
    for (const spec of specs) {
      if (spec.startsWith("node:")) continue;
      if (!spec.startsWith(".")) {
        if (!rule.packages.includes(spec) && !rule.packages.some((p) => spec.startsWith(`${p}/`)))
          violations.push(`${file} imports package ${spec}`);
        continue;
      }
      let target = path.relative(ROOT, path.resolve(path.dirname(full), spec));
      if (!target.endsWith(".json")) target = `${target}.ts`;
      if (within(target, area) || rule.may.some((m) => within(target, m.replace(/\.ts$/, "")) || target === m)) continue;
      violations.push(`${file} imports ${target}`);
    }
  }
  expect(violations).toEqual([]);
});
