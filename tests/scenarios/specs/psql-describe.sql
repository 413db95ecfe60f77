-- psql's \d and \d+ on ordinary tables (issue 13): the catalog relations and functions psql's
-- describe queries read (pg_class, pg_attribute, pg_attrdef, pg_index, pg_constraint,
-- pg_get_indexdef, pg_get_constraintdef, pg_get_expr, and the empty pg_policy,
-- pg_statistic_ext, pg_publication* relations).
CREATE TABLE pd_acc (
  id serial PRIMARY KEY,
  v text NOT NULL DEFAULT 'x',
  n bigint DEFAULT 0,
  code varchar(10) DEFAULT 'a' UNIQUE,
  note text DEFAULT 'it''s',
  ts timestamptz DEFAULT now(),
  CHECK (n >= 0)
);
CREATE INDEX pd_acc_v_idx ON pd_acc (v);
CREATE INDEX pd_acc_n_part ON pd_acc (n) WHERE n > 10;
CREATE UNIQUE INDEX pd_acc_v_code ON pd_acc (v, code);
\d pd_acc
CREATE TABLE pd_item (sku int PRIMARY KEY CHECK (sku > 0), name text NOT NULL, price numeric(10,2));
\d pd_item
-- \d+ adds storage, compression, stats target and description, and the access method
CREATE TABLE pd_log (at timestamptz NOT NULL, msg text, qty numeric DEFAULT 0, flag boolean DEFAULT true, k smallint);
\d+ pd_log
\d pd_log
-- what psql's queries lean on: array subscripts, an array compared with an array literal,
-- constraint definitions
SELECT (ARRAY[10, 20, 30])[2], (ARRAY[10, 20, 30])[4], (ARRAY['a', 'b'])[1];
SELECT ARRAY[0]::oid[] = '{0}';
SELECT conname, contype, pg_get_constraintdef(oid, true) FROM pg_constraint
  WHERE conrelid = 'pd_acc'::regclass ORDER BY conname;
DROP TABLE pd_acc;
DROP TABLE pd_item;
DROP TABLE pd_log;
