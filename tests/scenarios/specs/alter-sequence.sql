-- ALTER SEQUENCE (issue 13): the options CREATE SEQUENCE takes, checked with its messages;
-- RESTART [WITH], OWNED BY, IF EXISTS; its effect on nextval/currval/setval and information_schema.sequences;
-- a rollback undoes OWNED BY.
CREATE SEQUENCE aseq;
SELECT nextval('aseq');
ALTER SEQUENCE aseq RESTART WITH 100;
SELECT nextval('aseq'), currval('aseq');
ALTER SEQUENCE aseq RESTART;
SELECT nextval('aseq');
ALTER SEQUENCE aseq INCREMENT BY 10;
SELECT nextval('aseq'), nextval('aseq');
ALTER SEQUENCE aseq INCREMENT 1 MAXVALUE 25;
SELECT nextval('aseq');
SELECT nextval('aseq');
SELECT nextval('aseq');
SELECT nextval('aseq');
ALTER SEQUENCE aseq NO MAXVALUE START WITH 5 RESTART;
SELECT nextval('aseq');
SELECT setval('aseq', 50);
SELECT nextval('aseq');
ALTER SEQUENCE aseq MINVALUE 40 RESTART WITH 40;
SELECT nextval('aseq');
ALTER SEQUENCE aseq NO MINVALUE;
SELECT sequence_name, start_value, minimum_value, maximum_value, increment
  FROM information_schema.sequences WHERE sequence_name = 'aseq';
-- Outside a transaction block; inside one, a rollback undoes OWNED BY.
CREATE TABLE aseq_owner (id int);
BEGIN;
ALTER SEQUENCE aseq OWNED BY aseq_owner.id;
ROLLBACK;
DROP TABLE aseq_owner;
SELECT nextval('aseq');
ALTER SEQUENCE aseq MAXVALUE 1000;
SELECT maximum_value FROM information_schema.sequences WHERE sequence_name = 'aseq';
-- Data types: AS resets a bound that was the old type's limit.
ALTER SEQUENCE aseq NO MAXVALUE;
ALTER SEQUENCE aseq AS smallint;
SELECT data_type, maximum_value FROM information_schema.sequences WHERE sequence_name = 'aseq';
ALTER SEQUENCE aseq AS integer NO MAXVALUE;
SELECT data_type, maximum_value FROM information_schema.sequences WHERE sequence_name = 'aseq';
ALTER SEQUENCE aseq AS smallint MAXVALUE 100000;
ALTER SEQUENCE aseq AS text;
-- The errors CREATE SEQUENCE gives.
ALTER SEQUENCE aseq INCREMENT 0;
ALTER SEQUENCE aseq INCREMENT 99999999999999999999;
ALTER SEQUENCE aseq RESTART WITH 1.5;
ALTER SEQUENCE aseq CACHE 0;
ALTER SEQUENCE aseq MINVALUE 10 MAXVALUE 5;
ALTER SEQUENCE aseq START WITH 0;
ALTER SEQUENCE aseq RESTART WITH 2000;
CREATE SEQUENCE bad_seq INCREMENT 0;
CREATE SEQUENCE bad_seq MINVALUE 10 MAXVALUE 5;
CREATE SEQUENCE bad_seq START 0 MINVALUE 1;
CREATE SEQUENCE bad_seq AS smallint MAXVALUE 40000;
CREATE SEQUENCE bad_seq CACHE -1;
CREATE SEQUENCE desc_seq INCREMENT -2;
SELECT nextval('desc_seq'), nextval('desc_seq');
SELECT start_value, minimum_value, maximum_value FROM information_schema.sequences WHERE sequence_name = 'desc_seq';
DROP SEQUENCE desc_seq;
CREATE SEQUENCE desc_int AS integer INCREMENT BY -1;
ALTER SEQUENCE desc_int AS smallint;
SELECT data_type, start_value, minimum_value, maximum_value
  FROM information_schema.sequences WHERE sequence_name = 'desc_int';
DROP SEQUENCE desc_int;
ALTER SEQUENCE aseq OWNED BY nobody;
ALTER SEQUENCE aseq CACHE 1 NO CYCLE;
-- Names.
ALTER SEQUENCE no_such_seq RESTART;
ALTER SEQUENCE IF EXISTS no_such_seq RESTART;
CREATE TABLE aseq_t (id int, note text);
ALTER SEQUENCE aseq_t RESTART;
-- OWNED BY: the sequence goes with its table.
ALTER SEQUENCE aseq OWNED BY aseq_t.no_col;
ALTER SEQUENCE aseq OWNED BY no_table.id;
ALTER SEQUENCE aseq OWNED BY aseq_t.id;
ALTER SEQUENCE aseq OWNED BY NONE;
CREATE SEQUENCE owned_seq OWNED BY aseq_t.id;
ALTER SEQUENCE aseq OWNED BY aseq_t.id;
DROP TABLE aseq_t;
SELECT sequence_name FROM information_schema.sequences WHERE sequence_name IN ('aseq', 'owned_seq');
