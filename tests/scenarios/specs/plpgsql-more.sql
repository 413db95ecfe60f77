-- More PL/pgSQL: nested exception blocks and re-raise, RETURN QUERY EXECUTE, GET DIAGNOSTICS
-- after EXECUTE, WHILE with labels, CONSTANT and NOT NULL variables, ASSERT, OUT parameters.
CREATE TABLE pm_t (id int PRIMARY KEY, v text);
INSERT INTO pm_t SELECT g, 'v' || g FROM generate_series(1, 5) g;
CREATE FUNCTION pm_nested() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  log text := '';
BEGIN
  BEGIN
    BEGIN
      INSERT INTO pm_t VALUES (10, 'ten');
      PERFORM 1 / 0;
    EXCEPTION WHEN unique_violation THEN
      log := log || 'inner-unique ';
    END;
  EXCEPTION WHEN division_by_zero THEN
    log := log || 'outer-div(' || SQLSTATE || ') ';
  END;
  BEGIN
    INSERT INTO pm_t VALUES (1, 'dup');
  EXCEPTION WHEN integrity_constraint_violation THEN
    log := log || 'class-23 ';
  END;
  BEGIN
    BEGIN
      RAISE EXCEPTION 'mine' USING ERRCODE = 'P0099';
    EXCEPTION WHEN OTHERS THEN
      log := log || 'reraise ';
      RAISE;
    END;
  EXCEPTION WHEN SQLSTATE 'P0099' THEN
    log := log || 'got ' || SQLERRM;
  END;
  RETURN log;
END
$$;
SELECT pm_nested();
SELECT count(*) FROM pm_t WHERE id = 10;
CREATE FUNCTION pm_dyn(tbl text, lo int) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  EXECUTE format('UPDATE %I SET v = upper(v) WHERE id >= $1', tbl) USING lo;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN NEXT 'updated ' || n;
  RETURN QUERY EXECUTE format('SELECT v FROM %I WHERE id >= $1 ORDER BY id', tbl) USING lo;
END
$$;
SELECT * FROM pm_dyn('pm_t', 4);
CREATE FUNCTION pm_out(a int, OUT doubled int, OUT label text) LANGUAGE plpgsql AS $$
BEGIN
  doubled := a * 2;
  label := 'n' || a;
END
$$;
SELECT * FROM pm_out(21);
CREATE FUNCTION pm_while(lim int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  k CONSTANT int := 3;
  total int NOT NULL := 0;
  i int := 0;
BEGIN
  <<counting>>
  WHILE true LOOP
    i := i + 1;
    IF i % k = 0 THEN
      CONTINUE counting;
    END IF;
    total := total + i;
    EXIT counting WHEN i >= lim;
  END LOOP counting;
  ASSERT total > 0, 'total must be positive';
  RETURN total;
END
$$;
SELECT pm_while(10);
SELECT pm_while(0);
DO $$ BEGIN ASSERT 1 = 2, 'one is not two'; END $$;
DO $$ DECLARE x int NOT NULL := 1; BEGIN x := NULL; END $$;
DO $$
DECLARE
  r record;
  n int := 0;
BEGIN
  FOR r IN EXECUTE 'SELECT id, v FROM pm_t WHERE id <= $1 ORDER BY id' USING 2 LOOP
    n := n + r.id;
    RAISE NOTICE 'row % %', r.id, r.v;
  END LOOP;
  RAISE NOTICE 'sum %, found %', n, FOUND;
END
$$;
DROP FUNCTION pm_nested, pm_dyn, pm_out, pm_while;
DROP TABLE pm_t;
