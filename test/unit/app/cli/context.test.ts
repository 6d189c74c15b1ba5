/**
 * app/cli/context.ts: a stack's settings, tenants and backend read offline, from Pulumi.yaml,
 * Pulumi.<stack>.yaml and the tenants file of a project folder of the test's own.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { loadOffline } from "../../../../app/cli/context";
import { StackConfigError } from "../../../../lib/stackSettings";
import { InvalidInputError } from "../../../../lib/tenants/problems";

const ROOT = path.resolve(__dirname, "../../../..");
const SECURE = "{ secure: v1:c2VjcmV0 }";

let dir: string;
let cwd: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "pgs-context-"));
  copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  writeFileSync(path.join(dir, "tenants.yaml"), "apiVersion: pgs/v1\ntenants:\n  - id: acme\n    passwordSecret: acmePassword\n");
  cwd = process.cwd();
});
afterEach(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

const stackFile = (stack: string, lines: string[]) =>
  writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), ["config:", ...lines.map((l) => `  ${l}`), ""].join("\n"));

function thrown(load: () => unknown): Error {
  try {
    load();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected loadOffline to throw");
}

test("the stack's own file over Pulumi.yaml's defaults: settings, tenants and the backend they name", () => {
  stackFile("prod", ["pgs:baseDomain: db.example.org", "pgs:publishPort: 6432"]);
  const loaded = loadOffline({ projectDir: dir, stack: "prod" });
  expect(loaded.settings).toMatchObject({ project: "pgs", stack: "prod", baseDomain: "db.example.org", backend: "docker" });
  expect(loaded.tenantsFile).toBe(path.join(dir, "tenants.yaml"));
  expect(loaded.tenants.map((t) => [t.id, t.hostname])).toEqual([["acme", "acme.db.example.org"]]);
  expect(loaded.backend.name).toBe("docker");
});

test("a stack without its own file runs on Pulumi.yaml's defaults", () => {
  const loaded = loadOffline({ projectDir: dir, stack: "fresh" });
  expect(loaded.settings.stack).toBe("fresh");
  expect(loaded.tenants.map((t) => t.id)).toEqual(["acme"]);
});

test("the backend setting picks the backend", () => {
  stackFile("k8s", ["pgs:backend: kubernetes"]);
  expect(loadOffline({ projectDir: dir, stack: "k8s" }).backend.name).toBe("kubernetes");
});

test("tenantsFile is taken relative to the working directory, not the project folder", () => {
  const elsewhere = path.join(dir, "elsewhere");
  mkdirSync(elsewhere);
  writeFileSync(path.join(elsewhere, "other.yaml"), "apiVersion: pgs/v1\ntenants:\n  - id: globex\n  - id: initech\n");
  process.chdir(elsewhere);
  const loaded = loadOffline({ projectDir: dir, stack: "dev" }, { tenantsFile: "other.yaml" });
  expect(loaded.tenantsFile).toBe(path.join(elsewhere, "other.yaml"));
  expect(loaded.tenants.map((t) => t.id)).toEqual(["globex", "initech"]);
});

test("a tenants file that is not there is an input error naming where it was looked for", () => {
  process.chdir(dir);
  const err = thrown(() => loadOffline({ projectDir: dir, stack: "dev" }, { tenantsFile: "missing.yaml" }));
  expect(err).toBeInstanceOf(InvalidInputError);
  expect(err.message).toContain(`${path.join(dir, "missing.yaml")}:1:1: cannot read the tenants file`);
});

describe("checkSecrets", () => {
  test("off (the default): a passwordSecret not set in the stack is not looked for", () => {
    expect(loadOffline({ projectDir: dir, stack: "dev" }).tenants[0].passwordSecret).toBe("acmePassword");
  });

  test("on: a passwordSecret the stack does not set is refused, with the command that sets it", () => {
    const err = thrown(() => loadOffline({ projectDir: dir, stack: "dev" }, { checkSecrets: true }));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toMatch(/passwordSecret "acmePassword" is not set as a secret .*pulumi config set --secret acmePassword/);
  });

  test("on: a value set in plain text is not a secret either", () => {
    stackFile("dev", ["pgs:acmePassword: not-a-secret-but-long-enough"]);
    expect(thrown(() => loadOffline({ projectDir: dir, stack: "dev" }, { checkSecrets: true })).message).toMatch(/is not set as a secret/);
  });

  test("on: a key set with --secret passes, its value never decrypted", () => {
    stackFile("dev", [`pgs:acmePassword: ${SECURE}`]);
    expect(loadOffline({ projectDir: dir, stack: "dev" }, { checkSecrets: true }).tenants.map((t) => t.id)).toEqual(["acme"]);
  });
});

describe("refuseUnknownKeys", () => {
  beforeEach(() => stackFile("dev", ["pgs:publishAddress: 127.0.0.1", 'pgs:publishPrt: "6432"']));

  test("off (the default): a misspelt setting is ignored", () => {
    expect(loadOffline({ projectDir: dir, stack: "dev" }).settings.stack).toBe("dev");
  });

  test("on: a misspelt setting is refused where it is written, with the setting it resembles", () => {
    const err = thrown(() => loadOffline({ projectDir: dir, stack: "dev" }, { refuseUnknownKeys: true }));
    expect(err).toBeInstanceOf(StackConfigError);
    expect(err.message).toBe(
      `${path.join(dir, "Pulumi.dev.yaml")}:3:3: unknown stack setting "pgs:publishPrt" (did you mean "pgs:publishPort"?)`,
    );
  });

  test("on: other namespaces belong to their providers and pass", () => {
    stackFile("dev", ["docker:host: unix:///var/run/docker.sock", "pgs:publishAddress: 127.0.0.1"]);
    expect(loadOffline({ projectDir: dir, stack: "dev" }, { refuseUnknownKeys: true }).settings.stack).toBe("dev");
  });
});

test("a tenant the backend cannot run is refused at load, naming the tenants file", () => {
  stackFile("k8s", ["pgs:backend: kubernetes"]);
  writeFileSync(path.join(dir, "tenants.yaml"), "apiVersion: pgs/v1\ntenants:\n  - id: acme\n    backup: { every: 7h, keep: 3 }\n");
  const err = thrown(() => loadOffline({ projectDir: dir, stack: "k8s" }));
  expect(err).toBeInstanceOf(StackConfigError);
  expect(err.message).toMatch(/cannot be a Kubernetes CronJob schedule/);
  expect(err.message.startsWith(`${path.join(dir, "tenants.yaml")}: tenant "acme": backup.every 7h`)).toBe(true);
  // The same file on Docker runs the schedule as it is.
  stackFile("docker", ["pgs:backend: docker"]);
  expect(loadOffline({ projectDir: dir, stack: "docker" }).tenants[0].backup?.every).toBe("7h");
});
