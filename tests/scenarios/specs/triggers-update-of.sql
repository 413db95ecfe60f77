-- Column-specific triggers (CREATE TRIGGER ... BEFORE/AFTER UPDATE OF col, ...): an UPDATE
-- fires them only when its SET list names one of the columns, changed or not. graphile-worker's
-- first migration has one.
create table tuo(id int primary key, a int, b int, hits int default 0, log text default '');
create function tuo_count() returns trigger as $$
begin
  new.hits = old.hits + 1;
  return new;
end;
$$ language plpgsql;
create function tuo_note() returns trigger as $$
begin
  raise notice 'after update of b on row %', new.id;
  return null;
end;
$$ language plpgsql;
create trigger tuo_a before update of a on tuo for each row execute function tuo_count();
create trigger tuo_b after update of b, a on tuo for each row execute function tuo_note();
insert into tuo(id, a, b) values (1, 10, 20), (2, 30, 40);
update tuo set b = b + 1 where id = 1;
update tuo set a = a where id = 2;
update tuo set log = 'x';
update tuo set a = a + 1, log = 'y' where id = 1;
select id, a, b, hits, log from tuo order by id;
create trigger tuo_bad before update of nosuch on tuo for each row execute function tuo_count();
drop table tuo;
drop function tuo_count();
drop function tuo_note();
