-- Type modifiers on casts and columns: an explicit cast truncates to varchar(n)/char(n), an
-- assignment fails with 22001 (no position); timestamp(p)/timestamptz(p)/time(p) round to p
-- digits, in columns (psql's \d, information_schema) and casts.
select 'abcdef'::varchar(3), 'abcdef'::char(3), 'ab'::char(4) || '|', cast('héllo' as varchar(2)), 'abc  '::varchar(3);
select '2024-01-01 10:11:12.345678'::timestamp(2), '2024-01-01 10:11:12.5'::timestamp(0), '10:11:12.987'::time(1), '2024-01-01 10:11:12.345678+00'::timestamptz(3);
create table tp (a varchar(3), t timestamp(0), n numeric(5,2));
insert into tp values ('abc', '2024-01-01 10:11:12.6', 1.005);
insert into tp values ('abcd', '2024-05-05 05:05:05.5', 1);
insert into tp values ('abc   ', '2024-05-05 05:05:05.4', 1);
select a, t, n from tp;
select 12.345::numeric(4,1), 1.5::int, '1.5'::float4::numeric(3,2);
drop table tp;
create table tq (a timestamp(0), b timestamptz(3), c time(2), d timestamp);
\d tq
insert into tq values ('2024-01-01 10:11:12.5', '2024-01-01 10:11:12.34567+00', '10:11:12.345', '2024-01-01 10:11:12.345678');
select * from tq;
select a::timestamp(1) from tq;
select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'tq'::regclass and attnum > 0 order by attnum;
select column_name, datetime_precision from information_schema.columns where table_name = 'tq' order by ordinal_position;
update tq set a = '2024-01-01 10:11:12.7';
select a from tq;
drop table tq;
