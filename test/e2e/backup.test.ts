/**
 * End to end, issue "per-tenant backups and restore": scheduled pg_dump backups with
 * checksums and retention, `pgs backup`/`backups`/`restore` (lib/backups.ts), refusal of a
 * corrupt dump, restore into a new tenant, backups outliving their tenant, and off-host
 * copies in an S3 bucket (a local SeaweedFS) that a restore can read on its own.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { run, psql, type Endpoint } from "./harness/clients";
import { container, docker, eventually, note, notes, sleep, volumeExists } from "./harness/facts";
import { type ConfigChange, dockerChanges, freePort, type TenantEntry, tenantsYaml, TestStack } from "./harness/stack";
import { TEST_LABEL } from "./harness/clients";
import { LOCAL_IMAGES } from "../../lib/localImages";
import type { Naming } from "../../lib/naming";
import { type BackupContext, BackupError, backupNow, listBackups, restoreTenant } from "../../app/ops/backups";
import { dockerBackupHost } from "../../backends/docker/backupHost";
import type { S3Source } from "../../backends/host";
import { offsiteEnv } from "../../lib/postgres/backup";

const RCLONE_IMAGE = LOCAL_IMAGES.rclone;
const SEAWEEDFS_IMAGE = LOCAL_IMAGES.seaweedfs;
const POSTGRES_18 = LOCAL_IMAGES.postgres.replace("{major}", "18");
const S3_NETWORK = "pgs-e2e-s3";
const S3_HOST = "pgs-e2e-seaweedfs";
const S3_ENDPOINT = `http://${S3_HOST}:8333`;
const S3 = { accessKeyId: "pgs-e2e-access", secretAccessKey: "pgs-e2e-Secret-0123456789", bucket: "pgs-backups", prefix: "e2e/backups" };
const EVERY_MINUTE = { every: "1m", keep: 2 };
/** Daily, 12 hours from now: no scheduled run can race the tests that count or pick backups. */
const QUIET = { every: "24h", at: new Date(Date.now() + 12 * 3600_000).toISOString().slice(11, 16), keep: 2 };

let stack: TestStack;
let naming: Naming;
const logs: string[] = [];
const ctx = (): BackupContext => ({ host: dockerBackupHost(naming, POSTGRES_18), log: (l) => logs.push(l) });
const target = (id: string) => {
  const e = stack.endpoint(id);
  return { id, user: e.user, database: e.database };
};
let tenants: TenantEntry[] = [];
const cleanups: (() => void)[] = [];

async function apply(list: TenantEntry[], more: ConfigChange = {}) {
  tenants = list;
  const { steps, ms } = await stack.up(tenantsYaml(list), more);
  note(`backup up: ${ms} ms`);
  return dockerChanges(steps);
}

async function ready(id: string, timeoutMs = 60_000): Promise<void> {
  await eventually(`${id} answers`, timeoutMs, async () => ((await psql(stack.endpoint(id), "select 1")).ok ? true : undefined), 300);
}

const rows = (e: Endpoint) => psql(e, "select count(*) || ':' || coalesce(sum(n), 0) from kept");

async function backupLogLines(id: string): Promise<string[]> {
  const r = await run("docker", ["logs", naming.backupContainer(id)]);
  return (r.stdout + r.stderr).split("\n").filter((l) => l.startsWith("pgs-backup: "));
}

/** Runs rclone against the test bucket (test-only: credentials in env are fine here). */
function rclone(args: string[]) {
  const rcloneEnv = Object.entries(offsiteEnv({ endpoint: S3_ENDPOINT, bucket: S3.bucket, prefix: S3.prefix }, "unused", 1))
    .filter(([k]) => k.startsWith("RCLONE_"))
    .map(([k, v]) => `${k}=${v}`);
  return run("docker", [
    "run",
    "--rm",
    "--network",
    S3_NETWORK,
    "--label",
    "pgs.test=e2e",
    ...[
      ...rcloneEnv,
      `RCLONE_CONFIG_S3_ACCESS_KEY_ID=${S3.accessKeyId}`,
      `RCLONE_CONFIG_S3_SECRET_ACCESS_KEY=${S3.secretAccessKey}`,
    ].flatMap((e) => ["-e", e]),
    RCLONE_IMAGE,
    ...args,
  ]);
}

beforeAll(async () => {
  for (const ref of [RCLONE_IMAGE, SEAWEEDFS_IMAGE]) {
    await docker
      .getImage(ref)
      .inspect()
      .catch((err: Error) => {
        throw new Error(`e2e: image ${ref} is missing (run bash test/e2e/env.sh): ${err.message}`);
      });
  }
  stack = await TestStack.create({ stack: "e2e-backup", port: await freePort(), adminPort: await freePort() });
  naming = stack.naming;
}, 180_000);

afterAll(async () => {
  process.stdout.write(`\ne2e backup measurements:\n${notes.map((n) => `  ${n}`).join("\n")}\n`);
  await stack?.dispose();
  for (const clean of cleanups) clean();
}, 180_000);

test("backup, drop the table, restore: the rows are back, and the tenant still refuses another tenant's password", async () => {
  await apply([{ id: "alpha", backup: QUIET }, { id: "bravo" }]);
  await ready("alpha");
  await ready("bravo");
  const e = stack.endpoint("alpha");
  expect(await psql(e, "create table kept (n int); insert into kept select g from generate_series(1, 1000) g")).toMatchObject({ ok: true });

  const line = await backupNow(ctx(), "alpha");
  expect(line).toMatch(/^pgs-backup: ok tenant=alpha trigger=manual file=alpha-[0-9]{8}T[0-9]{6}Z\.dump bytes=[0-9]+ sha256=[0-9a-f]{64} /);
  expect(await backupLogLines("alpha")).toContainEqual(line);
  const listed = await listBackups(ctx(), "alpha");
  expect(listed.map((b) => b.checksum)).toContain("ok");

  expect(await psql(e, "drop table kept")).toMatchObject({ ok: true });
  const started = Date.now();
  const restored = await restoreTenant({ ...ctx(), source: "alpha", target: target("alpha") });
  note(`restore of a small tenant: ${Date.now() - started} ms`);
  expect(restored.name).toBe(listed[listed.length - 1].name);
  expect(await rows(e)).toMatchObject({ ok: true, out: "1000:500500" });
  expect(logs.join("\n")).toMatch(/1\/3 verifying .*\n2\/3 restoring .*\n3\/3 done/);

  const bravo = stack.endpoint("bravo");
  expect(await psql(e, "select 1", { password: bravo.password })).toMatchObject({
    ok: false,
    out: expect.stringMatching(/password authentication failed for user "alpha"/),
  });
  // The backup container has no published port and sits on alpha's network only.
  const info = (await container(naming.backupContainer("alpha")))!;
  expect(Object.keys(info.NetworkSettings.Networks)).toEqual([stack.naming.network("alpha")]);
  expect(info.HostConfig.PortBindings ?? {}).toEqual({});
  expect(JSON.stringify(info)).not.toContain(e.password);
}, 240_000);

test("the schedule takes backups every minute and retention keeps the newest two", async () => {
  const others = tenants.filter((t) => t.id !== "alpha");
  await apply([{ id: "alpha", backup: EVERY_MINUTE }, ...others]);
  // Whatever exists now (the manual backup, and a scheduled one if a minute boundary
  // passed during the previous test) must be pruned once two newer scheduled runs succeed.
  const before = (await listBackups(ctx(), "alpha")).map((b) => b.name);
  expect(before.length).toBeGreaterThan(0);
  const { value: scheduled, ms } = await eventually(
    "two new scheduled backups",
    200_000,
    async () => {
      const files = (await backupLogLines("alpha"))
        .map((l) => /^pgs-backup: ok .*trigger=scheduled file=(\S+)/.exec(l)?.[1])
        .filter((f): f is string => f !== undefined && !before.includes(f));
      return files.length >= 2 ? files : undefined;
    },
    2000,
  );
  note(`two scheduled backups seen after ${ms} ms`);
  const now = await listBackups(ctx(), "alpha");
  expect(now.map((b) => b.name).sort()).toEqual(scheduled.slice(-2).sort());
  expect(now.every((b) => b.checksum === "ok")).toBe(true);
  for (const name of before) expect(now.map((b) => b.name)).not.toContain(name);
  expect((await backupLogLines("alpha")).some((l) => / pruned=[1-9]/.test(l))).toBe(true);
  await apply([{ id: "alpha", backup: QUIET }, ...others]);
  expect(await listBackups(ctx(), "alpha")).toHaveLength(2);
}, 240_000);

test("a corrupted backup is detected by its checksum and refused; nothing changes", async () => {
  const e = stack.endpoint("alpha");
  expect(await psql(e, "insert into kept values (-1)")).toMatchObject({ ok: true });
  const [, newest] = await listBackups(ctx(), "alpha");
  await run("docker", [
    "run",
    "--rm",
    "--network",
    "none",
    "--label",
    "pgs.test=e2e",
    "-v",
    `${naming.backupVolume("alpha")}:/backups`,
    "--entrypoint",
    "sh",
    POSTGRES_18,
    "-c",
    `printf 'XXXX' | dd of=/backups/${newest.name} bs=1 seek=200 conv=notrunc 2>/dev/null`,
  ]);
  expect((await listBackups(ctx(), "alpha")).find((b) => b.name === newest.name)!.checksum).toBe("BAD");
  const before = (await container(stack.naming.container("alpha")))!.Id;
  await expect(restoreTenant({ ...ctx(), source: "alpha", target: target("alpha"), from: newest.name })).rejects.toThrow(
    new RegExp(`backup ${newest.name} of alpha is corrupt: its sha256 does not match; refusing to restore, nothing was changed`),
  );
  await expect(restoreTenant({ ...ctx(), source: "alpha", target: target("alpha"), from: "alpha-20000101T000000Z.dump" })).rejects.toThrow(
    /does not exist \(available: alpha-.*\); refusing to restore, nothing was changed/,
  );
  expect(await rows(e)).toMatchObject({ ok: true, out: "1001:500499" });
  expect((await container(stack.naming.container("alpha")))!.Id).toBe(before);
  // Not confirmed: nothing happens either.
  await expect(restoreTenant({ ...ctx(), source: "alpha", target: target("alpha"), confirm: async () => false })).rejects.toThrow(
    BackupError,
  );
  expect(await rows(e)).toMatchObject({ ok: true, out: "1001:500499" });
}, 120_000);

test("restore into a new tenant id gives an independent copy", async () => {
  await apply([...tenants, { id: "charlie" }]);
  await ready("charlie");
  const [older] = await listBackups(ctx(), "alpha");
  await restoreTenant({ ...ctx(), source: "alpha", target: target("charlie"), from: older.name });
  const c = stack.endpoint("charlie");
  expect(await rows(c)).toMatchObject({ ok: true, out: "1000:500500" });
  expect(await psql(c, "select tableowner from pg_tables where tablename = 'kept'")).toMatchObject({ ok: true, out: "charlie" });
  expect(await psql(c, "delete from kept")).toMatchObject({ ok: true });
  expect(await rows(stack.endpoint("alpha"))).toMatchObject({ ok: true, out: "1001:500499" });
  expect(await psql(c, "select 1", { password: stack.endpoint("alpha").password })).toMatchObject({ ok: false });
}, 180_000);

test("backups survive the tenant's removal, and a re-added tenant is restored from them", async () => {
  const names = (await listBackups(ctx(), "alpha")).map((b) => b.name);
  const summary = await apply(tenants.filter((t) => t.id !== "alpha"));
  expect(summary.retained).toEqual(["alpha-backups", "alpha-data"]);
  expect(await container(naming.backupContainer("alpha"))).toBeUndefined();
  expect(await volumeExists(naming.backupVolume("alpha"))).toBe(true);
  expect((await listBackups(ctx(), "alpha")).map((b) => b.name)).toEqual(names);

  await apply([{ id: "alpha", backup: QUIET }, ...tenants]);
  await ready("alpha");
  const e = stack.endpoint("alpha");
  expect(await psql(e, "drop table kept")).toMatchObject({ ok: true });
  await restoreTenant({ ...ctx(), source: "alpha", target: target("alpha"), from: names[0] });
  expect(await rows(e)).toMatchObject({ ok: true, out: "1000:500500" });
}, 240_000);

test("a tenant with a 63-character id backs up: the backup container reaches its server by the short network alias", async () => {
  const long = `l${"o".repeat(61)}g`;
  expect(long).toHaveLength(63);
  expect(naming.container(long).length).toBeGreaterThan(63);
  await apply([...tenants, { id: long, backup: QUIET }]);
  await ready(long);
  expect(await psql(stack.endpoint(long), "create table kept (n int); insert into kept values (7)")).toMatchObject({ ok: true });
  expect(await backupNow(ctx(), long)).toMatch(
    new RegExp(`^pgs-backup: ok tenant=${long} trigger=manual file=${long}-[0-9]{8}T[0-9]{6}Z\\.dump `),
  );
  await apply(tenants.filter((t) => t.id !== long));
}, 240_000);

test("with an S3 target, backups are copied to the bucket, pruned there, and a restore from the bucket alone brings the rows back", async () => {
  // A SeaweedFS on a test network; nothing published on the host.
  await docker.createNetwork({ Name: S3_NETWORK, Driver: "bridge", Labels: TEST_LABEL });
  const s3Config = mkdtempSync(path.join(tmpdir(), "pgs-e2e-s3-"));
  writeFileSync(
    path.join(s3Config, "s3.json"),
    JSON.stringify({
      identities: [
        {
          name: "pgs",
          credentials: [{ accessKey: S3.accessKeyId, secretKey: S3.secretAccessKey }],
          actions: ["Admin", "Read", "Write", "List", "Tagging"],
        },
      ],
    }),
  );
  const s3 = await docker.createContainer({
    name: S3_HOST,
    Image: SEAWEEDFS_IMAGE,
    Labels: TEST_LABEL,
    Cmd: [
      "mini",
      "-dir=/data",
      `-ip=${S3_HOST}`,
      "-ip.bind=0.0.0.0",
      "-s3.config=/etc/pgs/s3.json",
      `-bucket=${S3.bucket}`,
      "-admin.ui=false",
    ],
    HostConfig: { NetworkMode: S3_NETWORK, Tmpfs: { "/data": "", "/tmp": "" }, Binds: [`${s3Config}:/etc/pgs:ro`] },
  });
  await s3.start();
  cleanups.push(() => rmSync(s3Config, { recursive: true, force: true }));
  await eventually(
    "SeaweedFS S3 answers",
    60_000,
    async () => ((await rclone(["lsf", `s3:${S3.bucket}/`])).code === 0 ? true : undefined),
    1000,
  );

  const config = {
    backupS3Endpoint: S3_ENDPOINT,
    backupS3Bucket: S3.bucket,
    backupS3Prefix: S3.prefix,
    rcloneImage: RCLONE_IMAGE,
    backupNetwork: S3_NETWORK,
  };
  const secretConfig = { backupS3AccessKeyId: S3.accessKeyId, backupS3SecretAccessKey: S3.secretAccessKey };
  await apply([...tenants, { id: "delta", backup: { every: "24h", at: "03:00", keep: 2 } }], { config, secretConfig });
  await ready("delta");
  const e = stack.endpoint("delta");
  expect(await psql(e, "create table kept (n int); insert into kept select g from generate_series(1, 300) g")).toMatchObject({ ok: true });
  const remote = `s3:${S3.bucket}/${S3.prefix}/delta/`;
  const remoteDumps = async () => (await rclone(["lsf", remote])).stdout.split("\n").filter((l) => l.endsWith(".dump"));

  const taken: string[] = [];
  for (let i = 0; i < 3; i++) {
    const line = await backupNow(ctx(), "delta");
    taken.push(/file=(\S+)/.exec(line)![1]);
    const { ms } = await eventually(
      `${taken[i]} in the bucket`,
      60_000,
      async () => ((await remoteDumps()).includes(taken[i]) ? true : undefined),
      1000,
    );
    note(`off-host copy visible after ${ms} ms`);
    if (i < 2) await sleep(1100);
  }
  await eventually("remote retention to two", 30_000, async () => ((await remoteDumps()).length === 2 ? true : undefined), 1000);
  expect(await remoteDumps()).toEqual(taken.slice(1));
  expect((await rclone(["lsf", remote])).stdout).toContain(`${taken[2]}.sha256`);
  const offsiteInfo = JSON.stringify(await container(naming.offsiteContainer("delta")));
  expect(offsiteInfo).not.toContain(S3.secretAccessKey);

  // The local backups are lost: only the bucket has them.
  await docker.getContainer(naming.backupContainer("delta")).remove({ force: true });
  await docker.getContainer(naming.offsiteContainer("delta")).remove({ force: true });
  await docker.getVolume(naming.backupVolume("delta")).remove();
  const dropped = await psql(e, "drop table kept");
  expect({ ok: dropped.ok, out: dropped.ok ? "" : dropped.out }).toEqual({ ok: true, out: "" });
  const source: S3Source = {
    endpoint: config.backupS3Endpoint,
    bucket: S3.bucket,
    prefix: S3.prefix,
    accessKeyId: S3.accessKeyId,
    secretAccessKey: S3.secretAccessKey,
    rcloneImage: RCLONE_IMAGE,
    network: S3_NETWORK,
  };
  const started = Date.now();
  const restored = await restoreTenant({ ...ctx(), source: "delta", target: target("delta"), s3: source });
  note(`restore from S3: ${Date.now() - started} ms`);
  expect(restored.name).toBe(taken[2]);
  expect(await rows(e)).toMatchObject({ ok: true, out: "300:45150" });
  // The remote copies were not touched by losing the local volume.
  expect(await remoteDumps()).toEqual(taken.slice(1));
}, 400_000);
