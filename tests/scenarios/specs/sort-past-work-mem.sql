-- ORDER BY past work_mem (issue 9, memory bounds): sorted runs in temporary files, merged;
-- the rows and their order are those of an in-memory sort (every ORDER BY ends with a unique
-- column, since PostgreSQL's sort is not stable).
SET work_mem = '64kB';
SHOW work_mem;
CREATE TABLE sortbig (id int PRIMARY KEY, k int, s text);
INSERT INTO sortbig
  SELECT g, g % 97, CASE WHEN g % 13 = 0 THEN NULL ELSE md5((g % 5000)::text) END
  FROM generate_series(1, 100000) g;
SELECT id, k, s FROM sortbig ORDER BY k, s DESC NULLS FIRST, id OFFSET 78 LIMIT 5;
SELECT id, k, s FROM sortbig ORDER BY s, id OFFSET 92305 LIMIT 5;
SELECT id, k, s FROM sortbig ORDER BY s NULLS FIRST, id DESC OFFSET 7690 LIMIT 3;
SELECT id, s FROM sortbig WHERE k < 50 ORDER BY k DESC, s, id OFFSET 50000 LIMIT 5;
SELECT g, md5(g::text) FROM generate_series(1, 100000) g ORDER BY 2 DESC OFFSET 99997;
SELECT count(*), min(x), max(x)
  FROM (SELECT md5(g::text) AS x FROM generate_series(1, 100000) g ORDER BY 1 OFFSET 5) s;
SET work_mem = '63kB';
SET work_mem = '1GB';
SELECT id, k, s FROM sortbig ORDER BY s, id OFFSET 92305 LIMIT 5;
DROP TABLE sortbig;
