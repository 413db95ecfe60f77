-- COLLATE with the collations that compare bytewise, as psql's \d and drivers send it.
CREATE TABLE coll_t (id int PRIMARY KEY, name text);
INSERT INTO coll_t VALUES (1, 'B'), (2, 'a'), (3, 'b');
SELECT name FROM coll_t ORDER BY name COLLATE "C";
SELECT 'B' < 'a' COLLATE "C" AS c_order, 'B' < 'a' COLLATE "POSIX" AS posix_order;
SELECT c.relname FROM pg_catalog.pg_class c
WHERE c.relname OPERATOR(pg_catalog.~) '^(coll_t)$' COLLATE pg_catalog.default;
DROP TABLE coll_t;
