-- WHERE conjuncts that read one FROM item are applied to that item before the joins, except
-- where an outer join null-extends the item (WHERE must see its nulls). Results as
-- PostgreSQL's.
CREATE TABLE jf_a (id int PRIMARY KEY, v text);
CREATE TABLE jf_b (id int PRIMARY KEY, a_id int, w int);
CREATE TABLE jf_c (id int PRIMARY KEY, b_id int);
INSERT INTO jf_a VALUES (1, 'one'), (2, 'two'), (3, 'three'), (4, NULL);
INSERT INTO jf_b VALUES (10, 1, 5), (11, 1, NULL), (12, 2, 7), (13, 9, 1);
INSERT INTO jf_c VALUES (100, 10), (101, 12), (102, 99);
-- comma join, one filter per item
SELECT a.id, b.id, c.id FROM jf_a a, jf_b b, jf_c c
WHERE a.id = 1 AND b.a_id = a.id AND c.b_id = b.id AND b.w > 0 ORDER BY 1, 2, 3;
-- a filter on the null-extended side of a LEFT JOIN: IS NULL keeps the unmatched rows
SELECT a.id, b.id FROM jf_a a LEFT JOIN jf_b b ON b.a_id = a.id
WHERE b.w IS NULL ORDER BY 1, 2;
SELECT a.id, b.id FROM jf_a a LEFT JOIN jf_b b ON b.a_id = a.id
WHERE coalesce(b.w, 0) = 0 ORDER BY 1, 2;
-- RIGHT and FULL joins null-extend the items before them
SELECT a.id, b.id FROM jf_a a RIGHT JOIN jf_b b ON b.a_id = a.id
WHERE a.v IS NULL ORDER BY 1, 2;
SELECT a.id, b.id FROM jf_a a FULL JOIN jf_b b ON b.a_id = a.id
WHERE a.id IS NULL OR b.id IS NULL ORDER BY 1, 2;
SELECT a.id, b.id, c.id FROM jf_a a JOIN jf_b b ON b.a_id = a.id RIGHT JOIN jf_c c ON c.b_id = b.id
WHERE a.id IS NULL OR a.id = 1 ORDER BY 1, 2, 3;
-- the preserved side of a LEFT JOIN is filtered first
SELECT a.id, b.id FROM jf_a a LEFT JOIN jf_b b ON b.a_id = a.id
WHERE a.id > 1 ORDER BY 1, 2;
-- a filter that errors on a row another item's condition would have dropped: both errors
SELECT count(*) FROM jf_a a, jf_b b WHERE b.a_id = a.id AND 10 / (b.w - 1) > 0;
-- filters over subqueries, functions and VALUES items
SELECT s.x, g FROM (SELECT id AS x FROM jf_a) s, generate_series(1, 3) g
WHERE s.x = 2 AND g <> 2 ORDER BY 1, 2;
SELECT v.n, a.v FROM (VALUES (1), (3), (5)) v(n), jf_a a WHERE v.n = a.id AND v.n > 1 ORDER BY 1;
-- an outer reference in a pushed conjunct
SELECT a.id, (SELECT count(*) FROM jf_b b, jf_c c WHERE b.a_id = a.id AND c.b_id = b.id)
FROM jf_a a ORDER BY 1;
-- a volatile condition is not evaluated twice
SELECT count(*) FROM jf_a a, jf_b b WHERE b.a_id = a.id AND a.id + random() * 0 < 2;
DROP TABLE jf_a, jf_b, jf_c;
