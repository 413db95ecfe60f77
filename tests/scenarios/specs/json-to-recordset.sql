-- json_to_recordset / jsonb_to_recordset in FROM with a column definition list (pg-boss's
-- batch insert reads its jobs so).
SELECT * FROM json_to_recordset('[{"a": 1, "b": "x", "c": {"k": [1, 2]}}, {"a": 2, "d": true}]')
  AS x (a int, b text, c json, d boolean);
SELECT x.b, x.a + 1 AS next FROM jsonb_to_recordset('[{"a": 5, "b": "y"}, {"b": null}]')
  AS x (a int, b text) ORDER BY x.a;
SELECT id, name, "startAfter" FROM json_to_recordset('[{"id": "6a1b2c3d-0000-4000-8000-000000000001", "name": "q", "startAfter": "2024-01-01T00:00:00Z"}]')
  AS x (id uuid, name text, "startAfter" text);
PREPARE p(json) AS SELECT count(*) FROM json_to_recordset($1) AS x (n int) WHERE n > 1;
EXECUTE p('[{"n": 1}, {"n": 2}, {"n": 3}]');
DEALLOCATE p;
SELECT count(*) FROM json_to_recordset('[]') AS x (a int);
SELECT * FROM json_to_recordset(NULL) AS x (a int);
-- Errors.
SELECT * FROM json_to_recordset('[{"a": 1}]');
SELECT * FROM json_to_recordset('{"a": 1}') AS x (a int);
SELECT * FROM json_to_recordset('1') AS x (a int);
SELECT * FROM jsonb_to_recordset('{"a": 1}') AS x (a int);
SELECT * FROM json_to_recordset('[1]') AS x (a int);
SELECT * FROM json_to_recordset('[{"a": "z"}]') AS x (a int);
