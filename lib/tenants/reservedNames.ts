/**
 * The names a tenant's database cannot have. The database's name is also the tenant's login role
 * (Tenant.user), so it must be a name PostgreSQL accepts for a role, even quoted as pgs always
 * writes it (lib/postgres/files/sync-roles.sql: `CREATE ROLE %I`, `ALTER ROLE :"role"`):
 *  - the `pg_` prefix: src/backend/commands/user.c refuses it (IsReservedName) when a role is
 *    created ("Role names starting with "pg_" are reserved"), and the predefined pg_* roles
 *    (pg_monitor, pg_read_all_data, ...) when one is altered ("Cannot alter reserved roles");
 *  - `public` and `none`: src/backend/parser/gram.y (RoleSpec, RoleId) compares the name after
 *    the lexer has removed the quotes, so "public" and "none" are refused quoted too.
 * CURRENT_USER, SESSION_USER, CURRENT_ROLE, USER, ALL and the other SQL keywords are keywords only
 * unquoted: quoted, they are names like any other. test/e2e/reservedNames.test.ts offers every
 * refused name, and keywords, to the real servers.
 * Besides those, names of the server itself: its bootstrap superuser and the template databases.
 */

/** Role names with this prefix are PostgreSQL's own. */
export const RESERVED_ROLE_PREFIX = "pg_";
/** Role names PostgreSQL refuses whatever the quoting. */
export const RESERVED_ROLE_NAMES: readonly string[] = ["public", "none"];

/** What is wrong with `name` as a tenant's database (and role) name, as "cannot ..."; undefined when nothing is. */
export function refusedDatabaseName(name: string): string | undefined {
  if (name.startsWith(RESERVED_ROLE_PREFIX)) {
    return `cannot start with "${RESERVED_ROLE_PREFIX}": PostgreSQL reserves those names for its own roles, and the database name is also the tenant's login role`;
  }
  if (RESERVED_ROLE_NAMES.includes(name)) {
    return `cannot be ${name}: PostgreSQL reserves it as a role name, and the database name is also the tenant's login role`;
  }
  if (name === "template0" || name === "template1") return "cannot be a template database";
  if (name === "postgres") return "cannot be postgres: that name belongs to the server's own superuser and maintenance database";
  return undefined;
}
