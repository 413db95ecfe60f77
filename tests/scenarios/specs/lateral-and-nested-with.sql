-- LATERAL subqueries and functions, and WITH queries read from nested subqueries: each once
-- crashed holdfast (issue 9; PostgreSQL's join.sql, aggregates.sql, rangefuncs.sql,
-- memoize.sql, with.sql).
CREATE TABLE lat_a (id int PRIMARY KEY, n int);
CREATE TABLE lat_b (id int PRIMARY KEY, a_id int, v text);
INSERT INTO lat_a VALUES (1, 2), (2, 0), (3, 1);
INSERT INTO lat_b VALUES (10, 1, 'x'), (11, 1, 'y'), (12, 3, 'z');
-- a subquery reading the row before it
SELECT a.id, s.v FROM lat_a a, LATERAL (SELECT v FROM lat_b b WHERE b.a_id = a.id) s
ORDER BY a.id, s.v;
SELECT a.id, s.v FROM lat_a a LEFT JOIN LATERAL (SELECT v FROM lat_b b WHERE b.a_id = a.id) s
  ON true ORDER BY a.id, s.v;
SELECT a.id, s.cnt FROM lat_a a
  CROSS JOIN LATERAL (SELECT count(*) AS cnt FROM lat_b b WHERE b.a_id = a.id) s ORDER BY a.id;
-- grouped, as aggregates.sql:205
SELECT s1, s2, sm FROM generate_series(1, 3) s1,
  LATERAL (SELECT s2, sum(s1 + s2) sm FROM generate_series(1, 3) s2 GROUP BY s2) ss
ORDER BY 1, 2;
-- a function reading the row before it
SELECT a.id, g FROM lat_a a, generate_series(1, a.n) g ORDER BY a.id, g;
-- nested: LATERAL inside LATERAL
SELECT a.id, t.w FROM lat_a a,
  LATERAL (SELECT s.v || a.id AS w FROM LATERAL (SELECT v FROM lat_b WHERE a_id = a.id) s) t
ORDER BY 1, 2;
-- a LATERAL subquery that does not read the row before it
SELECT count(*) FROM lat_a a, LATERAL (SELECT 1 AS one) s;
-- RIGHT and FULL joins cannot read the row before them
SELECT * FROM lat_a a RIGHT JOIN LATERAL (SELECT a.id AS x) s ON true;
SELECT * FROM lat_a a FULL JOIN LATERAL (SELECT v FROM lat_b WHERE a_id = a.id) s ON true;
-- a WITH query read from a subquery nested below its definition (with.sql:1061)
SELECT (WITH cte(foo) AS (VALUES (id)) SELECT (SELECT foo FROM cte)) FROM lat_a ORDER BY 1;
SELECT a.id, (WITH c AS (SELECT n FROM lat_a x WHERE x.id = a.id)
              SELECT (SELECT (SELECT n * 10 FROM c))) FROM lat_a a ORDER BY 1;
WITH c AS (SELECT id FROM lat_a WHERE n > 0)
SELECT b.id, EXISTS (SELECT 1 FROM c WHERE c.id = b.a_id) FROM lat_b b ORDER BY 1;
DROP TABLE lat_a;
DROP TABLE lat_b;
