-- pgs: the tenant's role, its database's owner and both passwords, as the program says.
-- Idempotent: creates what is missing, then sets every attribute pgs owns.
-- psql variables (sync-roles.sh): role, database, superuser (on|off). The passwords arrive as
-- SCRAM verifiers in files, so the tenant's password never enters the server's container.

-- Whatever log_statement is set to, these statements must not reach the log.
SET log_statement = 'none';
SET log_min_duration_statement = -1;
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
