-- bit(n) / bit varying(n), sha224/sha256 and encode/decode (issue 13): what pg-boss's
-- advisory-lock key needs, ('x' || encode(sha224(...), 'hex'))::bit(64)::bigint, and the
-- rules around it, compared with PostgreSQL 15.
select ('x' || encode(sha224('pgboss.job'::bytea), 'hex'))::bit(64)::bigint;
select sha224('abc'), sha256('abc'), sha256(''), sha224(null);
select encode('\x00ff5c41'::bytea, 'escape'), encode('abc', 'hex'), encode('ab'::bytea, 'HEX');
select encode(repeat('ab', 40)::bytea, 'base64');
select decode('YWJj', 'base64'), decode('61 62', 'hex'), decode('a\\b\101', 'escape');
select encode('abc', 'foo');
select decode('6', 'hex');
select decode('6g', 'hex');
select decode('YW!j', 'base64');
select decode('YWJ', 'base64');
select B'101', X'1F', B'101'::bit(5), 'x1f'::bit(8), '101'::bit(2), 'x'::bit(3), '1'::bit;
select 5::bit(4), (-1)::bit(40), 5::bigint::bit(70), B'1111'::int, 'x8000000000000000'::bit(64)::bigint;
select 'x1'::varbit, '10110'::varbit(3), '101'::bit varying(5);
select B'102';
select 'x1g'::bit(8);
select ('x' || encode(sha224('abc'), 'hex'))::bit(128)::bigint;
select B'111111111111111111111111111111111'::int;
select '1'::bit(0);
create table bits (id int primary key, b bit(3), v varbit(4));
insert into bits values (1, '101', '1'), (2, B'011', '0110'), (3, '111', '1');
insert into bits values (4, '1010', '1');
insert into bits values (4, '101', '10101');
insert into bits values (4, 'x1', '1');
select * from bits order by b, id;
select * from bits where b = B'101' and v = '1';
select b::text, v::text, b::varbit from bits order by id;
select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'bits'::regclass and attnum > 1 order by attnum;
create index bits_v on bits (v);
select id from bits where v > B'01' order by v, id;
drop table bits;
