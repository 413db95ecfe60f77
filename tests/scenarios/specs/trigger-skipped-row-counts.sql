-- A BEFORE ROW trigger that returns NULL skips its row: the command tag counts only the rows
-- changed (UPDATE 2 / DELETE 2 for three with one skipped), RETURNING returns only those, and
-- AFTER ROW triggers fire only for them; in PL/pgSQL, ROW_COUNT and FOUND say the same.
create table tsr (id int primary key, v int, keep bool);
insert into tsr values (1, 10, false), (2, 20, true), (3, 30, false);
create function tsr_skip() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    if old.keep then return null; end if;
    return old;
  end if;
  if old.keep then return null; end if;
  return new;
end $$;
create function tsr_after() returns trigger language plpgsql as $$
begin
  raise notice 'after % of %', tg_op, coalesce(new.id, old.id);
  return null;
end $$;
create trigger tsr_b before update or delete on tsr for each row execute function tsr_skip();
create trigger tsr_a after update or delete on tsr for each row execute function tsr_after();
update tsr set v = v + 1;
update tsr set v = v + 1 returning *;
update tsr set v = v + 1 where keep;
update tsr set v = v + 1 where keep returning id;
select * from tsr order by id;
do $$
declare
  n int;
begin
  update tsr set v = v + 1 where id <= 2;
  get diagnostics n = row_count;
  raise notice 'update row_count %, found %', n, found;
  update tsr set v = v + 1 where id = 2;
  get diagnostics n = row_count;
  raise notice 'update row_count %, found %', n, found;
  delete from tsr where id = 2;
  get diagnostics n = row_count;
  raise notice 'delete row_count %, found %', n, found;
end $$;
drop trigger tsr_a on tsr;  -- the rows below come in storage order: no notices for them
with u as (update tsr set v = 0 returning id) select count(*) from u;
delete from tsr where id <= 2 returning *;
with d as (delete from tsr returning id) select count(*) from d;
select * from tsr order by id;
insert into tsr values (4, 40, false), (5, 50, true);
delete from tsr;
delete from tsr where keep;
select * from tsr order by id;
drop table tsr;
drop function tsr_skip, tsr_after;
