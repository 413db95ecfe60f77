-- LANGUAGE sql functions: CREATE [OR REPLACE] / DROP FUNCTION, positional and named
-- parameters, defaults, SETOF and RETURNS TABLE in FROM, errors as PostgreSQL 15's.
CREATE TABLE fs_items (id int PRIMARY KEY, name text NOT NULL, price numeric);
INSERT INTO fs_items VALUES (1, 'apple', 1.50), (2, 'pear', 2.25), (3, 'plum', 0.75);
CREATE FUNCTION fs_add(int, int) RETURNS int LANGUAGE sql AS 'SELECT $1 + $2';
SELECT fs_add(2, 3), fs_add(id, 10) FROM fs_items ORDER BY id;
CREATE FUNCTION fs_add(int, int) RETURNS int LANGUAGE sql AS 'SELECT $1 + $2';
CREATE OR REPLACE FUNCTION fs_add(int, int) RETURNS bigint LANGUAGE sql AS 'SELECT $1 + $2';
CREATE OR REPLACE FUNCTION fs_add(int, int) RETURNS int LANGUAGE sql AS 'SELECT $1 * $2';
SELECT fs_add(2, 3);
SELECT fs_add(1, 2, 3);
SELECT fs_add('x', 1);
-- named parameters and defaults
CREATE FUNCTION fs_scaled(amount numeric, factor numeric DEFAULT 2) RETURNS numeric
  LANGUAGE sql AS $$ SELECT amount * factor $$;
SELECT fs_scaled(10), fs_scaled(10, 3);
CREATE FUNCTION fs_price(item_id int) RETURNS numeric LANGUAGE sql STABLE AS $$
  SELECT price FROM fs_items WHERE id = item_id
$$;
SELECT name, fs_price(id) FROM fs_items ORDER BY id;
SELECT fs_price(42) IS NULL AS missing;
-- SETOF and RETURNS TABLE
CREATE FUNCTION fs_cheap(lim numeric) RETURNS SETOF int LANGUAGE sql AS $$
  SELECT id FROM fs_items WHERE price < lim ORDER BY id
$$;
SELECT * FROM fs_cheap(2);
SELECT c FROM fs_cheap(100) AS c ORDER BY c DESC;
CREATE FUNCTION fs_listing(min_id int) RETURNS TABLE (item text, cost numeric) LANGUAGE sql AS $$
  SELECT name, price FROM fs_items WHERE id >= min_id ORDER BY id
$$;
SELECT * FROM fs_listing(2);
SELECT item FROM fs_listing(1) WHERE cost > 1 ORDER BY item;
-- a set-returning function in the select list
SELECT fs_cheap(2), fs_cheap(1) AS under_one;
SELECT fs_cheap(2) WHERE false;
\df fs_*
-- writes in the caller's transaction
CREATE FUNCTION fs_insert(i int, n text) RETURNS int LANGUAGE sql AS $$
  INSERT INTO fs_items VALUES (i, n, 9.99);
  SELECT count(*)::int FROM fs_items;
$$;
BEGIN;
SELECT fs_insert(4, 'fig');
ROLLBACK;
SELECT count(*) FROM fs_items;
CREATE FUNCTION fs_void() RETURNS void LANGUAGE sql AS $$ SELECT 1 $$;
SELECT fs_void();
-- errors
CREATE FUNCTION fs_div(int) RETURNS int LANGUAGE sql AS 'SELECT 10 / $1 FROM fs_items LIMIT 1';
SELECT fs_div(0);
CREATE FUNCTION fs_wrong() RETURNS int LANGUAGE sql AS $$ SELECT 'a'::text $$;
SELECT fs_wrong();
CREATE FUNCTION fs_lang() RETURNS int LANGUAGE foo AS $$ SELECT 1 $$;
SELECT fs_nosuch(1);
DROP FUNCTION fs_nosuch;
DROP FUNCTION fs_nosuch(int);
DROP FUNCTION IF EXISTS fs_nosuch(int);
DROP FUNCTION IF EXISTS fs_nosuch;
CREATE FUNCTION fs_add(int) RETURNS int LANGUAGE sql AS 'SELECT $1';
DROP FUNCTION fs_add;
DROP FUNCTION fs_add(int), fs_add(int, int);
SELECT fs_add(1, 2);
DROP FUNCTION fs_scaled, fs_price, fs_cheap, fs_listing, fs_insert, fs_void, fs_div;
DROP TABLE fs_items;
