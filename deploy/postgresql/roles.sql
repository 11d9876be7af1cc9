-- The PostgreSQL roles and database of the screening app: an owner role that owns the tables,
-- and an application role that owns nothing and may only read, insert and update rows.
--
-- Run it as a superuser (it creates roles and the database, and sets default privileges for the
-- owner role), once before the first start and again whenever you want the rights reset:
--
--   psql -h HOST -U postgres -d postgres -v owner_password='...' -v app_password='...' \
--        -f deploy/postgresql/roles.sql
--
-- psql variables (-v name=value) and their defaults:
--   owner_role      screening_owner   owns the tables and the append-only guards. LOGIN, so that
--                                     `python -m screening database init` can connect as it to
--                                     create and upgrade the tables; the app never uses it.
--   app_role        screening_app     the app's role: LOGIN, NOSUPERUSER, NOCREATEDB, NOCREATEROLE,
--                                     NOREPLICATION, NOBYPASSRLS, member of no role, owner of
--                                     nothing; SELECT, INSERT, UPDATE on the tables (the app never
--                                     deletes a row) and USAGE, SELECT on the sequences.
--   database        screening         created (owned by owner_role) when it does not exist; it is
--                                     the app's alone.
--   schema          public            where the tables live.
--   owner_password  (required)        passwords of the two roles; they travel to the server inside
--   app_password    (required)        the statements, so do not run this with statement logging on.
--
-- Then, as the owner role, create the tables and guards, and start the app as the app role:
--
--   SCREENING_DATABASE_URL=postgresql+psycopg://screening_owner:...@HOST/screening \
--       python -m screening database init
--   SCREENING_DATABASE_URL=postgresql+psycopg://screening_app:...@HOST/screening streamlit run app.py
--
-- The app role cannot TRUNCATE or DELETE, cannot alter, disable or drop the triggers that keep
-- audit_events and clinic_events append-only (only the owner can), and cannot set
-- session_replication_role (only a superuser can). Tables the owner creates later (an upgrade)
-- get the same rights through ALTER DEFAULT PRIVILEGES. A database whose tables were created
-- before by another role (a superuser) has them, and their trigger functions, handed to the
-- owner role; whatever the app role owned is handed over too (REASSIGN OWNED).

\set ON_ERROR_STOP on

\if :{?owner_role}
\else
  \set owner_role screening_owner
\endif
\if :{?app_role}
\else
  \set app_role screening_app
\endif
\if :{?database}
\else
  \set database screening
\endif
\if :{?schema}
\else
  \set schema public
\endif
\if :{?owner_password}
\else
  \echo 'roles.sql: give the owner role a password: psql -v owner_password=... (see the top of the file)'
  DO $$ BEGIN RAISE EXCEPTION 'owner_password is not set'; END $$;
\endif
\if :{?app_password}
\else
  \echo 'roles.sql: give the app role a password: psql -v app_password=... (see the top of the file)'
  DO $$ BEGIN RAISE EXCEPTION 'app_password is not set'; END $$;
\endif

SELECT :'owner_role' <> :'app_role' AS distinct_roles \gset
\if :distinct_roles
\else
  \echo 'roles.sql: owner_role and app_role must be two different roles'
  DO $$ BEGIN RAISE EXCEPTION 'owner_role and app_role are the same role'; END $$;
\endif

-- The roles ---------------------------------------------------------------------------------

SELECT format('CREATE ROLE %I', :'owner_role')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner_role') \gexec
SELECT format('CREATE ROLE %I', :'app_role')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_role') \gexec

ALTER ROLE :"owner_role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'owner_password';
ALTER ROLE :"app_role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT
    PASSWORD :'app_password';

-- The app role is a member of no role (not of the owner, nor of pg_write_all_data and the like).
SELECT format('REVOKE %I FROM %I', granted.rolname, :'app_role')
FROM pg_auth_members AS m
JOIN pg_roles AS granted ON granted.oid = m.roleid
JOIN pg_roles AS member ON member.oid = m.member
WHERE member.rolname = :'app_role' \gexec

-- The database ------------------------------------------------------------------------------

SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'owner_role')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec

REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"database" TO :"owner_role", :"app_role";

\connect :"database"
\set ON_ERROR_STOP on

-- Whatever the app role owned (a database it created its tables in before) goes to the owner.
REASSIGN OWNED BY :"app_role" TO :"owner_role";

CREATE SCHEMA IF NOT EXISTS :"schema" AUTHORIZATION :"owner_role";
REVOKE CREATE ON SCHEMA :"schema" FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA :"schema" TO :"owner_role";
GRANT USAGE ON SCHEMA :"schema" TO :"app_role";
ALTER ROLE :"owner_role" IN DATABASE :"database" SET search_path = :"schema";
ALTER ROLE :"app_role" IN DATABASE :"database" SET search_path = :"schema";

-- Tables created before by another role (a superuser), and their trigger functions, go to the
-- owner role, which must own them to upgrade them and to install the append-only guards.
SELECT format('ALTER TABLE %I.%I OWNER TO %I', schemaname, tablename, :'owner_role')
FROM pg_tables
WHERE schemaname = :'schema'
  AND tableowner <> :'owner_role'
  AND tablename IN ('schema_version', 'questionnaire_definitions', 'screenings', 'answers', 'reviews',
                    'audit_events', 'clinic_events') \gexec
SELECT format('ALTER FUNCTION %s OWNER TO %I', p.oid::regprocedure, :'owner_role')
FROM pg_proc AS p
JOIN pg_namespace AS n ON n.oid = p.pronamespace
WHERE n.nspname = :'schema'
  AND p.proname IN ('audit_events_append_only', 'clinic_events_append_only')
  AND pg_get_userbyid(p.proowner) <> :'owner_role' \gexec

-- The app role's rights, on the tables there are and on those the owner creates later.
REVOKE ALL ON ALL TABLES IN SCHEMA :"schema" FROM :"app_role";
REVOKE ALL ON ALL SEQUENCES IN SCHEMA :"schema" FROM :"app_role";
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA :"schema" TO :"app_role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA :"schema" TO :"app_role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner_role" IN SCHEMA :"schema"
    REVOKE ALL ON TABLES FROM :"app_role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner_role" IN SCHEMA :"schema"
    GRANT SELECT, INSERT, UPDATE ON TABLES TO :"app_role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner_role" IN SCHEMA :"schema"
    GRANT USAGE, SELECT ON SEQUENCES TO :"app_role";

\echo 'roles.sql: done. Next, as the owner role: python -m screening database init'
