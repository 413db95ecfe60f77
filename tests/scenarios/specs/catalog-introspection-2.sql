-- Catalog introspection drivers, ORMs and psql send: ANY over int2vector/oidvector
-- (pg_index.indkey), PostgreSQL 15's pg_index columns, pg_attribute rows of indexes, psql's
-- \d on an index, pg_sequence, regclass output of indexes and of 0, pg_tables, pg_indexes,
-- pg_views, pg_matviews.
CREATE TABLE ci_t (a int, b text, c varchar(20), d numeric(8,2), PRIMARY KEY (a, b));
CREATE UNIQUE INDEX ci_t_c ON ci_t (c) INCLUDE (d);
CREATE INDEX ci_t_part ON ci_t (d) WHERE a > 0;
CREATE INDEX ci_t_expr ON ci_t (lower(b));
-- the primary-key lookup drivers send
SELECT a.attname, format_type(a.atttypid, a.atttypmod)
  FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
  WHERE i.indrelid = 'ci_t'::regclass AND i.indisprimary ORDER BY a.attnum;
-- ANY/ALL over int2vector and oidvector values
SELECT 2 = ANY('1 2 3'::int2vector), 4 = ANY('1 2 3'::int2vector), 0 < ALL('1 2'::int2vector);
SELECT 26::oid = ANY('23 26'::oidvector), '1 2 3'::int2vector, '23 26'::oidvector;
SELECT (indkey)[0], indkey[1], indkey[2] FROM pg_index WHERE indexrelid = 'ci_t_pkey'::regclass;
SELECT unnest(indkey), array_length(indkey, 1), cardinality(indclass), array_to_string(indkey, ',')
  FROM pg_index WHERE indexrelid = 'ci_t_pkey'::regclass;
SELECT a.attname FROM pg_index i, unnest(i.indkey) k, pg_attribute a
  WHERE i.indexrelid = 'ci_t_c'::regclass AND a.attrelid = i.indrelid AND a.attnum = k ORDER BY 1;
-- pg_index's columns
SELECT indexrelid::regclass, indrelid::regclass, indnatts, indnkeyatts, indisunique,
       indnullsnotdistinct, indisprimary, indisexclusion, indimmediate, indisclustered,
       indisvalid, indcheckxmin, indisready, indislive, indisreplident, indkey, indoption,
       indexprs IS NOT NULL AS has_exprs, pg_get_expr(indpred, indrelid, true) AS pred,
       array_length(indcollation::oid[], 1) AS ncoll, array_length(indclass::oid[], 1) AS nclass
  FROM pg_index WHERE indrelid = 'ci_t'::regclass ORDER BY indexrelid::regclass::text;
SELECT c.collname FROM pg_index i, pg_collation c
  WHERE i.indexrelid = 'ci_t_pkey'::regclass AND c.oid = ANY(i.indcollation);
-- an index's attributes, and pg_get_indexdef of one column
SELECT attname, format_type(atttypid, atttypmod), attnum, attnotnull FROM pg_attribute
  WHERE attrelid = 'ci_t_c'::regclass ORDER BY attnum;
SELECT pg_get_indexdef('ci_t_c'::regclass, 1, true), pg_get_indexdef('ci_t_c'::regclass, 2, true),
       pg_get_indexdef('ci_t_c'::regclass);
\d ci_t_pkey
\d ci_t_c
\d ci_t_part
CREATE INDEX ci_t_exprs ON ci_t ((a + 1), b, (a * 2 + 1), lower(c), upper(b));
\d ci_t_expr
\d ci_t_exprs
SELECT pg_get_indexdef('ci_t_exprs'::regclass), pg_get_indexdef('ci_t_exprs'::regclass, 0, true),
       pg_get_indexdef('ci_t_exprs'::regclass, 1, false), pg_get_indexdef('ci_t_exprs'::regclass, 3, true);
DROP INDEX ci_t_exprs;
-- regclass prints an index's name, schema-qualified when it is not visible; 0 prints '-'
SELECT 'ci_t_pkey'::regclass, 'ci_t_c'::regclass::text, 0::regclass, 0::regtype, '-'::regclass::oid;
CREATE SCHEMA ci_s;
CREATE TABLE ci_s.u (id int PRIMARY KEY, x text);
CREATE INDEX ci_u_x ON ci_s.u (x);
SELECT 'ci_s.u_pkey'::regclass, 'ci_s.ci_u_x'::regclass;
-- regnamespace reads and prints schema names
SELECT 'public'::regnamespace, 'ci_s'::regnamespace::text, 'pg_catalog'::regnamespace::oid,
       0::regnamespace, 0::regproc, '-'::regtype::oid;
SELECT relnamespace::regnamespace FROM pg_class WHERE relname = 'ci_u_x';
SELECT 'ci_nope'::regnamespace;
SET search_path = ci_s, public;
SELECT 'u_pkey'::regclass, 'ci_u_x'::regclass;
RESET search_path;
-- sequences
CREATE SEQUENCE ci_seq START 5 INCREMENT 3;
CREATE SEQUENCE ci_seq_i AS integer;
CREATE TABLE ci_ser (id serial, s smallserial);
SELECT seqrelid::regclass, format_type(seqtypid, NULL), seqstart, seqincrement, seqmax, seqmin,
       seqcache, seqcycle
  FROM pg_sequence WHERE seqrelid::regclass::text LIKE 'ci\_%' ORDER BY 1::text;
\d ci_seq
\d ci_ser_id_seq
SELECT 'pg_catalog.pg_class'::regclass, 'pg_class'::regclass::oid, 'pg_depend'::regclass::oid;
-- pg_tables, pg_indexes, pg_views, pg_matviews
CREATE TABLE ci_ref (id int REFERENCES ci_s.u (id), q int);
CREATE VIEW ci_v AS SELECT a, b FROM ci_t;
CREATE MATERIALIZED VIEW ci_mv AS SELECT a FROM ci_t;
SELECT * FROM pg_tables WHERE tablename LIKE 'ci\_%' OR tablename = 'u' ORDER BY 1, 2;
SELECT * FROM pg_indexes WHERE tablename LIKE 'ci\_%' OR tablename = 'u' ORDER BY 1, 2, 3;
SELECT * FROM pg_views WHERE viewname LIKE 'ci\_%';
SELECT * FROM pg_matviews WHERE matviewname LIKE 'ci\_%';
DROP MATERIALIZED VIEW ci_mv;
DROP VIEW ci_v;
DROP TABLE ci_ref, ci_ser, ci_t;
DROP SEQUENCE ci_seq, ci_seq_i;
DROP SCHEMA ci_s CASCADE;
