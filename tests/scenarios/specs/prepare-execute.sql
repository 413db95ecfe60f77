-- SQL-level PREPARE / EXECUTE / DEALLOCATE: parameter types from the PREPARE or inferred,
-- arguments as expressions converted to them, and PostgreSQL's errors.
CREATE TABLE pt (k bytea PRIMARY KEY, a int, v text);
INSERT INTO pt VALUES ('\x01', 1, 'x'), ('\x02', 2, 'y'), ('\x03', 3, 'z');
PREPARE d(int) AS DELETE FROM pt WHERE k IN (SELECT k FROM pt ORDER BY k LIMIT $1) RETURNING v;
EXECUTE d(2);
PREPARE s AS SELECT a, v FROM pt WHERE a > $1 ORDER BY a;
EXECUTE s(0);
EXECUTE s('1');
EXECUTE s(1, 2);
EXECUTE nosuch(1);
PREPARE s AS SELECT 1;
PREPARE ins (int, text) AS INSERT INTO pt VALUES ('\x09', $1, $2);
EXECUTE ins(7 + 1, 'seven' || '!');
SELECT * FROM pt ORDER BY k;
DEALLOCATE s;
EXECUTE s(0);
DEALLOCATE ALL;
EXECUTE ins(1, 'x');
DROP TABLE pt;
