-- Partial indexes (CREATE INDEX ... WHERE): only rows satisfying the predicate have entries,
-- a unique one is unique among them only, and the planner reads one only when the query's
-- WHERE implies its predicate (issue 13).
CREATE TABLE pi_jobs (id int PRIMARY KEY, queue text, state text, token int);
CREATE UNIQUE INDEX pi_jobs_token ON pi_jobs (token) WHERE state = 'active';
CREATE INDEX pi_jobs_ready ON pi_jobs (queue) WHERE state = 'ready';
INSERT INTO pi_jobs VALUES (1, 'a', 'ready', 7), (2, 'a', 'done', 7), (3, 'b', 'ready', 7);
-- unique among the rows of the predicate only
INSERT INTO pi_jobs VALUES (4, 'a', 'active', 7);
INSERT INTO pi_jobs VALUES (5, 'b', 'active', 7);
INSERT INTO pi_jobs VALUES (5, 'b', 'active', NULL), (6, 'b', 'active', NULL);
-- a row moving into the predicate, out of it, and within it
UPDATE pi_jobs SET state = 'active' WHERE id = 1;
UPDATE pi_jobs SET state = 'done' WHERE id = 4;
UPDATE pi_jobs SET state = 'active' WHERE id = 1;
UPDATE pi_jobs SET token = 8 WHERE id = 5;
UPDATE pi_jobs SET state = 'active', token = 8 WHERE id = 2;
UPDATE pi_jobs SET token = 9 WHERE id = 1;
UPDATE pi_jobs SET state = 'active' WHERE id = 4;
-- reads through the partial index give what a scan gives
SELECT id, queue FROM pi_jobs WHERE state = 'ready' AND queue = 'a' ORDER BY id;
SELECT id, queue FROM pi_jobs WHERE state = 'ready' AND queue = 'b' ORDER BY id;
SELECT id FROM pi_jobs WHERE queue = 'a' ORDER BY id;
SELECT id, token FROM pi_jobs WHERE state = 'active' AND token = 7;
SELECT id, token FROM pi_jobs WHERE token = 7 ORDER BY id;
UPDATE pi_jobs SET state = 'ready' WHERE state = 'active' AND token = 9;
SELECT id, queue FROM pi_jobs WHERE state = 'ready' AND queue = 'a' ORDER BY id;
DELETE FROM pi_jobs WHERE state = 'ready' AND queue = 'a';
SELECT id, queue, state FROM pi_jobs WHERE state = 'ready' AND queue = 'a' ORDER BY id;
SELECT id, queue, state, token FROM pi_jobs ORDER BY id;
-- built over existing rows; a duplicate among them fails
CREATE UNIQUE INDEX pi_jobs_queue ON pi_jobs (queue) WHERE state = 'ready';
CREATE UNIQUE INDEX pi_jobs_queue_active ON pi_jobs (queue) WHERE state = 'active';
CREATE UNIQUE INDEX pi_jobs_queue_done ON pi_jobs (queue) WHERE state = 'done';
INSERT INTO pi_jobs VALUES (10, 'x', 'done', 1);
INSERT INTO pi_jobs VALUES (11, 'x', 'done', 1);
INSERT INTO pi_jobs VALUES (11, 'x', 'ready', 1);
CREATE INDEX pi_jobs_token_one ON pi_jobs (id) WHERE token = 1;
SELECT pg_get_indexdef('pi_jobs_token_one'::regclass);
-- what PostgreSQL refuses
CREATE INDEX pi_bad ON pi_jobs (id) WHERE token;
CREATE INDEX pi_bad ON pi_jobs (id) WHERE nosuch = 1;
CREATE INDEX pi_bad ON pi_jobs (id) WHERE count(*) > 1;
CREATE INDEX pi_bad ON pi_jobs (id) WHERE generate_series(1, 2) = 1;
DROP TABLE pi_jobs;
