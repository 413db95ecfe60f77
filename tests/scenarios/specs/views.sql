-- Views (issue 13 item 5): CREATE [OR REPLACE] [TEMP] VIEW, reading them, DROP VIEW, what
-- depends on what (DROP TABLE ... RESTRICT / CASCADE), the catalog rows and errors, and
-- INSERT / UPDATE / DELETE through automatically updatable views.
CREATE TABLE vt (id int PRIMARY KEY, status text NOT NULL, payload text);
INSERT INTO vt VALUES (1, 'new', 'a'), (2, 'done', 'b'), (3, 'new', 'c');
CREATE VIEW ready AS SELECT id, payload FROM vt WHERE status = 'new';
CREATE VIEW renamed (a) AS SELECT * FROM vt;
SELECT * FROM ready ORDER BY id;
SELECT a, status FROM renamed ORDER BY a;
SELECT r.a FROM renamed r WHERE r.payload = 'b';
SELECT x.* FROM ready AS x (i, p) ORDER BY i;
SELECT count(*) FROM ready JOIN vt USING (id);
SELECT * FROM vt WHERE id IN (SELECT id FROM ready) ORDER BY id;
-- the table's columns the view does not show cannot be named through it
SELECT status FROM ready;
SELECT ready.status FROM ready;
\dv
\d ready
\d+ ready
-- OR REPLACE may only add columns at the end
CREATE OR REPLACE VIEW ready AS SELECT id FROM vt;
CREATE OR REPLACE VIEW ready AS SELECT payload, id FROM vt;
CREATE OR REPLACE VIEW ready AS SELECT id, status AS payload FROM vt;
CREATE OR REPLACE VIEW ready AS SELECT id::bigint, payload FROM vt;
CREATE OR REPLACE VIEW ready AS SELECT id, payload, status FROM vt WHERE status = 'new';
SELECT * FROM ready ORDER BY id;
CREATE VIEW ready AS SELECT 1;
CREATE OR REPLACE VIEW vt AS SELECT 1;
CREATE VIEW bad (a, b) AS SELECT 1;
CREATE VIEW bad (a, a) AS SELECT 1, 2;
CREATE VIEW bad AS SELECT 1 AS a, 2 AS a;
CREATE VIEW bad AS SELECT * FROM nosuch;
CREATE VIEW bad AS SELECT nosuch FROM vt;
CREATE VIEW lit AS SELECT 'x' AS s, 1;
\d lit
SELECT * FROM lit;
-- catalogs
SELECT relname, relkind, relpersistence, relnatts FROM pg_class WHERE relname IN ('ready', 'renamed', 'lit', 'vt') ORDER BY 1;
SELECT viewname, viewowner FROM pg_views WHERE schemaname = 'public' ORDER BY 1;
SELECT table_name, check_option, is_updatable, is_insertable_into FROM information_schema.views WHERE table_schema = 'public' ORDER BY 1;
SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1;
SELECT attname, atttypid FROM pg_attribute WHERE attrelid = 'ready'::regclass AND attnum > 0 ORDER BY attnum;
-- a view is not a table, a table is not a view
DROP TABLE ready;
DROP VIEW vt;
TRUNCATE ready;
CREATE INDEX ON ready (id);
ALTER TABLE ready ADD COLUMN x int;
CREATE TABLE ref (id int REFERENCES ready);
-- dependencies
CREATE TABLE child (id int REFERENCES vt);
CREATE VIEW on_view AS SELECT * FROM ready;
CREATE VIEW both_ways AS SELECT * FROM vt WHERE id IN (SELECT id FROM ready);
DROP TABLE vt;
DROP VIEW ready;
DROP VIEW IF EXISTS nosuch, on_view;
DROP VIEW nosuch;
BEGIN;
DROP TABLE vt CASCADE;
SELECT count(*) FROM pg_views WHERE schemaname = 'public';
ROLLBACK;
SELECT count(*) FROM pg_views WHERE schemaname = 'public';
DROP VIEW both_ways, renamed;
DROP TABLE child;
-- locking clauses reach the base table
SELECT * FROM ready ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED;
SELECT * FROM ready FOR UPDATE OF ready NOWAIT;
CREATE VIEW counts AS SELECT status, count(*) FROM vt GROUP BY status;
SELECT * FROM counts FOR UPDATE;
\d+ counts
SELECT definition FROM pg_views WHERE viewname = 'counts';
-- writing through a view
INSERT INTO ready VALUES (4, 'd', 'new');
INSERT INTO ready (id, status) VALUES (5, 'done') RETURNING *;
UPDATE ready SET payload = 'changed' WHERE id = 1 RETURNING *;
UPDATE ready SET payload = 'not shown' WHERE id = 2;
DELETE FROM ready WHERE id = 3 RETURNING id;
DELETE FROM ready WHERE id = 5;
SELECT * FROM vt ORDER BY id;
INSERT INTO ready (id, nosuch) VALUES (6, 'x');
UPDATE ready SET nosuch = 1;
INSERT INTO ready VALUES (1, 'dup', 'new');
INSERT INTO counts VALUES ('x', 1);
UPDATE counts SET count = 1;
DELETE FROM counts;
CREATE VIEW distinct_v AS SELECT DISTINCT status FROM vt;
DELETE FROM distinct_v;
CREATE VIEW limited AS SELECT * FROM vt LIMIT 2;
UPDATE limited SET payload = 'x';
CREATE VIEW joined AS SELECT a.id FROM vt a, vt b WHERE a.id = b.id;
INSERT INTO joined VALUES (9);
CREATE VIEW computed AS SELECT id, upper(payload) AS up FROM vt;
INSERT INTO computed (id, up) VALUES (7, 'x');
UPDATE computed SET up = 'x';
UPDATE computed SET id = id + 100 WHERE id = 4 RETURNING *;
SELECT * FROM computed ORDER BY id;
-- WITH CHECK OPTION: rows written through the view must stay visible in it
CREATE VIEW checked AS SELECT id, status, payload FROM vt WHERE status <> 'bad' WITH CHECK OPTION;
CREATE VIEW checked_local AS SELECT id, status FROM vt WHERE id < 100 WITH LOCAL CHECK OPTION;
CREATE VIEW checked_agg AS SELECT count(*) FROM vt WITH CHECK OPTION;
INSERT INTO checked VALUES (10, 'ok', 'x');
INSERT INTO checked VALUES (11, 'bad', 'x');
INSERT INTO checked (id, status) VALUES (12, NULL);
UPDATE checked SET status = 'bad' WHERE id = 10;
UPDATE checked SET payload = 'y' WHERE id = 10 RETURNING *;
INSERT INTO checked_local VALUES (100, 'new');
SELECT table_name, check_option, is_updatable FROM information_schema.views WHERE table_name LIKE 'checked%' ORDER BY 1;
\d+ checked
DROP VIEW checked, checked_local;
-- temporary views
CREATE TEMP VIEW tv AS SELECT 1 AS one;
CREATE TEMP TABLE tt (a int);
CREATE VIEW pv AS SELECT * FROM tt;
SELECT relname, relpersistence FROM pg_class WHERE relname IN ('tv', 'pv') ORDER BY 1;
SELECT * FROM tv, pv;
DROP VIEW tv, pv;
DROP TABLE tt;
DROP VIEW computed, joined, limited, distinct_v, counts, lit, ready;
DROP TABLE vt;
