-- CREATE SCHEMA with elements: tables, views, indexes, sequences made in the new schema in
-- PostgreSQL's order (sequences, tables, views, indexes), unqualified names found there; an
-- element naming another schema is 42P15 and nothing is created.
create schema sch_elems
  create view sch_v as select a + 1 as a1 from sch_elems.sch_t
  create index sch_t_a on sch_t (a)
  create sequence sch_seq
  create table sch_t (a int, b text);
insert into sch_elems.sch_t values (1, 'x'), (2, 'y');
select * from sch_elems.sch_v order by a1;
select nextval('sch_elems.sch_seq');
select relname, nspname from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where nspname = 'sch_elems' order by relname;
show search_path;
create schema sch_other create table other_schema.t (a int);
create schema sch_other create table sch_other.t (a int) create view public.v as select 1;
select count(*) from pg_namespace where nspname = 'sch_other';
create schema sch_other create table sch_other.t (a int) create table t2 (b int);
select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where nspname = 'sch_other' order by relname;
drop schema sch_other cascade;
drop schema sch_elems cascade;
-- set_config takes the setting's text as is: two schemas, not one quoted name.
select set_config('search_path', 'pg_catalog, public', false);
show search_path;
select set_config('search_path', '"$user", public', false);
show search_path;
