-- A table's row type as a function's result and as a PL/pgSQL variable's type, as
-- graphile-worker's add_job / get_job / complete_job use them.
create schema rt;
create table rt.jobs (id bigserial primary key, queue_name text, payload json default '{}',
                      attempts int not null default 0, last_error text);
create function rt.add_job(q text, p json = '{}') returns rt.jobs as $$
  insert into rt.jobs (queue_name, payload) values (q, p) returning *;
$$ language sql;
select * from rt.add_job('a');
select rt.add_job('b c', '{"x": 1}');
select rt.add_job(null);
create function rt.get_job(want text) returns rt.jobs as $$
declare
  v_job_id bigint;
  v_row rt.jobs;
begin
  select id into v_job_id from rt.jobs where queue_name = want order by id limit 1;
  if v_job_id is null then
    return null;
  end if;
  update rt.jobs set attempts = attempts + 1 where id = v_job_id returning * into v_row;
  return v_row;
end;
$$ language plpgsql;
select * from rt.get_job('a');
select rt.get_job('b c');
select rt.get_job('nothing') is null as none;
select * from rt.get_job('nothing');
select id, attempts from rt.get_job('a');
create function rt.complete_job(job_id bigint) returns rt.jobs as $$
declare
  v_row rt.jobs%rowtype;
begin
  delete from rt.jobs where id = job_id returning * into v_row;
  raise notice 'deleted %', v_row.queue_name;
  return v_row;
end;
$$ language plpgsql;
select * from rt.complete_job(1);
select rt.complete_job(42);
create function rt.all_jobs() returns setof rt.jobs as $$
begin
  return query select * from rt.jobs order by id;
end;
$$ language plpgsql;
select * from rt.all_jobs();
select rt.all_jobs();
create function rt.jobs_of(q text) returns setof rt.jobs as $$
  select * from rt.jobs where queue_name = q;
$$ language sql;
select id, queue_name from rt.jobs_of('b c');
create function rt.each_job() returns setof rt.jobs as $$
declare
  r rt.jobs;
begin
  for r in select * from rt.jobs order by id loop
    return next r;
  end loop;
end;
$$ language plpgsql;
select id, attempts from rt.each_job();
-- a function of a row type with a wrong body
create function rt.bad() returns rt.jobs as $$ select 1, 2 $$ language sql;
create function rt.bad() returns rt.jobs as $$ select 'x'::text $$ language sql;
-- a type that does not exist
create function rt.bad() returns rt.nosuch as $$ select 1 $$ language sql;
select format_type('rt.jobs'::regclass::oid, null) is not null as has_type;
drop function rt.add_job, rt.get_job, rt.complete_job, rt.all_jobs, rt.jobs_of, rt.each_job;
drop table rt.jobs;
drop schema rt;
