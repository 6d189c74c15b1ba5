/**
 * app/engine/environment.ts: where a project's state and passphrase live, and the environment the
 * Pulumi CLI gets. Project folders of the test's own; no engine is run.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ENGINE, engineEnvironment, localBackendUrl, passphraseFile, stateDir } from "../../../../app/engine/environment";

const ROOT = path.resolve(__dirname, "../../../..");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "pgs-env-"));
  writeFileSync(path.join(dir, "Pulumi.yaml"), "name: pgs\nruntime: nodejs\n");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mode = (file: string) => statSync(file).mode & 0o777;

test("a project's own state is under its .pgs folder: the file backend and the passphrase", () => {
  expect(stateDir("/srv/acme")).toBe("/srv/acme/.pgs");
  expect(localBackendUrl("/srv/acme")).toBe("file:///srv/acme/.pgs/state");
  expect(passphraseFile("/srv/acme")).toBe("/srv/acme/.pgs/passphrase");
});

test("this checkout's engine is under its .pgs folder, as scripts/engine.sh installs it", () => {
  expect(ENGINE).toEqual({
    root: path.join(ROOT, ".pgs/engine"),
    cli: path.join(ROOT, ".pgs/engine/bin/pulumi"),
    home: path.join(ROOT, ".pgs/pulumi-home"),
  });
});

describe("nothing configured: the project's local default", () => {
  test("a file backend in .pgs/state, created, and a passphrase generated into .pgs/passphrase (0600)", () => {
    const e = engineEnvironment(dir, {});
    expect(e.backendUrl).toBe(`file://${path.join(dir, ".pgs", "state")}`);
    expect(e.localBackend).toBe(true);
    expect(existsSync(path.join(dir, ".pgs", "state"))).toBe(true);
    const file = path.join(dir, ".pgs", "passphrase");
    expect(e.envVars.PULUMI_CONFIG_PASSPHRASE_FILE).toBe(file);
    expect(readFileSync(file, "utf8")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(mode(file)).toBe(0o600);
    expect(mode(path.join(dir, ".pgs"))).toBe(0o700);
    expect(e.secrets).toBe(`passphrase generated into ${file} (keep it: without it the stack's secrets cannot be read)`);
  });

  test("the passphrase is made once: later runs keep it, and put its mode back to 0600", () => {
    engineEnvironment(dir, {});
    const file = passphraseFile(dir);
    const first = readFileSync(file, "utf8");
    chmodSync(file, 0o644);
    engineEnvironment(dir, {});
    expect(readFileSync(file, "utf8")).toBe(first);
    expect(mode(file)).toBe(0o600);
  });

  test("each project gets its own random passphrase", () => {
    const other = mkdtempSync(path.join(tmpdir(), "pgs-env-"));
    try {
      writeFileSync(path.join(other, "Pulumi.yaml"), "name: pgs\nruntime: nodejs\n");
      engineEnvironment(dir, {});
      engineEnvironment(other, {});
      expect(readFileSync(passphraseFile(dir), "utf8")).not.toBe(readFileSync(passphraseFile(other), "utf8"));
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  test("a passphrase the operator set wins: none is generated", () => {
    const e = engineEnvironment(dir, { PULUMI_CONFIG_PASSPHRASE: "" });
    expect(e.secrets).toBe("passphrase from PULUMI_CONFIG_PASSPHRASE");
    expect(e.envVars).not.toHaveProperty("PULUMI_CONFIG_PASSPHRASE_FILE");
    expect(existsSync(passphraseFile(dir))).toBe(false);
    expect(e.localBackend).toBe(true);
    expect(existsSync(path.join(dir, ".pgs", "state"))).toBe(true);
  });

  test("a passphrase file the operator set wins and is named", () => {
    const e = engineEnvironment(dir, { PULUMI_CONFIG_PASSPHRASE_FILE: "/etc/pgs/passphrase" });
    expect(e.secrets).toBe("passphrase from PULUMI_CONFIG_PASSPHRASE_FILE (/etc/pgs/passphrase)");
    expect(existsSync(passphraseFile(dir))).toBe(false);
  });
});

describe("a backend of the operator's", () => {
  test("PULUMI_BACKEND_URL: used as is; no local state or passphrase; the stack's secrets provider decides", () => {
    const e = engineEnvironment(dir, { PULUMI_BACKEND_URL: "s3://pgs-state?region=eu-central-1" });
    expect(e.backendUrl).toBe("s3://pgs-state?region=eu-central-1");
    expect(e.envVars.PULUMI_BACKEND_URL).toBe("s3://pgs-state?region=eu-central-1");
    expect(e.localBackend).toBe(false);
    expect(e.secrets).toMatch(/^the stack's secrets provider/);
    expect(existsSync(stateDir(dir))).toBe(false);
  });

  test("Pulumi.yaml's backend.url, when PULUMI_BACKEND_URL is not set", () => {
    writeFileSync(path.join(dir, "Pulumi.yaml"), "name: pgs\nruntime: nodejs\nbackend:\n  url: https://api.pulumi.com\n");
    const e = engineEnvironment(dir, {});
    expect(e.backendUrl).toBe("https://api.pulumi.com");
    expect(e.localBackend).toBe(false);
    expect(existsSync(stateDir(dir))).toBe(false);
  });

  test("PULUMI_BACKEND_URL wins over Pulumi.yaml; an empty one counts as unset", () => {
    writeFileSync(path.join(dir, "Pulumi.yaml"), "name: pgs\nruntime: nodejs\nbackend:\n  url: file:///var/lib/pgs-state\n");
    expect(engineEnvironment(dir, { PULUMI_BACKEND_URL: "gs://bucket" }).backendUrl).toBe("gs://bucket");
    expect(engineEnvironment(dir, { PULUMI_BACKEND_URL: "" }).backendUrl).toBe("file:///var/lib/pgs-state");
  });

  test("with a passphrase set, a non-local backend says so", () => {
    const e = engineEnvironment(dir, { PULUMI_BACKEND_URL: "gs://bucket", PULUMI_CONFIG_PASSPHRASE: "x" });
    expect(e.secrets).toBe("passphrase from PULUMI_CONFIG_PASSPHRASE");
  });
});

test("the CLI skips update checks and finds this checkout's node_modules first, the operator's NODE_PATH after", () => {
  const e = engineEnvironment(dir, { PULUMI_BACKEND_URL: "gs://bucket", NODE_PATH: "/opt/node/lib" });
  expect(e.envVars.PULUMI_SKIP_UPDATE_CHECK).toBe("true");
  expect(e.envVars.NODE_PATH).toBe([path.join(ROOT, "node_modules"), "/opt/node/lib"].join(path.delimiter));
  expect(engineEnvironment(dir, { PULUMI_BACKEND_URL: "gs://bucket" }).envVars.NODE_PATH).toBe(path.join(ROOT, "node_modules"));
});

test("the environment passes on only what the CLI needs, not the caller's whole environment", () => {
  const e = engineEnvironment(dir, { PULUMI_BACKEND_URL: "gs://bucket", HOME: "/root", AWS_SECRET_ACCESS_KEY: "x" });
  expect(Object.keys(e.envVars).sort()).toEqual(["NODE_PATH", "PULUMI_BACKEND_URL", "PULUMI_SKIP_UPDATE_CHECK"]);
});

test("PULUMI_HOME is this checkout's only when scripts/engine.sh made it", () => {
  const e = engineEnvironment(dir, { PULUMI_BACKEND_URL: "gs://bucket" });
  expect(e.pulumiHome).toBe(existsSync(ENGINE.home) ? ENGINE.home : undefined);
});
