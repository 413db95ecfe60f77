-- pg_size_pretty(bigint), pg_size_pretty(numeric) and pg_size_bytes(text) as PostgreSQL's
-- dbsize.c: units, half rounding, negative sizes, and pg_size_bytes's errors.
select size, pg_size_pretty(size), pg_size_pretty(-1 * size) from
  (values (10::bigint), (10239::bigint), (10240::bigint), (10485247::bigint), (10485248::bigint),
          (1000000000::bigint), (11258449312612351::bigint), (11258449312612352::bigint),
          (9223372036854775807::bigint)) x(size);
select size, pg_size_pretty(size), pg_size_pretty(-1 * size) from
  (values (10.5::numeric), (1000.5::numeric), (1000000.5::numeric), (10240::numeric),
          (1000000000000000.5::numeric), (0::numeric)) x(size);
select size, pg_size_bytes(size) from
  (values ('1'), ('123bYteS'), ('1kb'), ('1mb'), (' 1 Gb'), ('1.5 gB '), ('1tb'), ('99 pb'),
          ('-1.5 gB '), ('-10e-1 MB'), ('1e6 mb'), ('-.1 kb'), ('-1.')) x(size);
select pg_size_bytes('1 AB');
select pg_size_bytes('1 AB A    ');
select pg_size_bytes('9223372036854775807.9');
select pg_size_bytes('1e100');
select pg_size_bytes('1e1000000000000000000');
select pg_size_bytes('1 byte');
select pg_size_bytes('');
select pg_size_bytes('-.kb');
select pg_size_bytes('+912+ kB');
select pg_size_bytes('++123 kB');
select pg_size_pretty(null::bigint), pg_size_bytes(null);
