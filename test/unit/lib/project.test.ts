/**
 * The stack's config and tenants file, loaded as the program and the CLI load them; here: keys of
 * pgs's namespace that are no setting of pgs are refused, where they are written, with a guess.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { loadStackFiles, stackConfig, stackFilePath } from "../../../lib/project";
import { StackConfigError } from "../../../lib/stackSettings";

const ROOT = path.resolve(__dirname, "../../..");
const TENANTS = "apiVersion: pgs/v1\ntenants:\n  - id: acme\n    passwordSecret: acmePassword\n";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "pgs-project-"));
  copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  writeFileSync(path.join(dir, "tenants.yaml"), TENANTS);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const SECURE = "{ secure: v1:c2VjcmV0 }";

/** Loads stack dev with Pulumi.dev.yaml's `config:` lines; the stack problems, or [] when it loads. */
function problems(configLines: string[], options: { checkKeys?: boolean; extraKeys?: string[] } = {}): string[] {
  writeFileSync(path.join(dir, "Pulumi.dev.yaml"), ["# the dev stack", "config:", ...configLines.map((l) => `  ${l}`), ""].join("\n"));
  const { project, config } = stackConfig(dir, "dev");
  try {
    loadStackFiles({
      projectDir: dir,
      project,
      stack: "dev",
      config: (key) => config[`${project}:${key}`],
      ...(options.checkKeys === false ? {} : { configKeys: [...Object.keys(config), ...(options.extraKeys ?? [])] }),
    });
    return [];
  } catch (err) {
    if (err instanceof StackConfigError) return err.problems;
    throw err;
  }
}

test("a misspelt setting is refused at its line and column in Pulumi.<stack>.yaml, with the setting it resembles", () => {
  const file = stackFilePath(dir, "dev");
  expect(problems(["pgs:publishAddress: 127.0.0.1", 'pgs:publishPrt: "6432"'])).toEqual([
    `${file}:4:3: unknown stack setting "pgs:publishPrt" (did you mean "pgs:publishPort"?)`,
  ]);
  // Keys may be written without the project's name.
  expect(problems(["baseDomian: example.org"])).toEqual([
    `${file}:3:3: unknown stack setting "pgs:baseDomian" (did you mean "pgs:baseDomain"?)`,
  ]);
});

test("a key like no setting says how to remove it", () => {
  expect(problems(["pgs:colour: blue"])).toEqual([
    `${stackFilePath(dir, "dev")}:3:3: unknown stack setting "pgs:colour" (Pulumi.yaml declares the settings; remove it: pulumi config rm colour --stack dev)`,
  ]);
});

test("every declared setting, the secrets pgs reads and the tenants' passwordSecret keys are known", () => {
  expect(
    problems([
      "pgs:publishPort: '6432'",
      "pgs:namePrefix: pgs-dev-",
      `pgs:tlsPrivateKey: ${SECURE}`,
      `pgs:backupS3AccessKeyId: ${SECURE}`,
      `pgs:acmePassword: ${SECURE}`,
    ]),
  ).toEqual([]);
});

test("a secret no tenant names (a removed tenant's password, kept for its return) is left alone; a plain one is not", () => {
  expect(problems([`pgs:bravoPassword: ${SECURE}`])).toEqual([]);
  expect(problems(["pgs:bravoPassword: plain-text"])).toEqual([
    `${stackFilePath(dir, "dev")}:3:3: unknown stack setting "pgs:bravoPassword" (Pulumi.yaml declares the settings; remove it: pulumi config rm bravoPassword --stack dev)`,
  ]);
});

test("keys of other namespaces belong to their providers", () => {
  expect(problems(["docker:host: unix:///var/run/docker.sock", "kubernetes:context: kind"])).toEqual([]);
});

test("a key set elsewhere than the stack file (the engine's --config) is named without a position", () => {
  expect(problems([], { extraKeys: ["pgs:metric"] })).toEqual([
    `${stackFilePath(dir, "dev")}: unknown stack setting "pgs:metric" (did you mean "pgs:metrics"?)`,
  ]);
});

test("unknown keys are reported together with the settings' own problems", () => {
  expect(problems(["pgs:publishPort: lots", "pgs:publishAdress: 127.0.0.1"])).toEqual([
    `${stackFilePath(dir, "dev")}:4:3: unknown stack setting "pgs:publishAdress" (did you mean "pgs:publishAddress"?)`,
    'pgs:publishPort must be a whole number from 1 to 65535, got "lots"',
  ]);
});

test("an invalid tenants file still lends its passwordSecret names", () => {
  writeFileSync(path.join(dir, "tenants.yaml"), `${TENANTS}    acess: disabled\n`);
  expect(problems(["pgs:acmePassword: plain", "pgs:publishPrt: '1'"])).toEqual([
    `${stackFilePath(dir, "dev")}:4:3: unknown stack setting "pgs:publishPrt" (did you mean "pgs:publishPort"?)`,
  ]);
});

test("without the stack's keys (pgs list, status, …) nothing is checked", () => {
  expect(problems(['pgs:publishPrt: "6432"'], { checkKeys: false })).toEqual([]);
});
