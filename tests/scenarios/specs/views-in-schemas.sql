-- CREATE VIEW s.v puts the view in schema s (graphile-worker's jobs view over _private_jobs);
-- DROP SCHEMA ... CASCADE takes it along.
create schema vs;
create table vs._private_jobs (id int primary key, task text);
insert into vs._private_jobs values (1, 'a');
create view vs.jobs as (select id, task from vs._private_jobs);
select * from vs.jobs;
select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
 where c.relname = 'jobs';
select * from jobs;
set search_path = vs, public;
select * from jobs;
create view jobs as select 1 as x;
reset search_path;
create view jobs as select 2 as y;
select * from jobs;
drop view jobs;
drop schema vs cascade;
