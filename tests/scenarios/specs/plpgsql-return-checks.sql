-- RETURN checked against the function's result when the function is created (PostgreSQL's
-- PL/pgSQL grammar): the SQLSTATE and message of each refusal, and bodies that are accepted.
-- (The errors are caught so that the position PostgreSQL adds does not enter the output.)
CREATE FUNCTION rc_try(def text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE def;
  RETURN 'created';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT rc_try($f$CREATE FUNCTION rc_v() RETURNS void LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$$f$);
SELECT rc_try($f$CREATE FUNCTION rc_i() RETURNS int LANGUAGE plpgsql AS $$ BEGIN IF true THEN RETURN; END IF; RETURN 1; END $$$f$);
SELECT rc_try($f$CREATE FUNCTION rc_o(OUT a int) LANGUAGE plpgsql AS $$ BEGIN a := 1; RETURN a; END $$$f$);
SELECT rc_try($f$CREATE FUNCTION rc_s() RETURNS SETOF int LANGUAGE plpgsql AS $$ BEGIN LOOP RETURN 1; END LOOP; END $$$f$);
SELECT rc_try($f$DO $$ BEGIN BEGIN RETURN 1; END; END $$$f$);
SELECT rc_try($f$CREATE FUNCTION rc_ok1(OUT a int, OUT b int) LANGUAGE plpgsql AS $$ BEGIN a := 1; b := 2; RETURN; END $$$f$);
SELECT rc_try($f$CREATE FUNCTION rc_ok2() RETURNS SETOF int LANGUAGE plpgsql AS $$ BEGIN RETURN NEXT 1; RETURN; END $$$f$);
SELECT rc_try($f$CREATE FUNCTION rc_ok3() RETURNS void LANGUAGE plpgsql AS $$ BEGIN IF true THEN RETURN; END IF; END $$$f$);
SELECT * FROM rc_ok1();
SELECT * FROM rc_ok2();
SELECT rc_ok3();
DO $$ BEGIN RETURN; END $$;
DROP FUNCTION rc_ok1();
DROP FUNCTION rc_ok2();
DROP FUNCTION rc_ok3();
DROP FUNCTION rc_try(text);
