-- information_schema views drivers and ORMs read, with PostgreSQL 15's columns and values:
-- columns (types' facets, identity, generated, defaults), table_constraints (NOT NULL as
-- CHECK constraints named from oids, filtered out of the output), check_constraints,
-- key_column_usage, referential_constraints, constraint_column_usage, schemata, sequences.
CREATE SCHEMA cis;
CREATE TABLE cis.parent (id int PRIMARY KEY, code varchar(12) UNIQUE, k1 int, k2 int, UNIQUE (k2, k1));
CREATE TABLE cis.child (
  n bigint GENERATED ALWAYS AS IDENTITY,
  pid int NOT NULL REFERENCES cis.parent (id) ON DELETE CASCADE,
  pcode varchar(12) REFERENCES cis.parent (code) ON UPDATE SET NULL DEFERRABLE INITIALLY DEFERRED,
  a int, b int,
  price numeric(10,2) DEFAULT 0,
  qty int CHECK (qty >= 0),
  ratio double precision,
  r4 real,
  s smallint,
  label text DEFAULT 'x',
  fixed char(3),
  ts timestamp,
  tz timestamptz,
  d date,
  iv interval,
  tm time,
  flag boolean,
  tags text[],
  doubled int GENERATED ALWAYS AS (a * 2) STORED,
  CONSTRAINT child_ab CHECK (a < b AND "b" > 0),
  FOREIGN KEY (a, b) REFERENCES cis.parent (k1, k2)
);
CREATE SEQUENCE cis.sq START 10 INCREMENT 5;
CREATE SEQUENCE cis.sq_small AS smallint;
SELECT column_name, ordinal_position, column_default, is_nullable, data_type,
       character_maximum_length, character_octet_length, numeric_precision,
       numeric_precision_radix, numeric_scale, datetime_precision, udt_catalog IS NOT NULL AS udt_cat,
       udt_schema, udt_name, dtd_identifier, is_self_referencing, is_identity,
       identity_generation, identity_start, identity_increment, identity_maximum,
       identity_minimum, identity_cycle, is_generated, generation_expression, is_updatable
  FROM information_schema.columns WHERE table_schema = 'cis' ORDER BY table_name, ordinal_position;
SELECT interval_type, interval_precision, character_set_name, collation_name, domain_name,
       scope_name, maximum_cardinality, count(*)
  FROM information_schema.columns WHERE table_schema = 'cis'
  GROUP BY 1, 2, 3, 4, 5, 6, 7;
SELECT constraint_schema, constraint_name, table_schema, table_name, constraint_type,
       is_deferrable, initially_deferred, enforced, nulls_distinct,
       constraint_catalog IS NOT NULL AS cat1, table_catalog IS NOT NULL AS cat2
  FROM information_schema.table_constraints
  WHERE table_schema = 'cis' AND (constraint_type <> 'CHECK' OR constraint_name NOT LIKE '%_not_null')
  ORDER BY table_name, constraint_name;
-- NOT NULL constraints: one per NOT NULL column, named from oids
SELECT table_name, count(*) FROM information_schema.table_constraints
  WHERE table_schema = 'cis' AND constraint_type = 'CHECK' AND constraint_name LIKE '%_not_null'
  GROUP BY table_name ORDER BY 1;
SELECT cc.check_clause FROM information_schema.check_constraints cc
  JOIN information_schema.table_constraints tc USING (constraint_schema, constraint_name)
  WHERE tc.table_schema = 'cis' AND tc.table_name = 'child' ORDER BY 1;
SELECT constraint_name, table_name, column_name, ordinal_position, position_in_unique_constraint
  FROM information_schema.key_column_usage WHERE table_schema = 'cis'
  ORDER BY table_name, constraint_name, ordinal_position;
SELECT constraint_schema, constraint_name, unique_constraint_schema, unique_constraint_name,
       match_option, update_rule, delete_rule
  FROM information_schema.referential_constraints WHERE constraint_schema = 'cis'
  ORDER BY constraint_name;
SELECT table_schema, table_name, column_name, constraint_schema, constraint_name
  FROM information_schema.constraint_column_usage WHERE constraint_schema = 'cis'
  ORDER BY constraint_name, table_name, column_name;
-- the primary-key lookup of ORMs built on these views
SELECT kcu.column_name FROM information_schema.table_constraints tc
  JOIN information_schema.key_column_usage kcu
    ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
  WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = 'cis' AND tc.table_name = 'parent';
SELECT schema_name, schema_owner, default_character_set_name, sql_path
  FROM information_schema.schemata WHERE schema_name IN ('cis', 'public', 'pg_catalog', 'information_schema')
  ORDER BY 1;
SELECT * FROM information_schema.sequences WHERE sequence_schema = 'cis' ORDER BY sequence_name;
CREATE VIEW cis.v AS SELECT id, code FROM cis.parent;
CREATE VIEW cis.v_agg AS SELECT count(*) AS n FROM cis.parent;
SELECT * FROM information_schema.tables WHERE table_schema = 'cis' ORDER BY table_name;
DROP SCHEMA cis CASCADE;
