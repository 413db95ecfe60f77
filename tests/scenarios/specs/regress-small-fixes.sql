-- Small differences from PostgreSQL 15 that PostgreSQL's regression files showed: the hint
-- for a table named by its name instead of its alias, HAVING without GROUP BY not reading
-- its input, the internal "char" type's octal escapes, the encoding functions,
-- pg_notification_queue_usage(), PL/pgSQL's full list of condition names, more planner
-- settings accepted, and LANGUAGE C naming the object file it cannot find.
create table small_t(a int, b text);
insert into small_t values (0, 'zero'), (1, 'one');
delete from small_t st where small_t.a > 25;
select small_t.a from small_t s;
select * from small_t s where small_t.b = 'x';
select nosuch.a from small_t s;
select 1 as one from small_t where 1/a = 1 having 1 < 2;
select 1 as one from small_t having 1 > 2;
select '\101'::"char", '\377'::"char", '\377'::"char"::text, 'abc'::"char";
select '\000'::"char"::text = '' as empty, '\101'::text::"char", ascii('\101'::"char"::text);
select pg_typeof('a'::"char");
select getdatabaseencoding(), pg_client_encoding(), pg_notification_queue_usage();
do $$ begin perform 1/0; exception when reading_sql_data_not_permitted then null;
  when division_by_zero then raise notice 'caught %', sqlstate; end $$;
do $$ begin raise sqlstate '22P05'; exception when untranslatable_character then
  raise notice 'caught %', sqlstate; end $$;
set parallel_setup_cost = 0;
set parallel_tuple_cost = 0.5;
show parallel_tuple_cost;
set vacuum_cost_delay = 200;
set default_toast_compression = 'lz4';
show default_toast_compression;
set default_toast_compression = 'zstd';
set constraint_exclusion = on;
set parallel_setup_cost = 'abc';
reset all;
show parallel_setup_cost;
create function small_c() returns int as '/nonexistent/lib/small.so', 'small_c' language c;
create function small_c2() returns int as 'no_such_module' language c;
drop table small_t;
