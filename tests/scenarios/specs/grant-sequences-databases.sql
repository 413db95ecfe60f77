-- GRANT / REVOKE on sequences (nextval needs USAGE or UPDATE, currval SELECT or USAGE, setval
-- UPDATE; a serial column's default is a nextval) and on databases (CONNECT, CREATE,
-- TEMPORARY), with PostgreSQL 15's messages.
CREATE ROLE hf_app;
CREATE SEQUENCE hf_s;
CREATE TABLE hf_serial (id serial PRIMARY KEY, v text);
GRANT INSERT, SELECT ON hf_serial TO hf_app;
SET ROLE hf_app;
INSERT INTO hf_serial (v) VALUES ('a');
SELECT nextval('hf_s');
SELECT setval('hf_s', 5);
RESET ROLE;
GRANT USAGE ON SEQUENCE hf_serial_id_seq TO hf_app;
GRANT SELECT ON SEQUENCE hf_s TO hf_app;
GRANT INSERT ON SEQUENCE hf_s TO hf_app;
GRANT SELECT, INSERT ON hf_s TO hf_app;
GRANT USAGE ON SEQUENCE hf_serial TO hf_app;
GRANT USAGE ON SEQUENCE hf_nosuch TO hf_app;
SELECT relname, relacl FROM pg_class WHERE relname IN ('hf_s', 'hf_serial_id_seq') ORDER BY 1;
SET ROLE hf_app;
INSERT INTO hf_serial (v) VALUES ('a') RETURNING id;
SELECT nextval('hf_s');
SELECT setval('hf_s', 5);
RESET ROLE;
GRANT ALL ON TABLE hf_s TO hf_app;
SELECT relacl FROM pg_class WHERE relname = 'hf_s';
SET ROLE hf_app;
SELECT nextval('hf_s');
SELECT currval('hf_s');
SELECT setval('hf_s', 5);
RESET ROLE;
REVOKE ALL ON SEQUENCE hf_s, hf_serial_id_seq FROM hf_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO hf_app;
SELECT relname, relacl FROM pg_class WHERE relname IN ('hf_s', 'hf_serial_id_seq') ORDER BY 1;
DROP ROLE hf_app;
REVOKE USAGE ON ALL SEQUENCES IN SCHEMA public FROM hf_app;

SELECT datacl FROM pg_database WHERE datname = 'postgres';
SELECT has_database_privilege('hf_app', 'postgres', 'connect') AS app_connect,
       has_database_privilege('hf_app', 'postgres', 'create') AS app_create;
REVOKE CONNECT ON DATABASE postgres FROM PUBLIC;
SELECT datacl FROM pg_database WHERE datname = 'postgres';
SELECT has_database_privilege('hf_app', 'postgres', 'connect') AS app_connect;
GRANT CONNECT, TEMPORARY ON DATABASE postgres TO hf_app;
GRANT SELECT ON DATABASE postgres TO hf_app;
SELECT datacl FROM pg_database WHERE datname = 'postgres';
SELECT has_database_privilege('hf_app', 'postgres', 'connect') AS app_connect;
DROP ROLE hf_app;
REVOKE ALL ON DATABASE postgres FROM hf_app;
GRANT CONNECT ON DATABASE postgres TO PUBLIC;
SELECT datacl FROM pg_database WHERE datname = 'postgres';
REVOKE ALL ON hf_serial FROM hf_app;
DROP TABLE hf_serial;
DROP SEQUENCE hf_s;
DROP ROLE hf_app;
