-- Declarative HASH partitioning: rows land in the partition PostgreSQL puts them in (its
-- hash support functions with the partition seed, combined over the key's columns, NULLs
-- skipped), bounds are checked as PostgreSQL checks them (every modulus a factor of the
-- next larger one, no overlap, no DEFAULT), and the hash functions users call for
-- advisory-lock keys give PostgreSQL's numbers.
CREATE TABLE hjobs (id int NOT NULL, queue text, payload text) PARTITION BY HASH (id);
CREATE TABLE hjobs_0 PARTITION OF hjobs FOR VALUES WITH (MODULUS 4, REMAINDER 0);
CREATE TABLE hjobs_1 PARTITION OF hjobs FOR VALUES WITH (MODULUS 4, REMAINDER 1);
CREATE TABLE hjobs_2 PARTITION OF hjobs FOR VALUES WITH (MODULUS 4, REMAINDER 2);
-- remainder 3 of modulus 4 is free; remainder 1 of modulus 2 would overlap hjobs_1.
CREATE TABLE hjobs_x PARTITION OF hjobs FOR VALUES WITH (MODULUS 2, REMAINDER 1);
CREATE TABLE hjobs_x PARTITION OF hjobs FOR VALUES WITH (MODULUS 3, REMAINDER 1);
CREATE TABLE hjobs_x PARTITION OF hjobs FOR VALUES WITH (MODULUS 8, REMAINDER 1);
CREATE TABLE hjobs_x PARTITION OF hjobs FOR VALUES WITH (MODULUS 0, REMAINDER 0);
CREATE TABLE hjobs_x PARTITION OF hjobs FOR VALUES WITH (MODULUS 4, REMAINDER 4);
CREATE TABLE hjobs_x PARTITION OF hjobs DEFAULT;
CREATE TABLE hjobs_x PARTITION OF hjobs FOR VALUES IN (1);
CREATE TABLE hjobs_x PARTITION OF hjobs FOR VALUES FROM (1) TO (2);
-- No partition takes remainder 3 of 4 yet.
INSERT INTO hjobs SELECT g, 'q' || (g % 3), 'p' FROM generate_series(1, 40) g;
CREATE TABLE hjobs_3 PARTITION OF hjobs FOR VALUES WITH (MODULUS 4, REMAINDER 3);
INSERT INTO hjobs SELECT g, 'q' || (g % 3), 'p' FROM generate_series(1, 40) g;
SELECT count(*) FROM hjobs;
SELECT string_agg(id::text, ',' ORDER BY id) FROM hjobs_0;
SELECT string_agg(id::text, ',' ORDER BY id) FROM hjobs_1;
SELECT string_agg(id::text, ',' ORDER BY id) FROM hjobs_2;
SELECT string_agg(id::text, ',' ORDER BY id) FROM hjobs_3;
-- Reads through the parent with the key fixed, and updates that keep or move the row.
SELECT id, queue FROM hjobs WHERE id = 17;
SELECT id, queue FROM hjobs WHERE id IN (3, 4, 5) ORDER BY id;
UPDATE hjobs SET payload = 'done' WHERE id = 17;
UPDATE hjobs SET id = 100 WHERE id = 18;
SELECT string_agg(id::text, ',' ORDER BY id) FROM hjobs_0;
SELECT string_agg(id::text, ',' ORDER BY id) FROM hjobs_3;
SELECT id, payload FROM hjobs WHERE id IN (17, 100) ORDER BY id;
-- A claim through the parent: the lowest ids, locked, whatever partition they sit in.
BEGIN;
SELECT id FROM hjobs WHERE queue = 'q1' ORDER BY id LIMIT 3 FOR UPDATE SKIP LOCKED;
COMMIT;
-- The catalog and psql's view of it.
SELECT pg_get_partkeydef('hjobs'::regclass);
SELECT relname, pg_get_expr(relpartbound, oid) FROM pg_class
  WHERE relname LIKE 'hjobs\_%' ORDER BY 1;
SELECT partstrat, partnatts FROM pg_partitioned_table WHERE partrelid = 'hjobs'::regclass;
\d hjobs
DELETE FROM hjobs WHERE id % 2 = 0;
SELECT count(*) FROM hjobs;
DROP TABLE hjobs;
-- A multi-column key of several types; NULLs are skipped in the hash (all NULL: remainder 0).
CREATE TABLE hmulti (a text, b bigint, c uuid, d date) PARTITION BY HASH (a, b, c, d);
CREATE TABLE hmulti_0 PARTITION OF hmulti FOR VALUES WITH (MODULUS 3, REMAINDER 0);
CREATE TABLE hmulti_1 PARTITION OF hmulti FOR VALUES WITH (MODULUS 3, REMAINDER 1);
CREATE TABLE hmulti_2 PARTITION OF hmulti FOR VALUES WITH (MODULUS 3, REMAINDER 2);
INSERT INTO hmulti SELECT 'k' || g, g * 1000000007, md5(g::text)::uuid, date '2024-01-01' + g
  FROM generate_series(1, 30) g;
INSERT INTO hmulti VALUES (NULL, NULL, NULL, NULL), ('k1', NULL, NULL, NULL);
SELECT string_agg(coalesce(a, 'null') || '/' || coalesce(b::text, 'null'), ',' ORDER BY b, a)
  FROM hmulti_0;
SELECT string_agg(coalesce(a, 'null') || '/' || coalesce(b::text, 'null'), ',' ORDER BY b, a)
  FROM hmulti_1;
SELECT string_agg(coalesce(a, 'null') || '/' || coalesce(b::text, 'null'), ',' ORDER BY b, a)
  FROM hmulti_2;
DROP TABLE hmulti;
-- The hash functions themselves.
SELECT hashtext('job:42'), hashtextextended('job:42', 0), hashint4(7), hashint8(7),
       hashint4extended(7, 8816678312871386365), hashint8extended(-3000000000, 1);
SELECT hashbpcharextended('ab'::bpchar, 5) = hashbpcharextended('ab   '::bpchar, 5) AS blanks,
       hashfloat8extended(0, 9) AS zero, hashfloat8extended('-0', 9) AS minus_zero,
       hashfloat4extended(2.5, 3) = hashfloat8extended(2.5, 3) AS widened,
       uuid_hash_extended('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 1);
SELECT n, hash_numeric_extended(n, 11) AS h, hash_numeric(n)
  FROM (VALUES (0::numeric), (1), (1.50), (1.5), (-1.5), (12345.6789), (0.0001), (100000000),
               (123456789012345678.000123), ('NaN'), (-0.00001234)) v(n);
