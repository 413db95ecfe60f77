-- Temporary tables in one session: CREATE TEMP / TEMPORARY TABLE, a temporary table shadows a
-- permanent one of the same name (pg_temp comes first in the search path; public.x still
-- names the permanent one), ON COMMIT PRESERVE ROWS / DELETE ROWS / DROP, DISCARD TEMP, and
-- PostgreSQL's errors. (temp-tables-sessions.spec: privacy between sessions.)
CREATE TABLE person (id int PRIMARY KEY, name text);
INSERT INTO person VALUES (1, 'permanent');
CREATE TEMP TABLE person (id int PRIMARY KEY, name text, extra int);
INSERT INTO person VALUES (2, 'temporary', 7);
INSERT INTO person VALUES (2, 'again', 0);
CREATE INDEX person_name_idx ON person (name);
SELECT relname, relpersistence FROM pg_class WHERE relname LIKE 'person%' ORDER BY 1, 2;
SELECT * FROM person;
SELECT * FROM public.person;
SELECT * FROM pg_temp.person;
SELECT relpersistence, pg_table_is_visible(oid) FROM pg_class
 WHERE relname = 'person' AND relkind = 'r' ORDER BY 1;
UPDATE person SET extra = 8;
SELECT id, name, extra FROM person;
CREATE TEMP TABLE person (id int);
CREATE TEMPORARY TABLE IF NOT EXISTS person (id int);
DROP TABLE person;
SELECT * FROM person;
CREATE TEMPORARY TABLE t_serial (id serial, v text);
INSERT INTO t_serial (v) VALUES ('a'), ('b');
SELECT * FROM t_serial ORDER BY id;
-- ON COMMIT
CREATE TEMP TABLE t_delete (v int) ON COMMIT DELETE ROWS;
INSERT INTO t_delete VALUES (1);
SELECT count(*) FROM t_delete;
BEGIN;
INSERT INTO t_delete VALUES (2), (3);
SELECT count(*) FROM t_delete;
COMMIT;
SELECT count(*) FROM t_delete;
CREATE TEMP TABLE t_preserve (v int) ON COMMIT PRESERVE ROWS;
INSERT INTO t_preserve VALUES (1);
SELECT count(*) FROM t_preserve;
SELECT relname, relpersistence FROM pg_class
 WHERE relname IN ('t_preserve', 't_delete', 'person') AND relkind = 'r' ORDER BY 1;
BEGIN;
CREATE TEMP TABLE t_drop (v int) ON COMMIT DROP;
INSERT INTO t_drop VALUES (1);
SELECT * FROM t_drop;
COMMIT;
SELECT * FROM t_drop;
BEGIN;
CREATE TEMP TABLE t_drop (v int) ON COMMIT DROP;
ROLLBACK;
SELECT * FROM t_drop;
CREATE TEMP TABLE t_drop_now (v int) ON COMMIT DROP;
SELECT * FROM t_drop_now;
CREATE TABLE not_temp (v int) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE public.wrong_schema (v int);
CREATE TABLE pg_temp.made_temp (v int);
INSERT INTO made_temp VALUES (5);
SELECT * FROM pg_temp.made_temp;
-- foreign keys may not mix temporary and permanent tables
CREATE TEMP TABLE t_parent (id int PRIMARY KEY);
CREATE TABLE perm_child (id int REFERENCES t_parent);
CREATE TEMP TABLE t_child (id int REFERENCES person);
CREATE TEMP TABLE t_child (id int REFERENCES t_parent);
INSERT INTO t_child VALUES (1);
-- DISCARD TEMP drops them all
DISCARD TEMP;
SELECT * FROM t_serial;
SELECT * FROM t_preserve;
SELECT * FROM made_temp;
CREATE TEMP TABLE again (v int);
DISCARD ALL;
SELECT * FROM again;
CREATE TEMP TABLE person (id int);
DROP TABLE public.person;
SELECT * FROM pg_temp.person;
DROP TABLE pg_temp.person;
SELECT * FROM person;
