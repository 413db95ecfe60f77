-- Enum types (issue 13): CREATE TYPE ... AS ENUM as pg-boss 10 declares its job_state, columns
-- of the type with a default, comparisons and ORDER BY in declaration order (not alphabetical),
-- = ANY, IN, casts to and from text, indexes and primary keys on enum columns, arrays, ALTER
-- TYPE ... ADD VALUE, enum_range/enum_first/enum_last, pg_type/pg_enum, DROP TYPE.
create schema eq;
create type eq.job_state as enum ('created', 'retry', 'active', 'completed', 'cancelled', 'failed');
create type eq.job_state as enum ('x');
create type nosuch.t as enum ('a');
create table eq.job (
  id int primary key,
  name text not null,
  state eq.job_state not null default 'created'
);
insert into eq.job (id, name) values (1, 'one');
insert into eq.job values (2, 'two', 'active'), (3, 'three', 'completed'), (4, 'four', 'retry'),
  (5, 'five', 'failed'), (6, 'six', 'cancelled');
insert into eq.job values (7, 'seven', 'zzz');
select * from eq.job order by state, id;
select * from eq.job order by state desc, id;
select id, state from eq.job where state < 'active' order by id;
select id, state from eq.job where state >= 'completed' order by id;
select id from eq.job where state = any(array['active', 'retry']::eq.job_state[]) order by id;
select id from eq.job where state = any('{created,failed}') order by id;
select id from eq.job where state in ('created', 'cancelled') order by id;
select id from eq.job where state = 'nosuch';
select state, count(*) from eq.job group by state order by state;
select min(state), max(state) from eq.job;
select min(id), state::text from eq.job group by state order by 2;
select 'retry'::eq.job_state < 'active'::eq.job_state as retry_first;
select 'retry'::text < 'active'::text as alphabetical;
select 'zzz'::eq.job_state;
select 'active'::eq.job_state::text || '!' as label;
select cast('failed' as eq.job_state) as state;
select array['created', 'failed']::eq.job_state[] as states;
update eq.job set state = 'completed' where state = 'active' returning id, state;
update eq.job set state = 'bogus' where id = 1;
-- An index and a primary key on enum columns keep declaration order.
create index job_state_idx on eq.job (state);
select id, state from eq.job where state > 'retry' order by state, id;
create table eq.by_state (state eq.job_state primary key, note text);
insert into eq.by_state values ('failed', 'f'), ('created', 'c'), ('active', 'a');
insert into eq.by_state values ('active', 'again');
select * from eq.by_state order by state;
select * from eq.by_state where state between 'retry' and 'completed' order by state;
-- ALTER TYPE ... ADD VALUE, in order and between labels.
alter type eq.job_state add value 'expired';
alter type eq.job_state add value 'queued' before 'retry';
alter type eq.job_state add value 'started' after 'active';
alter type eq.job_state add value 'active';
alter type eq.job_state add value if not exists 'active';
alter type eq.job_state add value 'x' before 'nosuch';
alter type eq.nosuch add value 'x';
alter type int4 add value 'x';
select enum_range(null::eq.job_state);
select enum_first(null::eq.job_state), enum_last(null::eq.job_state);
select enum_range('retry'::eq.job_state, 'started'::eq.job_state);
insert into eq.by_state values ('queued', 'q'), ('started', 's'), ('expired', 'e');
select * from eq.by_state order by state;
select * from eq.by_state where state < 'retry' order by state desc;
select t.typname, t.typtype, t.typcategory, e.enumlabel, e.enumsortorder
  from pg_enum e join pg_type t on t.oid = e.enumtypid
  where t.typname = 'job_state' order by e.enumsortorder;
select typname, typcategory from pg_type where typelem = 'eq.job_state'::regtype;
select table_schema, column_name, data_type, udt_schema, udt_name from information_schema.columns
  where table_name = 'job' order by ordinal_position;
-- Types in the search path, and a type of the same name in two schemas.
set search_path = eq, public;
create type mood as enum ('sad', 'ok', 'happy');
create table feelings (m mood, s job_state);
insert into feelings values ('happy', 'retry'), ('sad', 'created'), ('ok', null);
select * from feelings order by m;
select m from feelings where m > 'sad' order by m desc;
-- Functions and PL/pgSQL variables of an enum type.
create function next_state(s job_state) returns job_state language sql
  as $$ select case when s < 'active' then 'active'::job_state else s end $$;
select next_state('retry') as from_retry, next_state('failed') as from_failed;
do $$ declare v job_state := 'retry'; begin v := next_state(v); raise notice 'state %', v; end $$;
drop function next_state(job_state);
reset search_path;
create type mood as enum ('z', 'a');
select 'a'::mood < 'z'::mood as a_first, 'a'::eq.mood as qualified;
-- A foreign key between columns of different enum types cannot be implemented.
create table by_mood (m mood primary key);
create table wrong_ref (s eq.job_state references by_mood);
drop table by_mood;
-- A table or view may not take an enum's name (it would be its row type's).
create table mood (x int);
create view mood as select 1 as x;
-- DROP TYPE.
drop type eq.mood;
drop type eq.mood restrict;
drop table eq.feelings;
alter type mood rename to feeling;
alter type feeling rename to mood2;
create table tclash (x int);
alter type mood2 rename to tclash;
drop table tclash;
select 'a'::mood2, 'z'::mood2 < 'a'::mood2 as z_first;
alter type nosuch rename to x;
drop type eq.mood, mood2;
drop type if exists eq.mood;
drop type nosuch_type;
drop type integer;
drop table eq.job, eq.by_state;
drop type eq.job_state;
select count(*) from pg_enum e join pg_type t on t.oid = e.enumtypid where t.typname = 'job_state';
drop schema eq;
-- DROP SCHEMA takes its types along.
create schema eq2;
create type eq2.s as enum ('a', 'b');
create table eq2.t (x eq2.s);
drop schema eq2;
drop schema eq2 cascade;
