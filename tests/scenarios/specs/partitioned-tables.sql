-- Declarative partitioning (PostgreSQL's partitioned tables): LIST and RANGE parents, rows
-- routed to their partitions, reads and writes through the parent, ATTACH / DETACH, the
-- catalog rows psql and job queues (pg-boss) read.
CREATE TABLE jobs (id int NOT NULL, queue text NOT NULL, state text DEFAULT 'created',
                   CHECK (id > 0)) PARTITION BY LIST (queue);
CREATE TABLE jobs_a PARTITION OF jobs FOR VALUES IN ('a');
CREATE TABLE jobs_bc PARTITION OF jobs FOR VALUES IN ('b', 'c');
INSERT INTO jobs (id, queue) VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'a');
SELECT id, queue, state FROM jobs ORDER BY id;
SELECT id, queue FROM jobs_a ORDER BY id;
SELECT id, queue FROM jobs_bc ORDER BY id;
SELECT count(*) FROM jobs WHERE queue = 'a';
SELECT relname, relkind, relispartition FROM pg_class WHERE relname LIKE 'jobs%' ORDER BY relname;
SELECT c.relname, p.relname AS parent FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'jobs' ORDER BY 1;
SELECT partstrat, partnatts FROM pg_partitioned_table WHERE partrelid = 'jobs'::regclass;
SELECT pg_get_partkeydef('jobs'::regclass);
SELECT relname, pg_get_expr(relpartbound, oid) FROM pg_class
  WHERE relname IN ('jobs_a', 'jobs_bc') ORDER BY 1;
SELECT relname, pg_get_partition_constraintdef(oid) FROM pg_class
  WHERE relname IN ('jobs_a', 'jobs_bc', 'jobs') ORDER BY 1;
-- psql's \d of a partitioned table and of a partition.
\d jobs
\d+ jobs_a
-- UPDATE and DELETE through the parent; a new key moves the row to its partition.
UPDATE jobs SET state = 'active' WHERE queue = 'a' AND id = 4;
UPDATE jobs SET queue = 'b' WHERE id = 1 RETURNING id, queue, state;
SELECT id, queue FROM jobs_a ORDER BY id;
SELECT id, queue FROM jobs_bc ORDER BY id;
DELETE FROM jobs WHERE queue = 'c' RETURNING id;
SELECT id, queue, state FROM jobs ORDER BY id;
-- A parameter fixes the partition as a constant does.
PREPARE q(text) AS SELECT id FROM jobs WHERE queue = $1 ORDER BY id;
EXECUTE q('b');
DEALLOCATE q;
-- A partition's constraints are checked on rows routed to it.
INSERT INTO jobs (id, queue) VALUES (-1, 'a');
INSERT INTO jobs (id, queue) VALUES (NULL, 'a');
-- UPDATE ... FROM and SELECT ... FOR UPDATE SKIP LOCKED through the parent (pg-boss's fetch).
WITH next AS (SELECT id FROM jobs WHERE queue = 'b' AND state = 'created'
              ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
UPDATE jobs j SET state = 'active' FROM next WHERE j.queue = 'b' AND j.id = next.id
RETURNING j.id, j.state;
-- The DEFAULT partition takes what no other does.
CREATE TABLE jobs_other PARTITION OF jobs DEFAULT;
INSERT INTO jobs (id, queue) VALUES (10, 'x'), (11, 'y');
SELECT id, queue FROM jobs_other ORDER BY id;
-- ... so a new partition may not take rows it holds.
CREATE TABLE jobs_x PARTITION OF jobs FOR VALUES IN ('x');
DELETE FROM jobs WHERE queue = 'x';
CREATE TABLE jobs_x PARTITION OF jobs FOR VALUES IN ('x');
-- ATTACH PARTITION: a table made LIKE the parent, with its own key and constraint.
CREATE TABLE jobs_d (LIKE jobs INCLUDING DEFAULTS);
ALTER TABLE jobs_d ADD PRIMARY KEY (queue, id);
ALTER TABLE jobs_d ADD CONSTRAINT jobs_id_check CHECK (id > 0);
INSERT INTO jobs_d (id, queue) VALUES (20, 'd');
ALTER TABLE jobs ATTACH PARTITION jobs_d FOR VALUES IN ('d');
INSERT INTO jobs (id, queue) VALUES (21, 'd');
INSERT INTO jobs (id, queue) VALUES (21, 'd');
SELECT id, queue, state FROM jobs WHERE queue = 'd' ORDER BY id;
ALTER TABLE jobs DETACH PARTITION jobs_d;
SELECT count(*) FROM jobs WHERE queue = 'd';
SELECT count(*) FROM jobs_d;
SELECT relispartition FROM pg_class WHERE relname = 'jobs_d';
DROP TABLE jobs_d;
-- RANGE partitions, MINVALUE / MAXVALUE, several key columns.
CREATE TABLE events (y int, m int, note text) PARTITION BY RANGE (y, m);
CREATE TABLE events_old PARTITION OF events FOR VALUES FROM (MINVALUE, MINVALUE) TO (2020, 1);
CREATE TABLE events_2020 PARTITION OF events FOR VALUES FROM (2020, 1) TO (2021, 1);
CREATE TABLE events_new PARTITION OF events FOR VALUES FROM (2021, 1) TO (MAXVALUE, MAXVALUE);
INSERT INTO events VALUES (1999, 5, 'old'), (2020, 1, 'jan'), (2020, 12, 'dec'), (2021, 1, 'new');
SELECT y, m, note FROM events_2020 ORDER BY y, m;
SELECT y, m, note FROM events WHERE y >= 2020 ORDER BY y, m;
SELECT relname, pg_get_expr(relpartbound, oid) FROM pg_class
  WHERE relname LIKE 'events_%' ORDER BY 1;
SELECT pg_get_partkeydef('events'::regclass);
-- \d+ lists the partitions by name (regclass as text).
\d+ events
SELECT 'events'::regclass::text, 'public.events'::regclass::text = 'events';
CREATE TABLE nums (n int) PARTITION BY RANGE (n);
CREATE TABLE nums_low PARTITION OF nums FOR VALUES FROM (MINVALUE) TO (-5);
CREATE TABLE nums_mid PARTITION OF nums FOR VALUES FROM (-5) TO (10);
CREATE TABLE nums_lists (n int, b bigint) PARTITION BY LIST (b);
CREATE TABLE nums_lists_1 PARTITION OF nums_lists FOR VALUES IN (5, -7);
CREATE TABLE nums_lists_2 PARTITION OF nums_lists FOR VALUES IN (NULL, 8);
SELECT relname, pg_get_partition_constraintdef(oid) FROM pg_class
  WHERE relname LIKE 'nums_%' ORDER BY 1;
CREATE TEMP TABLE nums_temp PARTITION OF nums FOR VALUES FROM (10) TO (20);
DROP TABLE nums, nums_lists;
-- Sub-partitioning: a partition that is partitioned in turn.
CREATE TABLE events_2022 PARTITION OF events FOR VALUES FROM (2022, 1) TO (2023, 1)
  PARTITION BY LIST (note);
DROP TABLE events_new;
CREATE TABLE events_2022 PARTITION OF events FOR VALUES FROM (2022, 1) TO (2023, 1)
  PARTITION BY LIST (note);
CREATE TABLE events_2022_x PARTITION OF events_2022 FOR VALUES IN ('x');
INSERT INTO events VALUES (2022, 3, 'x');
SELECT y, m, note FROM events_2022_x;
SELECT relname, relkind FROM pg_class WHERE relname LIKE 'events_2022%' ORDER BY 1;
TRUNCATE events;
SELECT count(*) FROM events;
-- ADD COLUMN on the parent reaches every partition, existing rows taking its default.
ALTER TABLE jobs ADD COLUMN prio int NOT NULL DEFAULT 7;
INSERT INTO jobs (id, queue) VALUES (30, 'a') RETURNING prio;
SELECT id, queue, prio FROM jobs ORDER BY id;
SELECT id, prio FROM jobs_a ORDER BY id;
-- Dropping the parent drops its partitions.
DROP TABLE events;
DROP TABLE jobs;
SELECT count(*) FROM pg_class WHERE relname LIKE 'jobs%' OR relname LIKE 'events%';
