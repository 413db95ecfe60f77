-- Statement-level triggers (FOR EACH STATEMENT): once per INSERT, UPDATE or DELETE, before its
-- first row or after its last, even when no row is touched; no NEW or OLD; TG_LEVEL is
-- STATEMENT; UPDATE OF columns apply. graphile-worker notifies its workers from one.
create table tsl(id int primary key, v int);
create table tsl_log(n serial primary key, what text);
create function tsl_note() returns trigger as $$
begin
  insert into tsl_log(what) values (tg_when || ' ' || tg_level || ' ' || tg_op || ' ' || tg_table_schema || '.' || tg_table_name);
  return null;
end;
$$ language plpgsql;
create function tsl_row() returns trigger as $$
begin
  insert into tsl_log(what) values ('row ' || tg_op || ' ' || coalesce(new.id, old.id));
  return null;
end;
$$ language plpgsql;
create trigger tsl_b before insert or update or delete on tsl for each statement execute function tsl_note();
create trigger tsl_a after insert or delete on tsl for each statement execute procedure tsl_note();
create trigger tsl_u after update of v on tsl for each statement execute function tsl_note();
create trigger tsl_r after insert on tsl for each row execute function tsl_row();
insert into tsl values (1, 10), (2, 20);
update tsl set v = v + 1;
update tsl set id = id where id = 1;
delete from tsl where id = 99;
delete from tsl;
select n, what from tsl_log order by n;
drop table tsl;
drop table tsl_log;
drop function tsl_note();
drop function tsl_row();
