-- MERGE into a partitioned table (rows routed, an update that changes the partition key
-- moves the row) and the triggers MERGE fires: the statement triggers of each action the
-- command has (BEFORE: INSERT, UPDATE, DELETE; AFTER: DELETE, UPDATE, INSERT) and the row
-- triggers of the action each row takes.
create table pm (id int, region text, v int, primary key (id, region)) partition by list (region);
create table pm_east partition of pm for values in ('east');
create table pm_west partition of pm for values in ('west');
insert into pm values (1, 'east', 10), (2, 'west', 20), (3, 'east', 30);
merge into pm t using (values (1, 'east', 11), (2, 'west', 0), (4, 'west', 40), (3, 'east', -1)) s(id, region, v)
  on t.id = s.id and t.region = s.region
  when matched and s.v = 0 then delete
  when matched and s.v < 0 then update set region = 'west'
  when matched then update set v = s.v
  when not matched then insert values (s.id, s.region, s.v);
select tableoid::regclass, * from pm order by id;
merge into pm t using (values (9, 'north')) s(id, region) on t.id = s.id
  when not matched then insert values (s.id, s.region, 0);
drop table pm;
create table tg (id int primary key, v int);
insert into tg values (1, 1), (2, 2);
create function tg_note() returns trigger language plpgsql as $$
begin
  if tg_level = 'STATEMENT' then
    raise notice '% % statement', tg_when, tg_op;
    return null;
  end if;
  if tg_op = 'DELETE' then
    raise notice '% % row %', tg_when, tg_op, old;
    return old;
  end if;
  if tg_op = 'UPDATE' then
    raise notice '% % row % -> %', tg_when, tg_op, old, new;
  else
    raise notice '% % row %', tg_when, tg_op, new;
  end if;
  return new;
end $$;
create trigger b_s before insert or update or delete on tg for each statement execute function tg_note();
create trigger a_s after insert or update or delete on tg for each statement execute function tg_note();
create trigger b_r before insert or update or delete on tg for each row execute function tg_note();
create trigger a_r after insert or update or delete on tg for each row execute function tg_note();
merge into tg t using (values (1, 10), (2, 0), (3, 30)) s(id, v) on t.id = s.id
  when matched and s.v = 0 then delete
  when matched then update set v = s.v
  when not matched then insert values (s.id, s.v);
merge into tg t using (values (1)) s(id) on t.id = s.id when matched then do nothing;
select * from tg order by id;
drop table tg;
drop function tg_note();
