-- pgs: the tenant's role, its database's owner and both passwords, as the program says.
-- Idempotent: creates what is missing, then sets every attribute pgs owns.
-- psql variables (sync-roles.sh): role, database, superuser (on|off). The passwords arrive as
-- SCRAM verifiers in files, so the tenant's password never enters the server's container.

-- Whatever the server logs, these statements must not reach the log, not even when they fail:
-- log_min_error_statement would log a failed ALTER ROLE with its verifier (as STATEMENT: ...),
-- and psql's default verbosity would print the failing line (LINE 1: ...) into the container log.
SET log_statement = 'none';
SET log_min_duration_statement = -1;
SET log_min_error_statement = panic;
\set VERBOSITY terse
\set SHOW_CONTEXT never
\set tenant_verifier `cat "$PGS_TENANT_VERIFIER_FILE"`
\set superuser_verifier `cat "$PGS_SUPERUSER_VERIFIER_FILE"`

SELECT format('CREATE ROLE %I LOGIN', :'role')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
\if :superuser
ALTER ROLE :"role" WITH LOGIN SUPERUSER CREATEDB CREATEROLE PASSWORD :'tenant_verifier';
\else
ALTER ROLE :"role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'tenant_verifier';
\endif

SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'role')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec
ALTER DATABASE :"database" OWNER TO :"role";

-- The bootstrap superuser, which runs this script.
ALTER ROLE CURRENT_USER WITH PASSWORD :'superuser_verifier';
