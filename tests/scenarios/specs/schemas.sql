-- Schemas (issue 13): CREATE/DROP SCHEMA, schema-qualified names in every statement that names
-- a table, search_path, and what psql's \dn and \dt show.
create schema s1;
create schema s1;
create schema if not exists s1;
create schema pg_foo;
create schema public;
create table s1.t (id serial primary key, v text);
create index ti on s1.t (v);
create table s1.u (x int);
insert into s1.t (v) values ('a'), ('b');
select * from s1.t order by id;
update s1.t set v = 'c' where id = 2 returning *;
delete from s1.t where id = 5;
select * from s1.t where id = 1 for update;
begin;
lock table s1.t in share mode;
lock table s1.nosuch;
rollback;
select * from nosuch.t;
select * from s1.nosuch;
select * from t;
insert into nosuch.t values (1);
create table nosuch.t (x int);
create table s1.t (x int);
create table t (x int primary key);
select count(*) from t;
select c.relname, n.nspname from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relname in ('t', 'u', 'ti') order by 1, 2;
alter table s1.u add column y int;
\d s1.t
\dn
\dt s1.*
\dt
create table s1.r (x int references s1.t);
create table r2 (x int references s1.t);
drop schema s1;
drop schema s1 restrict;
drop schema nosuch;
drop table nosuch.t;
drop table if exists nosuch.t;
drop table s1.nosuch;
drop index s1.nosuch;
drop index s1.ti;
drop table s1.u;
drop schema if exists nosuch, s1 cascade;
\d r2
select nspname from pg_namespace where nspname in ('s1', 'public') order by 1;
create schema s2 authorization postgres;
create table s2.a (x int);
create sequence s2.sq;
select nextval('s2.sq');
drop schema s2 cascade;
select current_schema(), current_schemas(true), current_schemas(false);
create schema s3;
set search_path = s3, public;
show search_path;
select current_schema(), current_schemas(true), current_schemas(false);
create table w (x int);
insert into w values (1);
select c.relname, n.nspname from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relname = 'w';
\dt
select * from w;
select * from s3.w;
select * from public.t;
set search_path = nosuch;
select current_schema(), current_schemas(true);
create table zz (x int);
select * from t;
reset search_path;
show search_path;
select * from w;
select * from s3.w;
drop table s3.w;
drop schema s3;
drop table r2, t;
