-- A READ ONLY transaction may write temporary tables (PostgreSQL: they are not "permanent
-- relations"), with INSERT, UPDATE, DELETE, COPY FROM and SELECT ... FOR UPDATE, but never a
-- permanent table (issue 13).
CREATE TABLE ro_perm (id int PRIMARY KEY, v text);
INSERT INTO ro_perm VALUES (1, 'a');
CREATE TEMP TABLE ro_tmp (id int PRIMARY KEY, v text);
BEGIN READ ONLY;
INSERT INTO ro_tmp VALUES (1, 'one'), (2, 'two');
UPDATE ro_tmp SET v = 'uno' WHERE id = 1;
DELETE FROM ro_tmp WHERE id = 2;
COPY ro_tmp FROM STDIN;
3	three
\.
SELECT * FROM ro_tmp ORDER BY id FOR UPDATE;
INSERT INTO ro_tmp SELECT id + 10, v FROM ro_perm;
SELECT * FROM ro_tmp ORDER BY id;
INSERT INTO ro_perm VALUES (2, 'b');
ROLLBACK;
BEGIN READ ONLY;
UPDATE ro_perm SET v = 'x';
ROLLBACK;
BEGIN READ ONLY;
DELETE FROM ro_perm;
ROLLBACK;
BEGIN READ ONLY;
SELECT * FROM ro_perm FOR UPDATE;
ROLLBACK;
BEGIN READ ONLY;
COPY ro_perm FROM STDIN;
ROLLBACK;
BEGIN READ ONLY;
INSERT INTO ro_perm SELECT id + 100, v FROM ro_tmp;
ROLLBACK;
BEGIN READ ONLY;
SELECT * FROM ro_tmp t JOIN ro_perm p USING (id) FOR UPDATE OF t;
SELECT * FROM ro_tmp t JOIN ro_perm p USING (id) FOR UPDATE;
ROLLBACK;
SET default_transaction_read_only = on;
INSERT INTO ro_tmp VALUES (5, 'five');
UPDATE ro_tmp SET v = v || '!' RETURNING *;
INSERT INTO ro_perm VALUES (5, 'five');
RESET default_transaction_read_only;
SELECT * FROM ro_tmp ORDER BY id;
DROP TABLE ro_perm;
