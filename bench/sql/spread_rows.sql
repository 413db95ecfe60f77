\set id random(1, 10000)
BEGIN;
SELECT v FROM hot WHERE id = :id FOR UPDATE;
UPDATE hot SET v = v + 1 WHERE id = :id;
COMMIT;
