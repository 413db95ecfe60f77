-- What PostgreSQL refuses about partitioned tables, with its SQLSTATEs and messages.
\set VERBOSITY default
CREATE TABLE p (a int, b text) PARTITION BY LIST (a);
CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1, 2);
-- No partition takes the row: 23514 with the key in the DETAIL.
INSERT INTO p VALUES (3, 'x');
INSERT INTO p VALUES (NULL, 'x');
COPY p FROM stdin;
1	one
7	seven
\.
SELECT a, b FROM p ORDER BY a;
-- An UPDATE that moves a row nowhere.
INSERT INTO p VALUES (1, 'one');
UPDATE p SET a = 5 WHERE a = 1;
-- Overlapping bounds (42P17).
CREATE TABLE p2 PARTITION OF p FOR VALUES IN (2, 3);
CREATE TABLE pd PARTITION OF p DEFAULT;
CREATE TABLE pd2 PARTITION OF p DEFAULT;
CREATE TABLE p3 PARTITION OF p FOR VALUES FROM (1) TO (2);
-- Keys and strategies.
CREATE TABLE q (a int, b int) PARTITION BY LIST (a, b);
CREATE TABLE q (a int) PARTITION BY RANGE (z);
CREATE TABLE r (a int, b int) PARTITION BY RANGE (a);
CREATE TABLE r1 PARTITION OF r FOR VALUES FROM (10) TO (20);
CREATE TABLE r2 PARTITION OF r FOR VALUES FROM (15) TO (25);
CREATE TABLE r3 PARTITION OF r FOR VALUES FROM (30) TO (30);
CREATE TABLE r4 PARTITION OF r FOR VALUES IN (1);
CREATE TABLE r5 PARTITION OF r FOR VALUES FROM (1, 2) TO (3, 4);
INSERT INTO r VALUES (20, 1);
INSERT INTO r VALUES (NULL, 1);
CREATE TABLE t (a int);
CREATE TABLE t1 PARTITION OF t FOR VALUES IN (1);
ALTER TABLE t ATTACH PARTITION p1 FOR VALUES IN (1);
-- ATTACH: existing rows must fit, columns must match, no table twice.
INSERT INTO t VALUES (5);
CREATE TABLE pt (a int, b text);
INSERT INTO pt VALUES (9, 'nine');
ALTER TABLE p ATTACH PARTITION pt FOR VALUES IN (8);
ALTER TABLE p ATTACH PARTITION t FOR VALUES IN (8);
ALTER TABLE p ATTACH PARTITION p1 FOR VALUES IN (8);
ALTER TABLE p DETACH PARTITION t;
ALTER TABLE p ATTACH PARTITION nosuch FOR VALUES IN (8);
CREATE TABLE p9 PARTITION OF nosuch FOR VALUES IN (9);
DROP TABLE p, r, t, pt;
-- A partition written to directly takes only the rows its bound (and its ancestors' bounds)
-- admit; a row that fits is stored and read through the parent.
CREATE TABLE ev (id int, kind text, region text) PARTITION BY LIST (kind);
CREATE TABLE ev_a PARTITION OF ev FOR VALUES IN ('a') PARTITION BY RANGE (id);
CREATE TABLE ev_a_low PARTITION OF ev_a FOR VALUES FROM (0) TO (100);
CREATE TABLE ev_rest PARTITION OF ev DEFAULT;
CREATE TABLE ev_h (id int, k int) PARTITION BY HASH (k);
CREATE TABLE ev_h0 PARTITION OF ev_h FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE ev_h1 PARTITION OF ev_h FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO ev_a VALUES (3, 'b', 'x');
INSERT INTO ev_a_low VALUES (3, 'b', 'x');
INSERT INTO ev_a_low VALUES (300, 'a', 'x');
INSERT INTO ev_a_low VALUES (3, 'a', 'x');
INSERT INTO ev_rest VALUES (4, 'a', 'y');
INSERT INTO ev_rest VALUES (4, 'c', 'y');
UPDATE ev_a_low SET kind = 'z' WHERE id = 3;
UPDATE ev_rest SET kind = 'a';
SELECT * FROM ev ORDER BY id;
INSERT INTO ev_h0 SELECT g, g FROM generate_series(1, 6) g;
INSERT INTO ev_h0 SELECT g, g FROM generate_series(1, 6) g WHERE g IN (1, 2, 5);
INSERT INTO ev_h1 SELECT g, g FROM generate_series(1, 6) g WHERE g IN (3, 4, 6);
SELECT id FROM ev_h ORDER BY id;
DROP TABLE ev, ev_h;
-- ATTACH PARTITION refuses a cycle (a table under itself), as PostgreSQL does.
create table cyc_root (a int, b text) partition by list (a);
create table cyc_mid partition of cyc_root for values in (1) partition by list (b);
alter table cyc_mid attach partition cyc_root for values in ('b');
alter table cyc_root attach partition cyc_root for values in (2);
drop table cyc_root;
select count(*) from pg_class where relname like 'cyc\_%';
