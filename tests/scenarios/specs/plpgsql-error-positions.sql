-- PL/pgSQL errors that point into an embedded statement or expression: PostgreSQL reports
-- them against that text (internal query and position: psql's LINE and QUERY lines) with no
-- 'SQL statement' context line; other errors of an embedded statement get that line. Also
-- assignment to an element of a one-dimensional array variable.
\set VERBOSITY default
CREATE TABLE pep (id int PRIMARY KEY, v text);
DO $$ BEGIN EXECUTE 'SELECT nosuch FROM pep'; END $$;
DO $$ BEGIN EXECUTE 'SELECT 1/0'; END $$;
DO $$ BEGIN PERFORM nosuch FROM pep; END $$;
DO $$ BEGIN INSERT INTO pep VALUES (1, 'a'); INSERT INTO pep VALUES (1, 'b'); END $$;
DO $$ BEGIN UPDATE pep SET nosuch = 1; END $$;
DO $$
DECLARE n int;
BEGIN
  n := nosuch + 1;
END $$;
DO $$
DECLARE n int := 1;
BEGIN
  IF n > nosuch THEN RAISE NOTICE 'no'; END IF;
END $$;
DO $$
DECLARE n int := 1;
BEGIN
  WHILE n < (SELECT count(nosuch) FROM pep) LOOP n := n + 1; END LOOP;
END $$;
CREATE FUNCTION pep_f(x int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RETURN x + nosuch;
END $$;
SELECT pep_f(1);
CREATE FUNCTION pep_g() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RETURN pep_f(2);
END $$;
SELECT pep_g();
DO $$
DECLARE a int[] := '{1,2}';
  b text[];
  i int := 2;
BEGIN
  a[5] := 7;
  a[i] := a[i] * 10;
  b[1] := 'x';
  b[2] := 3;
  RAISE NOTICE 'a = %, b = %', a, b;
END $$;
DO $$
DECLARE a int[] := '{1}';
BEGIN
  a[NULL] := 1;
END $$;
DO $$
DECLARE n int := 1;
BEGIN
  n[1] := 2;
END $$;
DROP FUNCTION pep_g();
DROP FUNCTION pep_f(int);
DROP TABLE pep;
