-- A unique violation's DETAIL names the index key, expressions included (as pg_get_indexdef
-- spells them).
CREATE TABLE t (id int PRIMARY KEY, v text, a int);
CREATE UNIQUE INDEX t_lower ON t (lower(v)) INCLUDE (a);
CREATE UNIQUE INDEX t_expr ON t ((a + 1), v);
INSERT INTO t VALUES (1, 'W', 1);
INSERT INTO t VALUES (2, 'w', 2);
INSERT INTO t VALUES (3, 'W2', 1), (4, 'W2', 1);
INSERT INTO t VALUES (5, 'q', 7);
UPDATE t SET v = 'Q' WHERE id = 1;
UPDATE t SET v = 'w', a = 1 WHERE id = 5;
CREATE TABLE u (id int PRIMARY KEY, a int, b int);
CREATE UNIQUE INDEX u_sum ON u ((a + b), (b * 2), abs(a));
INSERT INTO u VALUES (1, 1, 2), (2, 1, 2);
DROP TABLE t, u;
