-- ALTER SEQUENCE ... OWNER TO (and ALTER TABLE ... OWNER TO of a sequence): the owner and
-- the ACL entries of the old owner move to the new one; a sequence linked to a table column
-- changes owner only with its table; the owner's rules are ALTER TABLE's.
CREATE ROLE aso_owner;
CREATE ROLE aso_other;
CREATE SEQUENCE aso_seq;
CREATE TABLE aso_tab (id serial);
GRANT SELECT ON SEQUENCE aso_seq TO aso_other;
SELECT c.relname, pg_get_userbyid(c.relowner) AS owner, c.relacl FROM pg_class c WHERE c.relname IN ('aso_seq', 'aso_tab_id_seq') ORDER BY 1;
ALTER SEQUENCE aso_seq OWNER TO aso_owner;
SELECT c.relname, pg_get_userbyid(c.relowner) AS owner, c.relacl FROM pg_class c WHERE c.relname IN ('aso_seq', 'aso_tab_id_seq') ORDER BY 1;
ALTER TABLE aso_seq OWNER TO aso_other;
SELECT c.relname, pg_get_userbyid(c.relowner) AS owner, c.relacl FROM pg_class c WHERE c.relname = 'aso_seq';
BEGIN;
ALTER SEQUENCE aso_seq OWNER TO postgres;
ROLLBACK;
SELECT c.relname, pg_get_userbyid(c.relowner) AS owner FROM pg_class c WHERE c.relname = 'aso_seq';
ALTER SEQUENCE aso_tab_id_seq OWNER TO aso_owner;
ALTER SEQUENCE aso_missing OWNER TO aso_owner;
ALTER SEQUENCE aso_tab OWNER TO aso_owner;
ALTER SEQUENCE aso_seq OWNER TO aso_nobody;
SET ROLE aso_owner;
ALTER SEQUENCE aso_seq OWNER TO aso_owner;
RESET ROLE;
DROP TABLE aso_tab;
DROP SEQUENCE aso_seq;
DROP ROLE aso_owner;
DROP ROLE aso_other;
