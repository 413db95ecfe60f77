-- Deferrable foreign keys: DEFERRABLE / INITIALLY DEFERRED / NOT DEFERRABLE stored in
-- pg_constraint and printed by pg_get_constraintdef and \d; a deferred check of the
-- referencing row runs at COMMIT (23503 there rolls back); SET CONSTRAINTS.
CREATE TABLE dc_parent (id int PRIMARY KEY, name text);
CREATE TABLE dc_child (
  id int PRIMARY KEY,
  p_deferred int REFERENCES dc_parent DEFERRABLE INITIALLY DEFERRED,
  p_deferrable int,
  p_plain int,
  CONSTRAINT dc_child_deferrable_fkey FOREIGN KEY (p_deferrable) REFERENCES dc_parent (id)
    ON DELETE CASCADE DEFERRABLE,
  CONSTRAINT dc_child_plain_fkey FOREIGN KEY (p_plain) REFERENCES dc_parent NOT DEFERRABLE
);
CREATE TABLE dc_other (id int PRIMARY KEY, p int);
ALTER TABLE dc_other ADD CONSTRAINT dc_other_p_fkey FOREIGN KEY (p) REFERENCES dc_parent
  DEFERRABLE INITIALLY IMMEDIATE;
CREATE TABLE dc_other2 (p int, FOREIGN KEY (p) REFERENCES dc_parent INITIALLY DEFERRED);
SELECT conname, condeferrable, condeferred, pg_get_constraintdef(oid)
  FROM pg_constraint WHERE contype = 'f' AND conname LIKE 'dc_%' ORDER BY conname;
-- Misplaced and contradictory attributes.
CREATE TABLE dc_bad (a int DEFERRABLE);
CREATE TABLE dc_bad (a int REFERENCES dc_parent NOT DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE dc_bad (a int REFERENCES dc_parent DEFERRABLE DEFERRABLE);
CREATE TABLE dc_bad (a int REFERENCES dc_parent INITIALLY DEFERRED INITIALLY IMMEDIATE);
CREATE TABLE dc_bad (a int NOT NULL INITIALLY DEFERRED);
DROP TABLE dc_other2;
-- The child before the parent, in one transaction.
BEGIN;
INSERT INTO dc_child VALUES (1, 10, NULL, NULL);
INSERT INTO dc_parent VALUES (10, 'ten');
COMMIT;
SELECT * FROM dc_child ORDER BY id;
-- A parent that never comes: the error is COMMIT's, and nothing stays.
BEGIN;
INSERT INTO dc_child VALUES (2, 20, NULL, NULL);
SELECT count(*) FROM dc_child;
COMMIT;
SELECT count(*) FROM dc_child;
-- Outside a block the statement's own commit checks.
INSERT INTO dc_child VALUES (3, 30, NULL, NULL);
-- A row fixed or removed before COMMIT is fine.
BEGIN;
INSERT INTO dc_child VALUES (4, 40, NULL, NULL);
UPDATE dc_child SET p_deferred = 10 WHERE id = 4;
INSERT INTO dc_child VALUES (5, 50, NULL, NULL);
DELETE FROM dc_child WHERE id = 5;
COMMIT;
SELECT * FROM dc_child ORDER BY id;
-- An update that changes the key to a missing one.
BEGIN;
UPDATE dc_child SET p_deferred = 99 WHERE id = 1;
COMMIT;
SELECT * FROM dc_child ORDER BY id;
-- DEFERRABLE INITIALLY IMMEDIATE checks at once, unless SET CONSTRAINTS defers it.
BEGIN;
INSERT INTO dc_child VALUES (6, NULL, 60, NULL);
ROLLBACK;
BEGIN;
SET CONSTRAINTS ALL DEFERRED;
INSERT INTO dc_child VALUES (6, NULL, 60, NULL);
INSERT INTO dc_child VALUES (7, NULL, NULL, 70);
INSERT INTO dc_parent VALUES (60, 'sixty');
COMMIT;
SELECT * FROM dc_child ORDER BY id;
BEGIN;
SET CONSTRAINTS dc_child_deferrable_fkey DEFERRED;
INSERT INTO dc_child VALUES (8, NULL, 80, NULL);
INSERT INTO dc_parent VALUES (80, 'eighty');
COMMIT;
-- SET CONSTRAINTS ... IMMEDIATE runs the pending checks then.
BEGIN;
INSERT INTO dc_child VALUES (9, 90, NULL, NULL);
SET CONSTRAINTS dc_child_p_deferred_fkey IMMEDIATE;
ROLLBACK;
BEGIN;
INSERT INTO dc_child VALUES (9, 90, NULL, NULL);
INSERT INTO dc_parent VALUES (90, 'ninety');
SET CONSTRAINTS ALL IMMEDIATE;
INSERT INTO dc_child VALUES (11, 91, NULL, NULL);
ROLLBACK;
BEGIN;
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS dc_child_p_deferred_fkey DEFERRED;
INSERT INTO dc_child VALUES (12, 92, NULL, NULL);
SET CONSTRAINTS dc_child_deferrable_fkey IMMEDIATE;
INSERT INTO dc_parent VALUES (92, 'ninety-two');
COMMIT;
SELECT * FROM dc_child ORDER BY id;
-- ROLLBACK TO restores what SET CONSTRAINTS chose, and forgets the checks queued since.
BEGIN;
SET CONSTRAINTS ALL IMMEDIATE;
SAVEPOINT s;
SET CONSTRAINTS ALL DEFERRED;
ROLLBACK TO s;
INSERT INTO dc_child VALUES (13, 93, NULL, NULL);
ROLLBACK;
BEGIN;
SAVEPOINT s;
SET CONSTRAINTS ALL IMMEDIATE;
ROLLBACK TO s;
INSERT INTO dc_child VALUES (13, 93, NULL, NULL);
SAVEPOINT t;
INSERT INTO dc_child VALUES (14, 94, NULL, NULL);
ROLLBACK TO t;
DELETE FROM dc_child WHERE id = 13;
COMMIT;
-- Names that cannot be deferred.
BEGIN;
SET CONSTRAINTS dc_child_plain_fkey DEFERRED;
ROLLBACK;
BEGIN;
SET CONSTRAINTS dc_parent_pkey IMMEDIATE;
ROLLBACK;
BEGIN;
SET CONSTRAINTS no_such_constraint DEFERRED;
ROLLBACK;
BEGIN;
SET CONSTRAINTS public.dc_other_p_fkey, dc_child_p_deferred_fkey DEFERRED;
INSERT INTO dc_other VALUES (1, 100);
INSERT INTO dc_parent VALUES (100, 'hundred');
COMMIT;
-- The referenced side: a deferred constraint's NO ACTION check waits for COMMIT, and a
-- key that exists again by then is fine; RESTRICT is never deferred.
BEGIN;
DELETE FROM dc_parent WHERE id = 10;
SELECT id FROM dc_child WHERE p_deferred = 10 ORDER BY id;
INSERT INTO dc_parent VALUES (10, 'ten again');
COMMIT;
BEGIN;
UPDATE dc_parent SET id = 93 WHERE id = 92;
COMMIT;
BEGIN;
DELETE FROM dc_parent WHERE id = 92;
DELETE FROM dc_child WHERE id = 12;
COMMIT;
BEGIN;
DELETE FROM dc_parent WHERE id = 10;
SET CONSTRAINTS dc_child_p_deferred_fkey IMMEDIATE;
ROLLBACK;
ALTER TABLE dc_other ADD CONSTRAINT dc_other_r_fkey FOREIGN KEY (p) REFERENCES dc_parent
  ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED;
BEGIN;
DELETE FROM dc_parent WHERE id = 100;
ROLLBACK;
-- ON DELETE CASCADE acts at once even when its constraint is deferred (only the NO ACTION
-- check can wait).
BEGIN;
SET CONSTRAINTS dc_child_deferrable_fkey DEFERRED;
DELETE FROM dc_parent WHERE id = 80;
SELECT id FROM dc_child WHERE p_deferrable = 80;
COMMIT;
SELECT * FROM dc_parent ORDER BY id;
SELECT * FROM dc_child ORDER BY id;
SET CONSTRAINTS ALL DEFERRED;
DROP TABLE dc_other;
DROP TABLE dc_child;
DROP TABLE dc_parent;
