-- User functions belong to a schema, as in PostgreSQL: created in the schema named or the
-- first of the search path, called by qualified name or along the search path, dropped with
-- their schema (pg-boss and graphile-worker create their functions in their own schemas).
create schema fs;
create function fs.twice(x int) returns int as $$ select 2 * x $$ language sql;
create function twice(x int) returns int as $$ select 3 * x $$ language sql;
select fs.twice(2), twice(2), public.twice(2);
set search_path = fs, public;
select twice(2);
create function thrice(x int) returns int as $$ select 3 * x $$ language sql;
reset search_path;
select fs.thrice(2);
select thrice(2);
select nosuch.twice(2);
select fs.lower('A');
create function nosuch.f() returns int as $$ select 1 $$ language sql;
create function fs.twice(x int) returns int as $$ select 4 * x $$ language sql;
create or replace function fs.twice(x int) returns int as $$ select 4 * x $$ language sql;
select fs.twice(2), twice(2);
select p.proname, n.nspname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
 where p.proname in ('twice', 'thrice') order by 1, 2;
create table fs.t(a int, b int);
create function fs.tg() returns trigger as $$ begin new.b = new.a * 10; return new; end; $$ language plpgsql;
create trigger t_b before insert on fs.t for each row execute function fs.tg();
insert into fs.t(a) values (1);
select * from fs.t;
drop trigger t_b on fs.t;
insert into fs.t(a) values (2);
select * from fs.t order by a;
create function fs.gen(n int) returns setof int as $$ select generate_series(1, n) $$ language sql;
select * from fs.gen(3);
drop function fs.twice(int);
select fs.twice(2);
drop function if exists fs.twice(int);
drop function nosuch.twice(int);
drop function if exists nosuch.twice(int);
drop function if exists nosuch.twice;
drop function fs.thrice;
drop schema fs;
drop schema fs cascade;
select twice(2);
drop function twice(int);
