/** lib/tenants/reservedNames.ts: the database (and role) names PostgreSQL or the server itself keeps. */
import { RESERVED_ROLE_NAMES, RESERVED_ROLE_PREFIX, refusedDatabaseName } from "../../../../lib/tenants/reservedNames";

test.each(["pg_", "pg_monitor", "pg_read_all_data", "pg_acme"])("%s is refused for its pg_ prefix, saying why", (name) => {
  const reason = refusedDatabaseName(name);
  expect(reason).toMatch(/^cannot start with "pg_": /);
  expect(reason).toMatch(/also the tenant's login role/);
});

test.each(["public", "none"])("%s is refused even quoted, as a role name PostgreSQL keeps", (name) => {
  expect(refusedDatabaseName(name)).toBe(
    `cannot be ${name}: PostgreSQL reserves it as a role name, and the database name is also the tenant's login role`,
  );
});

test("the template databases and the server's own postgres are refused", () => {
  expect(refusedDatabaseName("template0")).toBe("cannot be a template database");
  expect(refusedDatabaseName("template1")).toBe("cannot be a template database");
  expect(refusedDatabaseName("postgres")).toMatch(/^cannot be postgres: .*superuser/);
});

test.each([
  "acme",
  "pg",
  "pgx_data",
  "app_pg_",
  "public_data",
  "nobody",
  "postgres2",
  "my_postgres",
  "template2",
  "template",
  // SQL keywords are names like any other once quoted, as pgs always quotes roles.
  "user",
  "current_user",
  "session_user",
  "all",
])("%s is an ordinary name", (name) => {
  expect(refusedDatabaseName(name)).toBeUndefined();
});

test("the exported prefix and names are the ones refused", () => {
  expect(refusedDatabaseName(`${RESERVED_ROLE_PREFIX}anything`)).toMatch(/^cannot start with /);
  for (const name of RESERVED_ROLE_NAMES) expect(refusedDatabaseName(name)).toMatch(/^cannot be /);
});
