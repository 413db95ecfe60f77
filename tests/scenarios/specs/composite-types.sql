-- CREATE TYPE ... AS (...) composite types, row constructors cast to them, arrays of them as
-- function arguments and unnest(...) of them in FROM, as graphile-worker's add_jobs uses them.
create schema ct;
create type ct.job_spec as (
  identifier text,
  payload json,
  queue_name text,
  run_at timestamptz,
  max_attempts integer,
  flags text[]
);
create type ct.job_spec as (a int);
create type ct.dup as (a int, a text);
select ('a', '{"x":1}', null, null, 3, '{f1,f2}')::ct.job_spec;
select row('a b', null, 'q', null, null, null)::ct.job_spec;
select ((('x', '{}', 'q', null, 5, null)::ct.job_spec)).max_attempts;
select (('x', '{}', 'q', null, 5, null)::ct.job_spec).identifier,
       (('x', '{}', 'q', null, 5, null)::ct.job_spec).flags;
select (('x', '{}', 'q', null, 5, null)::ct.job_spec).nosuch;
select ('a', null)::ct.job_spec;
select ('a', null, null, null, null, null, 7)::ct.job_spec;
select array[('a', '{}', null, null, 1, null)::ct.job_spec,
             ('b "c"', '{}', 'q', null, 2, '{x}')::ct.job_spec];
select spec.identifier, spec.max_attempts, spec.flags
  from unnest(array[('a', '{}', null, null, 1, null)::ct.job_spec,
                    ('b', '{}', 'q', null, 2, '{x,y}')::ct.job_spec]) spec
  order by 1;
create table ct.jobs (id serial primary key, task text, queue text, attempts int);
create type ct2p as (a int, b text);
create function ct.add_jobs(specs ct.job_spec[]) returns setof ct.jobs as $$
begin
  return query insert into ct.jobs (task, queue, attempts)
    select spec.identifier, spec.queue_name, coalesce(spec.max_attempts, 25)
    from unnest(specs) spec
    returning *;
end;
$$ language plpgsql;
select * from ct.add_jobs(array[('t1', '{}', null, null, null, null)::ct.job_spec,
                                ('t2', '{}', 'q', null, 3, null)::ct.job_spec]);
create function ct.add_job(identifier text, queue_name text = null) returns ct.jobs as $$
  select * from ct.add_jobs(array[(identifier, '{}', queue_name, null, null, null)::ct.job_spec]);
$$ language sql;
select ct.add_job('t3');
select id, task, queue from ct.add_job('t4', 'q2');
select row(1, 'a b', null);
-- composites group, sort and de-duplicate field by field
select x, count(*) from (select (10, 'a')::ct2p as x union all select (9, 'a')::ct2p
                         union all select (10, 'a')::ct2p) s group by x order by x;
select count(distinct x) from (select (1, 'a')::ct2p as x union all select (1, 'a')::ct2p) s;
select distinct r from (select row(1, 'a'::text) as r union all select row(1, 'a'::text)) s;
drop type ct.job_spec;
drop type ct.nosuch;
drop type if exists ct.nosuch;
drop function ct.add_job, ct.add_jobs;
drop type ct.job_spec;
drop table ct.jobs;
drop type ct2p;
drop schema ct;
create schema ct2;
create type ct2.pair as (a int, b text);
create table ct2.t (id int);
select (1, 'x')::ct2.pair;
alter type ct2.pair alter attribute a type smallint;
select pg_typeof(((1, 'x')::ct2.pair).a);
select (70000, 'x')::ct2.pair;
alter type ct2.pair alter attribute nosuch type int;
drop schema ct2 cascade;
