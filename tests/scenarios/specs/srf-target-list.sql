-- Set-returning functions in the select list, as PostgreSQL 15 runs them (ProjectSet): the
-- calls of one target list advance in lockstep, the shorter padded with NULL (issue 13).
CREATE TABLE srf_t (id int PRIMARY KEY, n int);
INSERT INTO srf_t VALUES (1, 2), (2, 0), (3, 3), (4, NULL);
SELECT generate_series(1, 3);
SELECT generate_series(1, 3), generate_series(3, 5);
SELECT generate_series(1, 2) AS a, generate_series(1, 4) AS b, generate_series(1, 1) AS c;
SELECT generate_series(1, 0);
SELECT generate_series(1, NULL);
SELECT generate_series(5, 1, -2);
SELECT generate_series(2147483646, 2147483647);
SELECT generate_series(9223372036854775806, 9223372036854775807);
SELECT generate_series(1, 3, 0);
-- over timestamps, with an interval step added again for each value
SELECT generate_series('2020-01-30'::date, '2020-04-01'::date, '1 month');
SELECT generate_series('2020-01-01 00:00'::timestamp, '2020-01-01 01:00', '20 minutes');
SELECT generate_series('2020-01-01', '2020-01-02', '12 hours'::interval);
SELECT * FROM generate_series('2020-01-01 00:00'::timestamp, '2019-12-31 23:00', '-30 minutes') g;
SELECT generate_series('2020-01-01 00:00'::timestamp, '2020-01-01 01:00', '-20 minutes');
SELECT generate_series('2020-01-01 00:00'::timestamp, '2020-01-01 01:00', '0 minutes');
SELECT generate_series('2020-01-01'::date, '2020-01-03'::date);
-- nested: a call in another's arguments runs in a step before it
SELECT generate_series(1, generate_series(1, 3));
SELECT generate_series(generate_series(1, 3), generate_series(2, 4));
SELECT generate_series(1, 2) AS a, generate_series(1, generate_series(1, 2)) AS b;
SELECT unnest(ARRAY[generate_series(1, 2), 10]) + 1 AS u;
-- per input row, in the input's order
SELECT id, generate_series(1, n) FROM srf_t ORDER BY id;
SELECT id, generate_series(1, n) AS g FROM srf_t ORDER BY id DESC, g DESC;
SELECT id, generate_series(1, n) FROM srf_t WHERE id > 1 ORDER BY id LIMIT 3;
SELECT id, generate_series(1, n) FROM srf_t ORDER BY id OFFSET 2 LIMIT 2;
-- inside expressions
SELECT generate_series(1, 3) + 1 AS x, 'a' AS y;
SELECT generate_series(1, 3)::text || 'x';
SELECT abs(generate_series(-3, -1));
SELECT greatest(generate_series(1, 3), 2), nullif(generate_series(1, 3), 2);
SELECT array[generate_series(1, 2)], generate_series(1, 2) IS NULL;
-- unnest
SELECT unnest(ARRAY[1, 2, 3]);
SELECT unnest(ARRAY[1, 2]), unnest(ARRAY['a', 'b', 'c']);
SELECT unnest(NULL::int[]);
SELECT id, unnest(ARRAY[id, id * 10]) FROM srf_t WHERE id < 3 ORDER BY 1, 2;
-- ORDER BY the set-returning call, DISTINCT over it
SELECT generate_series(1, 4) ORDER BY 1 DESC;
SELECT id FROM srf_t WHERE id = 1 ORDER BY generate_series(1, 3);
SELECT DISTINCT generate_series(1, 5) % 2 AS parity ORDER BY 1;
-- after aggregation
SELECT count(*), generate_series(1, 2) FROM srf_t;
SELECT max(x), generate_series(1, 2) FROM generate_series(1, 4) x;
-- aggregates over them in a subquery
SELECT sum(g), count(*) FROM (SELECT generate_series(1, n) AS g FROM srf_t) s;
SELECT 1 FROM srf_t WHERE id IN (SELECT generate_series(1, 2)) ORDER BY 1;
-- INSERT ... SELECT with a parameter, as pgjdbc and postgres.js send it
CREATE TABLE srf_jobs (id int PRIMARY KEY, note text);
PREPARE ins(int) AS INSERT INTO srf_jobs (id) SELECT generate_series(1, $1);
EXECUTE ins(5);
SELECT count(*), min(id), max(id) FROM srf_jobs;
INSERT INTO srf_jobs VALUES (generate_series(10, 12), 'v');
INSERT INTO srf_jobs (id, note) SELECT generate_series(20, 21), 'w' RETURNING id, note;
SELECT id, note FROM srf_jobs WHERE id >= 10 ORDER BY id;
-- where PostgreSQL refuses them
SELECT generate_series(1, 3) WHERE generate_series(1, 2) > 1;
SELECT CASE WHEN true THEN generate_series(1, 2) END;
SELECT CASE generate_series(1, 2) WHEN 1 THEN 'a' END;
SELECT coalesce(generate_series(1, 2), 1);
SELECT sum(generate_series(1, 3));
SELECT count(*) FILTER (WHERE generate_series(1, 2) > 1) FROM srf_t;
SELECT row_number() OVER (ORDER BY id), generate_series(1, 2) FROM srf_t WHERE id = 1;
SELECT generate_series(1, 3) LIMIT generate_series(1, 2);
SELECT generate_series(1, 3) OFFSET generate_series(1, 2);
SELECT 1 FROM srf_t a JOIN srf_t b ON generate_series(1, 2) = a.id;
SELECT 1 HAVING generate_series(1, 2) > 1;
VALUES (generate_series(1, 2));
INSERT INTO srf_jobs VALUES (generate_series(30, 31), 'v'), (32, 'w');
UPDATE srf_jobs SET note = 'x' WHERE generate_series(1, 2) = id;
UPDATE srf_jobs SET id = generate_series(1, 2);
DELETE FROM srf_jobs WHERE id = generate_series(1, 2);
INSERT INTO srf_jobs VALUES (40, 'r') RETURNING generate_series(1, 2);
SELECT true OR generate_series(1, 2)::bool;
SELECT NOT generate_series(1, 2) > 1;
SELECT generate_series(1, 2) BETWEEN 1 AND 2;
SELECT id, generate_series(1, 2) FROM srf_t FOR UPDATE;
SELECT * FROM generate_series(1, generate_series(1, 2));
SELECT generate_series(1, 2, 3, 4);
SELECT unnest(1);
DEALLOCATE ins;
DROP TABLE srf_jobs;
DROP TABLE srf_t;
