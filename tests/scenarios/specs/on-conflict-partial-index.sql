-- INSERT ... ON CONFLICT (cols) WHERE predicate infers a partial unique index whose predicate
-- the WHERE implies (a job queue's singleton key: one queued job per key); a unique index
-- without a predicate on the same columns matches with or without WHERE; without WHERE a
-- partial index is never inferred.
create table ocp_jobs (id int primary key, singleton text, state text, payload int);
create unique index ocp_jobs_singleton on ocp_jobs (singleton) where state = 'queued';
insert into ocp_jobs values (1, 'k1', 'queued', 10), (2, 'k1', 'done', 20);
insert into ocp_jobs values (3, 'k1', 'queued', 30)
  on conflict (singleton) where state = 'queued' do nothing;
insert into ocp_jobs values (3, 'k1', 'queued', 30)
  on conflict (singleton) where state = 'queued'
  do update set payload = ocp_jobs.payload + excluded.payload returning *;
insert into ocp_jobs values (4, 'k2', 'queued', 40), (5, 'k2', 'queued', 50)
  on conflict (singleton) where state = 'queued' do nothing returning *;
-- a row outside the index's predicate never conflicts
insert into ocp_jobs values (6, 'k1', 'done', 60)
  on conflict (singleton) where state = 'queued' do nothing returning *;
-- the WHERE may say more than the predicate (it implies it)
insert into ocp_jobs values (7, 'k1', 'queued', 70)
  on conflict (singleton) where state = 'queued' and payload > 0 do nothing;
insert into ocp_jobs values (7, 'k1', 'queued', 70)
  on conflict (singleton) where payload > 0 and state = 'queued'
  do update set payload = 0 where ocp_jobs.payload < 0;
select * from ocp_jobs order by id;
-- no WHERE, another predicate, or one that does not imply the index's: no arbiter
insert into ocp_jobs values (8, 'k1', 'queued', 80) on conflict (singleton) do nothing;
insert into ocp_jobs values (8, 'k1', 'queued', 80)
  on conflict (singleton) where state = 'done' do nothing;
insert into ocp_jobs values (8, 'k1', 'queued', 80)
  on conflict (singleton) where state = 'queued' or state = 'done' do nothing;
insert into ocp_jobs values (8, 'k1', 'queued', 80)
  on conflict (singleton, state) where state = 'queued' do nothing;
insert into ocp_jobs values (8, 'k1', 'queued', 80)
  on conflict (singleton) where no_such = 1 do nothing;
insert into ocp_jobs values (8, 'k1', 'queued', 80)
  on conflict (singleton) where payload do nothing;
-- a unique index without a predicate matches whatever the WHERE says
create table ocp_keys (k int, v text, state text);
create unique index ocp_keys_k on ocp_keys (k);
insert into ocp_keys values (1, 'a', 'x');
insert into ocp_keys values (1, 'b', 'y') on conflict (k) where state = 'z' do nothing;
insert into ocp_keys values (1, 'b', 'y') on conflict (k) where state = 'z'
  do update set v = excluded.v returning *;
insert into ocp_keys values (2, 'c', 'y') on conflict (k) where v is not null
  do update set v = excluded.v returning *;
select * from ocp_keys order by k;
-- an expression key with a predicate
create table ocp_names (id int primary key, name text, active bool);
create unique index ocp_names_lower on ocp_names (lower(name)) where active;
insert into ocp_names values (1, 'Ann', true);
insert into ocp_names values (2, 'ANN', true) on conflict (lower(name)) where active
  do update set name = excluded.name returning *;
insert into ocp_names values (3, 'ANN', false) on conflict (lower(name)) where active
  do nothing returning *;
insert into ocp_names values (4, 'ann', true) on conflict (lower(name)) do nothing;
-- in a function, as a job queue sends it
create function ocp_enqueue(k text, p int) returns int language plpgsql as $$
declare
  new_id int;
begin
  insert into ocp_jobs values ((select max(id) + 1 from ocp_jobs), k, 'queued', p)
    on conflict (singleton) where state = 'queued' do nothing
    returning id into new_id;
  return new_id;
end $$;
select ocp_enqueue('k3', 1), ocp_enqueue('k3', 2), ocp_enqueue('k4', 3);
select * from ocp_jobs order by id;
-- a partial and a full unique index on one column, the partial one made first: the arbiter
-- is checked before the other keys, so its conflict is handled, not reported
create table ocp_two (id int primary key, k int, state text);
create unique index ocp_two_part on ocp_two (k) where state = 'q';
create unique index ocp_two_full on ocp_two (k);
insert into ocp_two values (1, 1, 'q');
insert into ocp_two values (2, 1, 'q') on conflict (k) do nothing;
insert into ocp_two values (2, 1, 'q') on conflict (k) where state = 'q' do nothing;
insert into ocp_two values (1, 1, 'q') on conflict (k) where state = 'q'
  do update set id = 7 returning *;
insert into ocp_two values (7, 2, 'q') on conflict (k) do nothing;
drop table ocp_two;
drop function ocp_enqueue;
drop table ocp_jobs, ocp_keys, ocp_names;
