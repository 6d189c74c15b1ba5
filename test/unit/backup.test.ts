/**
 * Backups: the `backup:` policy (defaults, per-tenant override, off), the schedule, the
 * scripts' safety properties, and what the program creates for a tenant with backups.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  BACKUP_FILES, backupLoopScript, backupNowScript, BackupScriptSpec, dumpNameEre, dumpTime, OFFSITE_FILES, offsiteLoopScript, remoteFolder,
} from "../../lib/backupScripts";
import { readStackSettings, StackConfigError } from "../../lib/stackSettings";
import { resolveBackup, resolveTenant } from "../../lib/tenant";
import { parseTenantsFile } from "../../lib/tenantsFile";
import { Graph, labelMap, plan, PREFIX, STACK, tenantsYaml, TYPES } from "./helpers/program";

const CONTEXT = { baseDomain: "pgs.example.com", certificateNames: ["*.pgs.example.com"] };
const BACKUP_TYPE = "pgs:index:TenantBackup";
const S3_CONFIG = { backupS3Endpoint: "http://s3.internal:8333", backupS3Bucket: "pgs-backups", backupS3Prefix: "prod/eu", rcloneImage: "pgs-local/rclone:1.75.2" };
const S3_SECRETS = { backupS3AccessKeyId: "AKIDEXAMPLE", backupS3SecretAccessKey: "s3-Secret-Key-Example-123" };

const tenantsOf = (yaml: string) => parseTenantsFile(yaml, "tenants.yaml", CONTEXT);

describe("the backup policy", () => {
  test("is off unless defaults or the tenant set it", () => {
    expect(tenantsOf(tenantsYaml("  - id: acme"))[0].backup).toBeUndefined();
  });

  test("defaults apply to every tenant; a tenant's own value replaces them wholesale, and off disables", () => {
    const [acme, globex, initech] = tenantsOf(tenantsYaml(`
  - id: acme
  - id: globex
    backup: { every: 1h, keep: 3 }
  - id: initech
    backup: off`, `  backup: { every: 24h, at: "03:00", keep: 7 }`));
    expect(acme.backup).toEqual({ every: "24h", everySeconds: 86400, at: "03:00", anchorSeconds: 10800, keep: 7 });
    expect(globex.backup).toEqual({ every: "1h", everySeconds: 3600, at: "00:00", anchorSeconds: 0, keep: 3 });
    expect(initech.backup).toBeUndefined();
  });

  test("minutes, hours and days are the units", () => {
    expect(resolveBackup(undefined, { every: "1m", keep: 1 })!.everySeconds).toBe(60);
    expect(resolveBackup(undefined, { every: "7d", keep: 1 })!.everySeconds).toBe(7 * 86400);
    expect(resolveBackup({ every: "1m", keep: 1 }, "off")).toBeUndefined();
  });

  test("the schedule runs at `at` + k × every (UTC): the loop script's first sleep", () => {
    // The real loop script under sh, with `date` frozen and `sleep` reporting its argument and ending the loop.
    const dir = mkdtempSync(path.join(tmpdir(), "pgs-schedule-"));
    try {
      writeFileSync(path.join(dir, "date"), '#!/bin/sh\necho "$FAKE_NOW"\n', { mode: 0o755 });
      writeFileSync(path.join(dir, "sleep"), '#!/bin/sh\necho "sleep $1"\nkill -TERM $PPID\n', { mode: 0o755 });
      const firstSleep = (every: string, at: string, iso: string) => {
        const [tenant] = tenantsOf(tenantsYaml(`  - id: acme\n    backup: { every: ${every}, at: "${at}", keep: 1 }`));
        const script = path.join(dir, "loop.sh");
        writeFileSync(script, backupLoopScript({ tenantId: "acme", host: "h", role: "acme", database: "acme", policy: tenant.backup! }));
        let out = "";
        try {
          execFileSync("sh", [script], { env: { PATH: `${dir}:/usr/bin:/bin`, FAKE_NOW: String(Date.parse(iso) / 1000) }, encoding: "utf8" });
        } catch (err) {
          out = (err as { stdout: string }).stdout;
        }
        return Number(/^sleep ([0-9]+)$/m.exec(out)?.[1]);
      };
      expect(firstSleep("24h", "03:00", "2025-01-01T02:00:00Z")).toBe(3600);
      expect(firstSleep("24h", "03:00", "2025-01-01T03:00:00Z")).toBe(86400);
      expect(firstSleep("24h", "03:00", "2025-01-01T04:00:00Z")).toBe(23 * 3600);
      expect(firstSleep("6h", "03:30", "2025-01-01T10:00:00Z")).toBe(5.5 * 3600);
      expect(firstSleep("1m", "00:00", "2025-01-01T10:00:42Z")).toBe(18);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("dump name patterns for the scripts match what the program lists", () => {
    const grep = (pattern: string, names: string[]) =>
      execFileSync("grep", ["-E", pattern], { input: names.join("\n"), encoding: "utf8" }).split("\n").filter(Boolean);
    const names = ["acme-20250102T030405Z.dump", "acme-20250102T030405Z.dump.sha256", "acme-latest.dump", "acme-x-20250102T030405Z.dump"];
    expect(grep(dumpNameEre("acme"), names)).toEqual(["acme-20250102T030405Z.dump"]);
    expect(grep(dumpNameEre("acme", true), names)).toEqual(["acme-20250102T030405Z.dump", "acme-20250102T030405Z.dump.sha256"]);
  });

  test("dump names carry their UTC time", () => {
    expect(dumpTime("acme-20250102T030405Z.dump")).toEqual(new Date("2025-01-02T03:04:05Z"));
    expect(dumpTime("acme-latest.dump")).toBeUndefined();
  });
});

describe("the scripts", () => {
  const spec: BackupScriptSpec = {
    tenantId: "acme", host: `${PREFIX}acme`, role: "acme", database: "acme",
    policy: { every: "1h", everySeconds: 3600, at: "00:00", anchorSeconds: 0, keep: 3 },
  };

  test("the password comes from a file into PGPASSWORD, never onto a command line", () => {
    const script = backupNowScript(spec);
    expect(script).toContain(`PGPASSWORD=$(cat ${BACKUP_FILES.password})`);
    expect(script).toMatch(/pg_dump -Fc --no-password -h pgs-unit-acme -p 5432 -U acme -d acme/);
  });

  test("a dump is renamed into place only after its checksum, and pruning happens only after success", () => {
    const script = backupNowScript(spec);
    const lines = script.split("\n");
    const checksum = lines.findIndex((l) => l.includes('"$tmp.sha256" ||'));
    const rename = lines.findIndex((l) => l.startsWith('mv "$tmp.sha256"'));
    const prune = lines.findIndex((l) => l.startsWith("for old in"));
    expect(checksum).toBeGreaterThan(0);
    expect(rename).toBeGreaterThan(checksum);
    expect(prune).toBeGreaterThan(rename);
    expect(script).toContain("tail -n +4");
    // every failure path exits before the prune
    expect(script).toMatch(/fail\(\) \{[^}]*exit 1/);
  });

  test("off-host copies use rclone copy (never sync) and keep the newest `keep` remotely", () => {
    const script = offsiteLoopScript({ tenantId: "acme", bucket: "b", prefix: "x/y", keep: 2 });
    expect(script).toContain("rclone copy");
    expect(script).not.toMatch(/rclone sync/);
    expect(script).toContain("tail -n +3");
    expect(script).toContain(`<${OFFSITE_FILES.credentials}`);
    expect(remoteFolder("b", "x/y/", "acme")).toBe("s3:b/x/y/acme/");
    expect(remoteFolder("b", "", "acme")).toBe("s3:b/acme/");
  });
});

describe("the S3 target in stack config", () => {
  const base: Record<string, string> = {
    baseDomain: "pgs.example.com", tenantsFile: "tenants.yaml", namePrefix: "", publishAddress: "0.0.0.0", publishPort: "5432",
    adminAddress: "127.0.0.1:8080", ping: "true", metrics: "false", dialTimeout: "5s", dockerSocket: "/var/run/docker.sock",
    traefikImage: "traefik:v3.7", postgresImage: "postgres:{major}", postgresImages: "", certificateMode: "selfSigned",
    certificateValidityDays: "365", tlsCertificate: "", tlsCaCertificate: "",
  };
  const read = (extra: Record<string, string>) => readStackSettings((k) => ({ ...base, ...extra })[k], "pgs", "dev");

  test("is off without an endpoint, and parsed with one", () => {
    expect(read({}).backupS3).toBeUndefined();
    expect(read({ backupS3Endpoint: "" }).backupS3).toBeUndefined();
    expect(read(S3_CONFIG).backupS3).toEqual({ endpoint: "http://s3.internal:8333", bucket: "pgs-backups", prefix: "prod/eu", rcloneImage: "pgs-local/rclone:1.75.2", network: "" });
  });

  test("an endpoint without a bucket is refused", () => {
    expect(() => read({ backupS3Endpoint: "http://s3.internal:8333" })).toThrow(StackConfigError);
    expect(() => read({ backupS3Endpoint: "s3.internal", backupS3Bucket: "b-1" })).toThrow(/pgs:backupS3Endpoint must be an http\(s\) URL/);
  });
});

describe("the program", () => {
  const yaml = tenantsYaml(`
  - id: acme
  - id: globex
    backup: off
  - id: umbrella
    state: stopped
  - id: hooli
    onRemove: delete`, `  backup: { every: 1h, keep: 3 }`);

  test("a tenant with backups gets a kept backup volume and a backup container on its own network only", async () => {
    const g = new Graph(await plan({ tenants: yaml }));
    const backup = g.ofType(BACKUP_TYPE).find((r) => r.name === "acme")!;
    expect(backup.parent).toBe(g.tenant("acme").urn);
    const children = g.childrenOf(backup);
    const volume = children.find((r) => r.type === TYPES.volume)!;
    const container = children.find((r) => r.type === TYPES.container)!;
    expect(volume.name).toBe("acme-backups");
    expect(volume.inputs.name).toBe(`${PREFIX}acme-backups`);
    expect(labelMap(volume.inputs.labels)).toEqual({ "pgs.stack": STACK, "pgs.tenant": "acme", "pgs.role": "backups" });
    expect(volume.options.retainOnDelete).toBe(true);
    expect(container.name).toBe("acme-backup");
    const inputs = container.inputs;
    expect(inputs.name).toBe(`${PREFIX}acme-backup`);
    expect(inputs.image).toBe(g.container("acme").inputs.image);
    expect(inputs.networksAdvanced).toEqual([{ name: `${PREFIX}acme-net` }]);
    expect(inputs.ports).toBeUndefined();
    expect(inputs.envs).toBeUndefined();
    expect(inputs.entrypoints).toEqual([BACKUP_FILES.loop]);
    expect(labelMap(inputs.labels)).toEqual({ "pgs.stack": STACK, "pgs.tenant": "acme", "pgs.role": "backup" });
    expect(container.options.dependsOn).toContain(g.container("acme").urn);
  });

  test("the tenant's password reaches the backup container only as an uploaded file", async () => {
    const g = new Graph(await plan({ tenants: yaml }));
    const container = g.subtree(g.tenant("acme")).find((r) => r.name === "acme-backup")!;
    const uploads = container.inputs.uploads as { file: string; content: string }[];
    const password = uploads.find((u) => u.file === BACKUP_FILES.password)!.content;
    expect(password).toMatch(/^Gen3rated-acme-password/);
    const others = JSON.stringify({ ...container.inputs, uploads: uploads.filter((u) => u.file !== BACKUP_FILES.password) });
    expect(others).not.toContain(password);
    expect(JSON.stringify(container.displayInputs)).not.toContain(password);
  });

  test("backup: off, a stopped tenant and onRemove: delete", async () => {
    const g = new Graph(await plan({ tenants: yaml }));
    expect(g.ofType(BACKUP_TYPE).map((r) => r.name).sort()).toEqual(["acme", "hooli", "umbrella"]);
    const umbrella = g.childrenOf(g.ofType(BACKUP_TYPE).find((r) => r.name === "umbrella")!);
    expect(umbrella.map((r) => r.type)).toEqual([TYPES.volume]);
    const hooli = g.childrenOf(g.ofType(BACKUP_TYPE).find((r) => r.name === "hooli")!).find((r) => r.type === TYPES.volume)!;
    expect(hooli.options.retainOnDelete).toBe(false);
  });

  test("with an S3 target each backed-up running tenant gets an off-host copier with secret credentials in a file", async () => {
    const g = new Graph(await plan({ tenants: yaml, config: { ...S3_CONFIG, backupNetwork: "s3-net" }, secretConfig: S3_SECRETS }));
    const copiers = g.ofType(TYPES.container).filter((r) => r.name.endsWith("-offsite"));
    expect(copiers.map((r) => r.name).sort()).toEqual(["acme-offsite", "hooli-offsite"]);
    const acme = copiers.find((r) => r.name === "acme-offsite")!.inputs;
    expect(acme.networksAdvanced).toEqual([{ name: `${PREFIX}acme-net` }, { name: "s3-net" }]);
    expect(acme.volumes).toEqual([{ volumeName: `${PREFIX}acme-backups`, containerPath: "/backups", readOnly: true }]);
    expect(acme.envs).toContain("RCLONE_CONFIG_S3_ENDPOINT=http://s3.internal:8333");
    const uploads = acme.uploads as { file: string; content: string }[];
    expect(uploads.find((u) => u.file === OFFSITE_FILES.credentials)!.content).toBe("AKIDEXAMPLE\ns3-Secret-Key-Example-123\n");
    const shown = JSON.stringify(copiers.find((r) => r.name === "acme-offsite")!.displayInputs);
    expect(shown).not.toContain("s3-Secret-Key-Example-123");
    expect(JSON.stringify({ ...acme, uploads: [] })).not.toContain("s3-Secret-Key-Example-123");
    expect(uploads.find((u) => u.file === OFFSITE_FILES.loop)!.content).toContain("s3:pgs-backups/prod/eu/acme/");
  });

  test("without tenants that back up, the S3 target needs no credentials", async () => {
    const g = new Graph(await plan({ tenants: tenantsYaml("  - id: acme"), config: S3_CONFIG }));
    expect(g.ofType(BACKUP_TYPE)).toEqual([]);
  });
});

test("resolveTenant leaves backup out when off, so tenants without backups look as before", () => {
  const t = resolveTenant({ id: "acme" }, { apiVersion: "pgs/v1", tenants: [] }, "pgs.example.com");
  expect("backup" in t).toBe(false);
});
