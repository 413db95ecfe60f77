-- LANGUAGE plpgsql functions and DO blocks: variables, control flow, SQL inside, RAISE,
-- exception blocks, with PostgreSQL 15's messages and CONTEXT lines.
CREATE TABLE pl_jobs (id int PRIMARY KEY, queue text NOT NULL, state text NOT NULL DEFAULT 'ready',
                      attempts int NOT NULL DEFAULT 0);
INSERT INTO pl_jobs (id, queue) SELECT g, CASE WHEN g % 2 = 0 THEN 'even' ELSE 'odd' END
  FROM generate_series(1, 6) g;
CREATE FUNCTION pl_fact(n int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  result bigint := 1;
  i int;
BEGIN
  IF n < 0 THEN
    RAISE EXCEPTION 'negative input: %', n USING HINT = 'Pass zero or more.';
  ELSIF n = 0 THEN
    RETURN 1;
  END IF;
  FOR i IN 1..n LOOP
    result := result * i;
  END LOOP;
  RETURN result;
END
$$;
SELECT pl_fact(0), pl_fact(5), pl_fact(10);
SELECT pl_fact(-1);
CREATE FUNCTION pl_classify(v int) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  CASE
    WHEN v < 0 THEN RETURN 'negative';
    WHEN v = 0 THEN RETURN 'zero';
    ELSE RETURN 'positive';
  END CASE;
END
$$;
SELECT pl_classify(-3), pl_classify(0), pl_classify(7);
CREATE FUNCTION pl_loops() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  acc text := '';
  n int := 0;
BEGIN
  LOOP
    n := n + 1;
    CONTINUE WHEN n = 2;
    EXIT WHEN n > 4;
    acc := acc || n;
  END LOOP;
  WHILE n > 0 LOOP
    n := n - 2;
  END LOOP;
  FOR i IN REVERSE 9..1 BY 3 LOOP
    acc := acc || ',' || i;
  END LOOP;
  <<outer>>
  FOR i IN 1..3 LOOP
    FOR j IN 1..3 LOOP
      EXIT outer WHEN i * j = 4;
      acc := acc || ' ' || i || j;
    END LOOP;
  END LOOP;
  RETURN acc || ' n=' || n;
END
$$;
SELECT pl_loops();
-- SQL inside: SELECT INTO, FOUND, GET DIAGNOSTICS, PERFORM, FOR over rows, RETURN NEXT/QUERY
CREATE FUNCTION pl_touch(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
  first_id int;
  r record;
  ids text := '';
BEGIN
  UPDATE pl_jobs SET attempts = attempts + 1 WHERE queue = q;
  GET DIAGNOSTICS n = ROW_COUNT;
  SELECT id INTO first_id FROM pl_jobs WHERE queue = q ORDER BY id LIMIT 1;
  IF NOT FOUND THEN
    RETURN 'no jobs in ' || q;
  END IF;
  FOR r IN SELECT id, attempts FROM pl_jobs WHERE queue = q ORDER BY id LOOP
    ids := ids || r.id || ':' || r.attempts || ' ';
  END LOOP;
  PERFORM 1 FROM pl_jobs WHERE queue = q AND attempts > 1;
  RETURN format('%s rows, first %s, [%s], found=%s', n, first_id, trim(ids), FOUND);
END
$$;
SELECT pl_touch('odd');
SELECT pl_touch('odd');
SELECT pl_touch('none');
CREATE FUNCTION pl_ids(q text) RETURNS SETOF int LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT id FROM pl_jobs WHERE queue = q ORDER BY id LOOP
    RETURN NEXT r.id * 10;
  END LOOP;
  RETURN QUERY SELECT id FROM pl_jobs WHERE queue = q ORDER BY id DESC LIMIT 1;
END
$$;
SELECT * FROM pl_ids('even');
CREATE FUNCTION pl_table(q text) RETURNS TABLE (job_id int, job_state text) LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY SELECT id, state FROM pl_jobs WHERE queue = q ORDER BY id;
END
$$;
SELECT * FROM pl_table('odd');
-- EXECUTE with format() and USING
CREATE FUNCTION pl_count(tbl text, st text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  c bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM %I WHERE state = $1', tbl) INTO c USING st;
  RETURN c;
END
$$;
SELECT pl_count('pl_jobs', 'ready');
-- exception blocks roll back their writes; SQLSTATE / SQLERRM; re-raise
CREATE FUNCTION pl_safe_div(a int, b int) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  UPDATE pl_jobs SET state = 'broken' WHERE id = 1;
  RETURN (a / b)::text;
EXCEPTION
  WHEN division_by_zero THEN
    RETURN 'caught ' || SQLSTATE || ': ' || SQLERRM;
END
$$;
SELECT pl_safe_div(7, 2), pl_safe_div(1, 0);
SELECT state FROM pl_jobs WHERE id = 1;
CREATE FUNCTION pl_unique(i int) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO pl_jobs (id, queue) VALUES (i, 'extra');
  RETURN 'inserted';
EXCEPTION
  WHEN unique_violation THEN
    RAISE NOTICE 'duplicate %', i;
    RETURN 'exists';
  WHEN OTHERS THEN
    RAISE;
END
$$;
SELECT pl_unique(1);
SELECT pl_unique(100);
SELECT pl_unique(NULL);
DELETE FROM pl_jobs WHERE id = 100;
-- RAISE forms
DO $$
BEGIN
  RAISE NOTICE 'plain notice % and %%', 42;
  RAISE WARNING 'a warning';
  RAISE INFO 'some info';
END
$$;
DO $$ BEGIN RAISE EXCEPTION 'custom' USING ERRCODE = '22023', DETAIL = 'the detail'; END $$;
DO $$ BEGIN RAISE unique_violation USING MESSAGE = 'dup!'; END $$;
DO $$ BEGIN RAISE SQLSTATE '22012'; END $$;
DO $$
DECLARE
  x int;
BEGIN
  SELECT id INTO STRICT x FROM pl_jobs WHERE id > 100;
END
$$;
DO $$
DECLARE
  x int;
BEGIN
  SELECT id INTO STRICT x FROM pl_jobs;
END
$$;
DO $$
DECLARE
  x int := 0;
BEGIN
  x := 10 / x;
END
$$;
DO $$ BEGIN INSERT INTO pl_jobs (id, queue) VALUES (1, 'dup'); END $$;
DO $$ BEGIN CASE 3 WHEN 1 THEN NULL; END CASE; END $$;
DO $$
DECLARE
  r record;
BEGIN
  RAISE NOTICE 'field: %', r.id;
END
$$;
DO $$
DECLARE
  r pl_jobs%ROWTYPE;
  q pl_jobs.queue%TYPE := 'odd';
BEGIN
  SELECT * INTO r FROM pl_jobs WHERE queue = q ORDER BY id DESC LIMIT 1;
  RAISE NOTICE 'last % job: % (%)', q, r.id, r.state;
END
$$;
CREATE FUNCTION pl_noreturn() RETURNS int LANGUAGE plpgsql AS $$ BEGIN END $$;
SELECT pl_noreturn();
-- nested calls: the inner function's context comes first
CREATE FUNCTION pl_outer() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  RETURN pl_fact(-2);
END
$$;
SELECT pl_outer();
DO $$ BEGIN PERFORM pl_fact(-3); END $$;
SELECT id, state, attempts FROM pl_jobs ORDER BY id;
DROP FUNCTION pl_fact, pl_classify, pl_loops, pl_touch, pl_ids, pl_table, pl_count, pl_safe_div,
  pl_unique, pl_noreturn, pl_outer;
DROP TABLE pl_jobs;
