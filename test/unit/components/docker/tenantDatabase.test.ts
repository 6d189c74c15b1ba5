/** TenantDatabase constructed directly: its own checks and what it exports. */
import { resolveTenant } from "../../../../lib/tenants/tenant";
import { thrownBy, underMocks, promiseOf } from "../../helpers/component";

const file = { apiVersion: "pgs/v1" as const, tenants: [] };
const tenant = (entry: Record<string, unknown>) => resolveTenant({ id: "acme", ...entry }, file, "pgs.example.com");
const ingress = { containerName: "pgs-unit-traefik", containerId: "traefik-id" };

test("throws when a running tenant has no imageId or server files; a stopped one needs neither", async () => {
  const errors = await underMocks(async () => {
    const { TenantDatabase } = await import("../../../../components/docker/tenantDatabase");
    const { Naming } = await import("../../../../lib/naming");
    const naming = new Naming("unit", "pgs-unit-");
    return [
      thrownBy(
        () => new TenantDatabase("acme", { tenant: tenant({}), naming, ingressPort: 5432, storageDir: "/var/lib/pgs/storage", ingress }),
      ),
      thrownBy(
        () =>
          new TenantDatabase("umbrella", {
            tenant: tenant({ id: "umbrella", state: "stopped" }),
            naming,
            ingressPort: 5432,
            storageDir: "/var/lib/pgs/storage",
            ingress,
          }),
      ),
    ];
  });
  expect(errors).toEqual([new Error("TenantDatabase acme: a running tenant needs `imageId` and `serverFiles`."), undefined]);
});

test("exports its password and connection string as secrets, even from a plain custom password", async () => {
  const seen = await underMocks(async (p) => {
    const { TenantDatabase } = await import("../../../../components/docker/tenantDatabase");
    const { ServerFiles } = await import("../../../../components/docker/serverFiles");
    const { Naming } = await import("../../../../lib/naming");
    const naming = new Naming("unit", "pgs-unit-");
    const serverFiles = new ServerFiles("server-files", { naming, imageId: "img" }).ref;
    const generated = new TenantDatabase("acme", {
      tenant: tenant({}),
      naming,
      imageId: "img",
      serverFiles,
      ingressPort: 5432,
      storageDir: "/var/lib/pgs/storage",
      ingress,
    });
    const custom = new TenantDatabase("globex", {
      tenant: tenant({ id: "globex" }),
      naming,
      imageId: "img",
      serverFiles,
      ingressPort: 5432,
      storageDir: "/var/lib/pgs/storage",
      ingress,
      customPassword: p.output("plain custom/pw"),
    });
    return Promise.all(
      [generated, custom].map(async (db) => ({
        secret: [await p.isSecret(db.password), await p.isSecret(db.connectionString)],
        password: await promiseOf(db.password),
        connectionString: await promiseOf(db.connectionString),
      })),
    );
  });
  expect(seen).toEqual([
    {
      secret: [true, true],
      password: "generated-acme-password",
      connectionString: "postgresql://acme:generated-acme-password@acme.pgs.example.com:5432/acme?sslmode=verify-full",
    },
    {
      secret: [true, true],
      password: "plain custom/pw",
      connectionString: "postgresql://globex:plain%20custom%2Fpw@globex.pgs.example.com:5432/globex?sslmode=verify-full",
    },
  ]);
});
