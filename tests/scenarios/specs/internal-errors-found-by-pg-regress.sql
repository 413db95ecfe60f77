-- Statements of PostgreSQL's regression SQL that once ended holdfast's connection with an
-- internal error (a value of one type read as another), each as PostgreSQL 15 answers it.

-- pg_get_viewdef(text) names the view; a missing one is an error, not a crash.
create view igr_v as select 1 as a;
select pg_get_viewdef('igr_v');
select pg_get_viewdef('igr_v', true);
select pg_get_viewdef('igr_v'::regclass, 40);
select pg_get_viewdef('igr_missing', true);
drop view igr_v;

-- float8 IN (SELECT int ...): the subquery's values are compared as float8.
create table igr_sub (f1 int, f2 int, f3 float8);
insert into igr_sub values (1, 2, 3), (2, 2, 2), (3, 1, 4.5);
select f1, f3 from igr_sub upper
  where f3 in (select upper.f1 + f2 from igr_sub where f2 = cast(f3 as integer)) order by f1;
select f1 from igr_sub where f3 > all (select f1 from igr_sub where f1 < 3) order by f1;
drop table igr_sub;

-- A PL/pgSQL function's unnamed arguments stay $1, $2 after a statement sets FOUND.
create function igr_cache_test(int) returns int as $$
declare total int;
begin
  create temp table igr_t1(f1 int);
  insert into igr_t1 values($1);
  insert into igr_t1 values(11);
  select sum(f1) into total from igr_t1;
  drop table igr_t1;
  return total;
end
$$ language plpgsql;
select igr_cache_test(1);
select igr_cache_test(2);
drop function igr_cache_test(int);

create function igr_exc_using(int, text) returns int as $$
declare i int;
begin
  for i in execute 'select * from generate_series(1,$1)' using $1+1 loop
    raise notice '%', i;
  end loop;
  execute 'select $2 + $2*3 + length($1)' into i using $2,$1;
  return i;
end
$$ language plpgsql;
select igr_exc_using(5, 'foobar');
drop function igr_exc_using(int, text);

create table igr_reval (c float8 unique);
create function igr_inverse(int) returns float8 as $$
begin
  perform count(*) from igr_reval;
  return 1::float8/$1;
exception
  when division_by_zero then return 0;
end$$ language plpgsql volatile;
insert into igr_reval values (1);
insert into igr_reval values (igr_inverse(0));
insert into igr_reval values (igr_inverse(4));
select * from igr_reval order by c;
drop function igr_inverse(int);
drop table igr_reval;

-- A foreign key between types: int8 references int, int references numeric (an implicit
-- cast); numeric references int cannot be implemented.
create table igr_pk (ptest1 int primary key);
insert into igr_pk values (42);
create table igr_fk (ftest1 numeric references igr_pk);
create table igr_fk (ftest1 int8 references igr_pk);
insert into igr_fk values (42);
insert into igr_fk values (43);
drop table igr_fk;
drop table igr_pk;
create table igr_pk (ptest1 numeric primary key);
insert into igr_pk values (42);
create table igr_fk (ftest1 int references igr_pk);
insert into igr_fk values (42);
insert into igr_fk values (43);
drop table igr_fk;
drop table igr_pk;
-- Found by the fuzzer (tests/fuzz/crashes/sql/timestamp-input-huge-year-ubsan): a year past
-- int's range overflowed the day arithmetic; PostgreSQL calls it a field overflow.
SELECT '6666666666666666666666666666666666666666666666666666666666666666666666666666666666666662011-03-27 01:59:59'::timestamp;
SELECT '2147483648-01-01 00:00'::timestamp;
SELECT '300000-01-01'::timestamp, '6000000-01-01 00:00'::timestamptz;
-- Found by the fuzzer (tests/fuzz/crashes/sql/catalog-function-without-arguments): catalog
-- functions called with too few arguments read one that was not there.
select pg_get_viewdef();
select to_regclass();
select format_type(23);
select current_setting();
