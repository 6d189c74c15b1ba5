/** TenantBackup: what a tenant with `backup:` gets, through the whole program under mocks. */
import { envList } from "../../../../lib/docker/inputs";
import { BACKUP_FILES, backupEnv, OFFSITE_FILES } from "../../../../lib/postgres/backup";
import { resolveTenant } from "../../../../lib/tenants/tenant";
import { thrownBy, underMocks } from "../../helpers/component";
import { Graph, labelMap, plan, PREFIX, STACK, tenantsYaml, TYPES } from "../../helpers/program";

const BACKUP_TYPE = "pgs:docker:TenantBackup";
const S3_CONFIG = {
  backupS3Endpoint: "http://s3.internal:8333",
  backupS3Bucket: "pgs-backups",
  backupS3Prefix: "prod/eu",
  rcloneImage: "pgs-local/rclone:1.75.2",
};
const S3_SECRETS = { backupS3AccessKeyId: "AKIDEXAMPLE", backupS3SecretAccessKey: "s3-Secret-Key-Example-123" };

describe("TenantBackup in the program", () => {
  const yaml = tenantsYaml(
    `
  - id: acme
  - id: globex
    backup: off
  - id: umbrella
    state: stopped
  - id: hooli
    onRemove: delete`,
    `  backup: { every: 1h, keep: 3 }`,
  );

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
    const acme = resolveTenant(
      { id: "acme" },
      { apiVersion: "pgs/v1", defaults: { backup: { every: "1h", keep: 3 } }, tenants: [] },
      "pgs.example.com",
    );
    expect(inputs.envs).toEqual(envList(backupEnv(acme, acme.backup!, "postgres")));
    expect(inputs.entrypoints).toEqual([BACKUP_FILES.loop]);
    // The image's VOLUME gets a small tmpfs, so no anonymous volume is left behind.
    expect(inputs.mounts).toEqual([{ type: "tmpfs", target: "/var/lib/postgresql", tmpfsOptions: { sizeBytes: 1048576 } }]);
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
    expect(
      g
        .ofType(BACKUP_TYPE)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["acme", "hooli", "umbrella"]);
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
    expect(acme.envs).toContain("PGS_REMOTE=s3:pgs-backups/prod/eu/acme/");
    expect(acme.command).toEqual(["loop"]);
  });

  test("without tenants that back up, no copier runs, but the S3 target still needs its credentials", async () => {
    const g = new Graph(await plan({ tenants: tenantsYaml("  - id: acme"), config: S3_CONFIG, secretConfig: S3_SECRETS }));
    expect(g.ofType(BACKUP_TYPE)).toEqual([]);
    await expect(plan({ tenants: tenantsYaml("  - id: acme"), config: S3_CONFIG })).rejects.toThrow(/pgs:backupS3AccessKeyId is not set/);
  });
});

describe("TenantBackup's own checks", () => {
  const file = { apiVersion: "pgs/v1" as const, tenants: [] };
  const construct = (entry: Record<string, unknown>, args: Record<string, unknown>) =>
    underMocks(async (p) => {
      const { TenantBackup } = await import("../../../../components/docker/tenantBackup");
      const { Naming } = await import("../../../../lib/naming");
      return thrownBy(
        () =>
          new TenantBackup("acme", {
            tenant: resolveTenant({ id: "acme", ...entry }, file, "pgs.example.com"),
            naming: new Naming("unit", PREFIX),
            networkName: "net",
            password: p.output("pw"),
            ...args,
          }),
      );
    });

  test("throws when the tenant has no backup policy", async () => {
    expect(await construct({}, { imageId: "img" })).toEqual(new Error("TenantBackup acme: tenant acme has no `backup` policy."));
  });

  test("throws when a running tenant has no imageId or no server", async () => {
    expect(await construct({ backup: { every: "1h", keep: 1 } }, {})).toEqual(
      new Error("TenantBackup acme: a running tenant needs `imageId` and `server`."),
    );
  });

  test("a stopped tenant needs neither", async () => {
    expect(await construct({ state: "stopped", backup: { every: "1h", keep: 1 } }, {})).toBeUndefined();
  });
});
