-- Roles, GRANT / REVOKE and privilege checks with PostgreSQL 15's rules and messages: each
-- row-locking clause and each LOCK TABLE mode against the privileges it needs, DML, DDL by
-- owners and others, role memberships, SET ROLE, and what depends on a role.
CREATE ROLE hf_reader;
CREATE ROLE hf_reader;
CREATE USER hf_writer PASSWORD 'pw';
CREATE ROLE hf_locker;
CREATE ROLE hf_inserter;
CREATE ROLE hf_truncator;
CREATE ROLE hf_deleter;
CREATE ROLE hf_nobody;
CREATE ROLE hf_x LOGIN NOLOGIN;
CREATE ROLE pg_hf;
DROP ROLE hf_missing;
DROP ROLE IF EXISTS hf_missing;
CREATE ROLE hf_attrs SUPERUSER CREATEDB CREATEROLE LOGIN REPLICATION BYPASSRLS CONNECTION LIMIT 3 VALID UNTIL 'infinity';
CREATE ROLE hf_empty PASSWORD '';
SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication,
       rolconnlimit, rolpassword, rolvaliduntil, rolbypassrls
  FROM pg_roles WHERE rolname LIKE 'hf\_%' ORDER BY 1;
SELECT rolname, rolpassword IS NULL AS no_password, rolpassword LIKE 'SCRAM-SHA-256$4096:%' AS scram
  FROM pg_authid WHERE rolname IN ('hf_writer', 'hf_empty') ORDER BY 1;
SELECT usename, usesuper, usecreatedb FROM pg_user WHERE usename LIKE 'hf\_%' ORDER BY 1;
ALTER ROLE hf_attrs NOSUPERUSER NOCREATEDB NOLOGIN CONNECTION LIMIT -1;
ALTER ROLE hf_nosuch LOGIN;
DROP ROLE hf_attrs, hf_empty;

CREATE TABLE hf_t (id int PRIMARY KEY, v int);
INSERT INTO hf_t VALUES (1, 10), (2, 20);
SELECT relacl FROM pg_class WHERE relname = 'hf_t';
GRANT SELECT ON hf_t TO hf_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON hf_t TO hf_writer;
GRANT SELECT, UPDATE ON TABLE hf_t TO hf_locker;
GRANT INSERT ON hf_t TO hf_inserter;
GRANT SELECT, TRUNCATE ON hf_t TO hf_truncator;
GRANT SELECT, DELETE ON hf_t TO hf_deleter;
GRANT SELECT ON hf_nosuch TO hf_reader;
GRANT SELECT ON hf_t TO hf_nosuch;
GRANT USAGE ON hf_t TO hf_reader;
SELECT relacl FROM pg_class WHERE relname = 'hf_t';
SELECT has_table_privilege('hf_reader', 'hf_t', 'select') AS r_sel,
       has_table_privilege('hf_reader', 'hf_t', 'update') AS r_upd,
       has_table_privilege('hf_locker', 'hf_t', 'SELECT, UPDATE') AS l_upd,
       has_table_privilege('hf_t', 'delete') AS own_del,
       has_table_privilege('hf_nobody', 'hf_t', 'select,insert,update') AS nobody;

-- Each role against each locking clause, each LOCK TABLE mode and the DML.
SET ROLE hf_reader;
SELECT current_user, session_user, current_role;
SELECT * FROM hf_t ORDER BY id;
SELECT * FROM hf_t FOR UPDATE;
SELECT * FROM hf_t FOR NO KEY UPDATE;
SELECT * FROM hf_t FOR SHARE;
SELECT * FROM hf_t FOR KEY SHARE;
SELECT id FROM hf_t WHERE id IN (SELECT id FROM hf_t FOR SHARE);
UPDATE hf_t SET v = 1;
DELETE FROM hf_t;
INSERT INTO hf_t VALUES (3, 30);
TRUNCATE hf_t;
BEGIN; LOCK TABLE hf_t IN ACCESS SHARE MODE; ROLLBACK;
BEGIN; LOCK TABLE hf_t IN ROW SHARE MODE; ROLLBACK;
BEGIN; LOCK TABLE hf_t IN ROW EXCLUSIVE MODE; ROLLBACK;
BEGIN; LOCK TABLE hf_t IN SHARE UPDATE EXCLUSIVE MODE; ROLLBACK;
BEGIN; LOCK TABLE hf_t IN SHARE MODE; ROLLBACK;
BEGIN; LOCK TABLE hf_t IN SHARE ROW EXCLUSIVE MODE; ROLLBACK;
BEGIN; LOCK TABLE hf_t IN EXCLUSIVE MODE; ROLLBACK;
BEGIN; LOCK TABLE hf_t IN ACCESS EXCLUSIVE MODE; ROLLBACK;
RESET ROLE;

SET ROLE hf_locker;
SELECT * FROM hf_t WHERE id = 1 FOR UPDATE;
SELECT * FROM hf_t WHERE id = 1 FOR NO KEY UPDATE NOWAIT;
SELECT * FROM hf_t WHERE id = 1 FOR SHARE SKIP LOCKED;
SELECT * FROM hf_t WHERE id = 1 FOR KEY SHARE;
UPDATE hf_t SET v = v + 1 WHERE id = 1;
DELETE FROM hf_t WHERE id = 1;
BEGIN; LOCK TABLE hf_t IN ROW SHARE MODE; ROLLBACK;
BEGIN; LOCK TABLE hf_t IN ROW EXCLUSIVE MODE; ROLLBACK;
BEGIN; LOCK TABLE hf_t IN ACCESS EXCLUSIVE MODE NOWAIT; ROLLBACK;
RESET ROLE;

SET ROLE hf_deleter;
SELECT * FROM hf_t WHERE id = 1 FOR UPDATE;
SELECT * FROM hf_t WHERE id = 1 FOR KEY SHARE;
BEGIN; LOCK TABLE hf_t IN SHARE MODE; ROLLBACK;
DELETE FROM hf_t WHERE id = 99;
RESET ROLE;

SET ROLE hf_truncator;
SELECT * FROM hf_t WHERE id = 1 FOR SHARE;
BEGIN; LOCK TABLE hf_t IN ROW SHARE MODE; ROLLBACK;
BEGIN; LOCK TABLE hf_t IN EXCLUSIVE MODE; ROLLBACK;
RESET ROLE;

SET ROLE hf_inserter;
INSERT INTO hf_t VALUES (3, 30);
INSERT INTO hf_t VALUES (4, 40) RETURNING id;
INSERT INTO hf_t VALUES (3, 31) ON CONFLICT DO NOTHING;
INSERT INTO hf_t VALUES (3, 31) ON CONFLICT (id) DO NOTHING;
INSERT INTO hf_t VALUES (3, 31) ON CONFLICT (id) DO UPDATE SET v = 31;
SELECT * FROM hf_t;
BEGIN; LOCK TABLE hf_t IN ACCESS SHARE MODE; ROLLBACK;
BEGIN; LOCK TABLE hf_t IN ROW EXCLUSIVE MODE; ROLLBACK;
BEGIN; LOCK TABLE hf_t IN SHARE MODE; ROLLBACK;
RESET ROLE;

SET ROLE hf_writer;
UPDATE hf_t SET v = 0;
UPDATE hf_t SET v = v + 1 WHERE id = 3 RETURNING v;
DELETE FROM hf_t WHERE id = 4;
SELECT * FROM hf_t ORDER BY id FOR NO KEY UPDATE;
TRUNCATE hf_t;
DROP TABLE hf_t;
ALTER TABLE hf_t ADD COLUMN w int;
CREATE INDEX hf_t_v ON hf_t (v);
GRANT SELECT ON hf_t TO hf_nobody;
CREATE TABLE hf_mine (id int);
CREATE ROLE hf_other;
RESET ROLE;

SET ROLE hf_nobody;
SELECT count(*) FROM hf_t;
SELECT 1 FROM hf_t FOR UPDATE;
BEGIN; LOCK TABLE hf_t IN ACCESS SHARE MODE; ROLLBACK;
BEGIN; LOCK TABLE hf_t IN ACCESS EXCLUSIVE MODE; ROLLBACK;
SELECT * FROM pg_authid;
SELECT * FROM pg_shadow;
SELECT count(*) > 0 AS sees_roles FROM pg_roles;
SET ROLE hf_reader;
RESET ROLE;

-- Memberships: privileges of the roles one inherits from; SET ROLE needs membership.
GRANT hf_reader TO hf_nobody;
GRANT hf_reader TO hf_nobody;
GRANT hf_nobody TO hf_reader;
GRANT hf_reader TO hf_reader;
GRANT hf_missing TO hf_nobody;
GRANT hf_reader TO hf_missing;
SELECT r.rolname AS role, m.rolname AS member, a.admin_option
  FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
  WHERE r.rolname LIKE 'hf\_%' ORDER BY 1, 2;
SET ROLE hf_nobody;
SELECT count(*) FROM hf_t;
SELECT 1 FROM hf_t FOR UPDATE;
SET ROLE hf_reader;
SELECT current_user;
RESET ROLE;
ALTER ROLE hf_nobody NOINHERIT;
SET ROLE hf_nobody;
SELECT count(*) FROM hf_t;
RESET ROLE;
REVOKE hf_reader FROM hf_nobody;
REVOKE hf_reader FROM hf_nobody;
SET SESSION AUTHORIZATION hf_writer;
SELECT current_user, session_user;
SET ROLE hf_reader;
SELECT count(*) FROM hf_t;
RESET SESSION AUTHORIZATION;
SELECT current_user, session_user;
SET ROLE hf_nosuch;
SHOW role;

-- REVOKE, and GRANT by a holder of the grant option.
REVOKE UPDATE ON hf_t FROM hf_locker;
GRANT SELECT ON hf_t TO hf_reader WITH GRANT OPTION;
SET ROLE hf_reader;
GRANT SELECT ON hf_t TO hf_nobody;
GRANT SELECT, UPDATE ON hf_t TO hf_nobody;
RESET ROLE;
SET ROLE hf_nobody;
GRANT SELECT ON hf_t TO hf_deleter;
RESET ROLE;
SELECT relacl FROM pg_class WHERE relname = 'hf_t';
REVOKE ALL ON hf_t FROM hf_nobody;
REVOKE GRANT OPTION FOR SELECT ON hf_t FROM hf_reader;
SELECT relacl FROM pg_class WHERE relname = 'hf_t';

-- Schema public: CREATE is not granted to PUBLIC (PostgreSQL 15); owners of what they make.
SELECT nspacl FROM pg_namespace WHERE nspname = 'public';
SET ROLE hf_writer;
CREATE TABLE hf_mine (id int);
RESET ROLE;
GRANT CREATE ON SCHEMA public TO hf_writer;
SET ROLE hf_writer;
CREATE TABLE hf_mine (id int);
INSERT INTO hf_mine VALUES (1);
SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'hf_mine';
GRANT SELECT ON hf_mine TO hf_reader;
RESET ROLE;
SET ROLE hf_reader;
SELECT * FROM hf_mine;
DROP TABLE hf_mine;
RESET ROLE;
ALTER TABLE hf_mine OWNER TO hf_locker;
SELECT pg_get_userbyid(relowner), relacl FROM pg_class WHERE relname = 'hf_mine';

-- What depends on a role.
DROP ROLE hf_writer;
DROP ROLE hf_locker;
DROP ROLE hf_reader;
DROP TABLE hf_mine;
REVOKE CREATE ON SCHEMA public FROM hf_writer;
REVOKE ALL ON hf_t FROM hf_reader, hf_writer, hf_locker, hf_inserter, hf_truncator, hf_deleter;
SELECT relacl FROM pg_class WHERE relname = 'hf_t';
DROP TABLE hf_t;
DROP ROLE hf_reader, hf_writer, hf_locker, hf_inserter, hf_truncator, hf_deleter, hf_nobody;
SELECT count(*) FROM pg_roles WHERE rolname LIKE 'hf\_%';
