-- A PL/pgSQL record as a whole value (graphile-worker's remove_job: if not (v_job is null))
-- and IS [NOT] NULL of rows, which test every field.
create table wr_jobs (id int primary key, key text, locked_at timestamptz);
insert into wr_jobs values (1, 'k1', null), (2, 'k2', now());
create function wr_remove(job_key text) returns wr_jobs as $$
declare
  v_job wr_jobs;
begin
  delete from wr_jobs where key = job_key and locked_at is null returning * into v_job;
  if not (v_job is null) then
    return v_job;
  end if;
  update wr_jobs set key = null where key = job_key returning * into v_job;
  return v_job;
end;
$$ language plpgsql strict;
select id, key from wr_remove('k1');
select id, key from wr_remove('k2');
select id, key from wr_remove('nothing');
select id, key from wr_jobs order by id;
create function wr_null_checks() returns text as $$
declare
  r wr_jobs;
  all_null boolean;
  not_null boolean;
  some_null boolean;
begin
  all_null := r is null;
  select * into r from wr_jobs where id = 2;
  not_null := r is not null;
  some_null := not (r is null) and not (r is not null);
  return format('%s %s %s', all_null, not_null, some_null);
end;
$$ language plpgsql;
select * from wr_null_checks();
select row(1, null) is null, row(null, null) is null, row(1, 2) is not null,
       row(1, null) is not null;
create function wr_tg() returns trigger as $$
begin
  raise notice '% new is null: %, old is null: %', tg_op, new is null, old is null;
  return coalesce(new, old);
end;
$$ language plpgsql;
create trigger wr_tg before insert or update or delete on wr_jobs for each row execute function wr_tg();
insert into wr_jobs values (3, 'k3', null);
update wr_jobs set key = 'k33' where id = 3;
delete from wr_jobs where id = 3;
select count(*) from wr_jobs;
-- whole-row references in queries: row_to_json(t), json_agg(t), to_json of rows
create table wr_small (id int primary key, name text, tags text[]);
insert into wr_small values (1, 'a b', '{x,y}'), (2, null, null);
select row_to_json(t) from wr_small t order by id;
select json_agg(t order by id) from wr_small t;
select row_to_json(s) from (select id, name as label from wr_small order by id) s;
select to_json(row(1, 'x'::text)), (row(1, 'x'::text)).f2;
select t from wr_small t order by id;
select (row(1, 2)).nosuch;
drop table wr_small;
-- functions of its row type keep a table
drop table wr_jobs;
drop function wr_null_checks(), wr_remove(text);
drop table wr_jobs;
drop function wr_tg();
