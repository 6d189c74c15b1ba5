/**
 * The start hook (start.sh → sync-roles.sh → probe.sh) with stand-ins for the image's entrypoint,
 * pg_isready and psql: the major-version guard, and the role sync that makes the container healthy.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { serverEnv } from "../../../../../lib/postgres/server";
import { Sandbox } from "../../../helpers/shell";

let box: Sandbox;
let env: Record<string, string>;

beforeEach(() => {
  box = new Sandbox();
  mkdirSync(box.path("data"));
  env = {
    ...serverEnv({ tenantId: "acme", role: "acme_role", database: "acme_db", superuser: false, major: 18 }),
    PGS_DATA_MOUNT: box.path("data"),
    PGS_READY_FILE: box.path("ready"),
    PGS_MAIN_CONFIG: box.path("main.conf"),
  };
  box.stub("docker-entrypoint.sh", `echo "entrypoint $*"`);
  box.stub("pg_isready", `echo "$*" >>"${box.path("pg_isready.calls")}"`);
  box.stub("psql", `echo "$*" >"${box.path("psql.args")}"`);
});
afterEach(() => box.remove());

async function eventually(what: string, probe: () => boolean): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not happen`);
}

test("on data of its own major, the hook hands over to the image's entrypoint and syncs the roles beside it", async () => {
  mkdirSync(box.path("data", "18", "docker"), { recursive: true });
  writeFileSync(box.path("data", "18", "docker", "PG_VERSION"), "18\n");
  writeFileSync(box.path("ready"), "left over from the last start");
  const r = box.run("start.sh", ["postgres", "-c", "work_mem=8MB"], env);
  expect(r.code).toBe(0);
  // The detached role sync shares the output and may finish first.
  expect(r.stdout.split("\n").sort()).toEqual(["", "entrypoint postgres -c work_mem=8MB", "pgs: tenant role and password are in sync"]);
  await eventually("the role sync", () => existsSync(box.path("psql.args")) && existsSync(box.path("ready")));
  expect(readFileSync(box.path("psql.args"), "utf8").trim()).toMatch(
    /^-X -q -v ON_ERROR_STOP=1 -U postgres -d postgres -v role=acme_role -v database=acme_db -v superuser=off -f .*\/sync-roles\.sql$/,
  );
  expect(readFileSync(box.path("ready"), "utf8")).toBe("");
  // The server's main configuration: initdb's file, then the settings a reload applies.
  expect(readFileSync(box.path("main.conf"), "utf8")).toBe(
    `include_if_exists '${env.PGDATA}/postgresql.conf'\ninclude_if_exists '/etc/pgs/settings.conf'\n`,
  );
});

test.each([
  ["a <=17 volume mounted where 18 keeps data", ["data", "PG_VERSION"], "17"],
  ["a <=17 volume's data directory under the mount", ["data", "data", "PG_VERSION"], "16"],
  ["18's layout holding another major", ["data", "17", "docker", "PG_VERSION"], "17"],
])("%s: the hook refuses to start and names the upgrade command", (_what, file, found) => {
  mkdirSync(box.path(...file.slice(0, -1)), { recursive: true });
  writeFileSync(box.path(...file), `${found}\n`);
  const r = box.run("start.sh", ["postgres"], env);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toContain(
    `pgs: tenant acme: the data volume holds PostgreSQL ${found} data (${box.path(...file)}) but this container runs PostgreSQL 18`,
  );
  expect(r.stderr).toContain("npx pgs upgrade acme --to 18");
});

test("an empty volume starts (initdb follows in the image's entrypoint)", () => {
  const r = box.run("start.sh", ["postgres"], env);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("entrypoint postgres\n");
});

test("a failed role sync stops the server and leaves the container unready", () => {
  box.stub("psql", "exit 3");
  box.stub("pg_ctl", `echo "$*" >"${box.path("pg_ctl.args")}"`);
  const r = box.run("sync-roles.sh", [], env);
  expect(r).toMatchObject({ code: 1, stderr: "pgs: syncing the tenant role failed; stopping the server (the error above says why)\n" });
  // Stopped, the server's container restarts where operators and pgs up see it.
  expect(readFileSync(box.path("pg_ctl.args"), "utf8").trim()).toBe(`-D ${env.PGDATA} stop -m fast`);
  expect(existsSync(box.path("ready"))).toBe(false);
});

test("superuser: true reaches the SQL as superuser=on", () => {
  box.run("sync-roles.sh", [], {
    ...env,
    ...serverEnv({ tenantId: "acme", role: "acme", database: "acme", superuser: true, major: 18 }),
    PGS_READY_FILE: box.path("ready"),
  });
  expect(readFileSync(box.path("psql.args"), "utf8")).toContain("-v superuser=on");
});

describe("probe.sh", () => {
  test("healthy needs the ready mark and a server accepting TCP connections on loopback", () => {
    expect(box.run("probe.sh", [], env).code).not.toBe(0);
    expect(existsSync(box.path("pg_isready.calls"))).toBe(false);
    writeFileSync(box.path("ready"), "");
    expect(box.run("probe.sh", [], env).code).toBe(0);
    expect(readFileSync(box.path("pg_isready.calls"), "utf8")).toBe("-q -h 127.0.0.1 -U postgres -d postgres\n");
    box.stub("pg_isready", "exit 2");
    expect(box.run("probe.sh", [], env).code).toBe(2);
  });

  test("accepting asks only the server", () => {
    expect(box.run("probe.sh", ["accepting"], env).code).toBe(0);
  });
});
