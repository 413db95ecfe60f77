-- A job queue's schema as pg-boss 10 builds it: a partitioned job table with a primary key
-- on (name, id), one partition per queue made LIKE the parent, given its key, foreign keys,
-- partial and expression indexes and a CHECK, then attached; jobs inserted, fetched and
-- completed through the parent.
CREATE TYPE job_state AS ENUM ('created', 'retry', 'active', 'completed');
CREATE TABLE queue (name text PRIMARY KEY, policy text);
CREATE TABLE job (
  id int NOT NULL,
  name text NOT NULL,
  state job_state NOT NULL DEFAULT 'created',
  singleton_key text,
  priority int NOT NULL DEFAULT 0,
  dead_letter text
) PARTITION BY LIST (name);
ALTER TABLE job ADD PRIMARY KEY (name, id);
-- The key must hold the partition key.
CREATE TABLE bad (a int, b int, PRIMARY KEY (a)) PARTITION BY LIST (b);
CREATE TABLE bad (a int, b int) PARTITION BY LIST (b);
ALTER TABLE bad ADD PRIMARY KEY (a);
DROP TABLE bad;
INSERT INTO queue VALUES ('q1', 'standard'), ('q2', 'short');
CREATE TABLE job_q1 (LIKE job INCLUDING DEFAULTS);
ALTER TABLE job_q1 ADD PRIMARY KEY (name, id);
ALTER TABLE job_q1 ADD CONSTRAINT q_fkey FOREIGN KEY (name) REFERENCES queue (name)
  ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE job_q1 ADD CONSTRAINT dlq_fkey FOREIGN KEY (dead_letter) REFERENCES queue (name)
  ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED;
CREATE UNIQUE INDEX job_q1_i1 ON job_q1 (name, COALESCE(singleton_key, ''))
  WHERE state = 'created' AND singleton_key IS NOT NULL;
CREATE INDEX job_q1_i5 ON job_q1 (name, priority) INCLUDE (state, id) WHERE state < 'active';
ALTER TABLE job_q1 ADD CONSTRAINT cjc CHECK (name = 'q1');
ALTER TABLE job ATTACH PARTITION job_q1 FOR VALUES IN ('q1');
-- A partition made PARTITION OF gets the parent's key.
CREATE TABLE job_q2 PARTITION OF job FOR VALUES IN ('q2');
SELECT c.relname, i.relname AS key FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid
  JOIN pg_class i ON i.oid = x.indexrelid
  WHERE x.indisprimary AND c.relname LIKE 'job_q%' ORDER BY 1;
INSERT INTO job (id, name, priority) VALUES (1, 'q1', 0), (2, 'q1', 5), (3, 'q1', 1), (1, 'q2', 0)
  ON CONFLICT DO NOTHING;
-- The same key again: nothing inserted (ON CONFLICT DO NOTHING), or 23505 without it.
INSERT INTO job (id, name) VALUES (1, 'q1') ON CONFLICT DO NOTHING;
INSERT INTO job (id, name) VALUES (1, 'q2');
-- The singleton index of the partition refuses a second created job with the key (terse:
-- holdfast spells the expression key in the DETAIL differently).
INSERT INTO job (id, name, singleton_key) VALUES (4, 'q1', 'k');
\set VERBOSITY terse
INSERT INTO job (id, name, singleton_key) VALUES (5, 'q1', 'k');
\set VERBOSITY default
-- The foreign key of the partition.
INSERT INTO job (id, name, dead_letter) VALUES (6, 'q1', 'nosuch');
-- Fetch: the two most urgent jobs of q1, marked active.
WITH next AS (
  SELECT id FROM job WHERE name = 'q1' AND state < 'active'
  ORDER BY priority DESC, id LIMIT 2 FOR UPDATE SKIP LOCKED
)
UPDATE job j SET state = 'active' FROM next WHERE name = 'q1' AND j.id = next.id
RETURNING j.id, j.name, j.state;
-- Complete them.
WITH results AS (
  UPDATE job SET state = 'completed' WHERE name = 'q1' AND id IN (SELECT unnest(ARRAY[2, 3]))
    AND state = 'active' RETURNING *
)
SELECT count(*) FROM results;
SELECT name, id, state, priority FROM job ORDER BY name, id;
SELECT count(*) FROM job WHERE name = 'q2' AND state < 'active';
-- What psql's \d asks about a partition's ancestors.
SELECT relid = 'job_q1'::regclass AS self, relid = 'job'::regclass AS parent
  FROM pg_partition_ancestors('job_q1');
SELECT count(*) FROM pg_partition_ancestors('queue');
SELECT pg_get_partkeydef('queue'::regclass) IS NULL AS not_partitioned;
-- A queue's partition dropped on its own; the parent stays.
DROP TABLE IF EXISTS job_q2;
SELECT name, count(*) FROM job GROUP BY name ORDER BY name;
DROP TABLE job;
DROP TABLE queue;
DROP TYPE job_state;
