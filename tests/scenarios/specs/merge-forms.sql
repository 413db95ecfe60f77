-- MERGE (PostgreSQL 15): its forms, the order its WHEN clauses are tried in, its command tag,
-- and the errors PostgreSQL gives at parse and analysis.
create table mt (id int primary key, v int default 7, note text);
create table ms (id int, v int);
insert into mt values (1, 10, 'one'), (2, 20, 'two'), (3, 30, 'three');
insert into ms values (1, 100), (2, 200), (4, 400), (5, 500);
-- update matched, insert the rest
merge into mt using ms on mt.id = ms.id
  when matched then update set v = ms.v
  when not matched then insert values (ms.id, ms.v, 'new');
select * from mt order by id;
-- clauses are tried in order: the first whose condition holds acts
merge into mt t using ms s on t.id = s.id
  when matched and s.v > 300 then delete
  when matched and t.v = 100 then update set note = 'hundred'
  when matched then do nothing
  when not matched then insert (id) values (s.id);
select * from mt order by id;
-- source as a subquery and as VALUES, target alias, DEFAULT, INSERT DEFAULT VALUES
merge into mt as t using (select id + 10 as id, v from ms where id < 3) as s on t.id = s.id
  when not matched and s.id = 11 then insert (id, v) values (s.id, default)
  when not matched then insert (id, note) values (s.id, 'sub');
merge into mt t using (values (1, 'a'), (6, 'b'), (7, 'c')) as s(id, n) on t.id = s.id
  when matched then update set note = s.n, v = t.v + 1
  when not matched and s.id = 6 then insert values (s.id, 60, s.n)
  when not matched then do nothing;
create table md (id serial primary key, v int default 42);
merge into md using (values (1)) s(x) on false when not matched then insert default values;
select * from md;
select * from mt order by id;
-- delete everything matched
merge into mt t using ms s on t.id = s.id when matched then delete;
select * from mt order by id;
-- a target row matched by more than one source row
insert into ms values (1, 111);
insert into mt values (1, 1, 'x');
merge into mt t using ms s on t.id = s.id when matched then update set v = s.v;
merge into mt t using ms s on t.id = s.id when matched then delete;
-- ... is no error when the clause does nothing
merge into mt t using ms s on t.id = s.id when matched then do nothing;
merge into mt t using ms s on t.id = s.id when matched and s.v = 111 then update set v = 0;
select * from mt order by id;
-- a NOT MATCHED INSERT of a key that exists is a unique violation
merge into mt t using (values (3)) s(id) on t.id = s.id + 100
  when not matched then insert values (s.id);
-- CHECK constraints and NOT NULL apply to both actions
create table mc (id int primary key, v int check (v > 0) not null);
insert into mc values (1, 1);
merge into mc using (values (1, -1)) s(id, v) on mc.id = s.id when matched then update set v = s.v;
merge into mc using (values (2, null::int)) s(id, v) on mc.id = s.id
  when not matched then insert values (s.id, s.v);
-- errors at analysis
merge into mt t using ms s on t.id = s.id when matched then update set nosuch = 1;
merge into mt t using ms s on t.id = s.id when not matched then insert (nosuch) values (1);
merge into mt t using ms s on t.id = s.id when not matched then insert values (t.id);
merge into mt t using ms s on t.id = s.id when not matched then insert values (note);
merge into mt t using ms s on t.id = s.id when not matched then insert (id) values (1, 2);
merge into mt t using ms s on t.id = s.id when not matched then insert (id, v) values (1);
merge into mt t using ms s on t.id = s.id when matched then delete when matched then do nothing;
merge into mt t using ms s on t.id = s.id when matched and 1 then delete;
merge into mt t using ms t on t.id = t.id when matched then delete;
merge into mt t using ms s on t.id = nosuch when matched then delete;
merge into nosuch t using ms s on t.id = s.id when matched then delete;
create view mv as select * from mt;
merge into mv t using ms s on t.id = s.id when matched then delete;
drop view mv;
with w as (merge into mt t using ms s on t.id = s.id when matched then delete) select 1;
-- RETURNING is not in PostgreSQL 15's MERGE
merge into mt t using ms s on t.id = s.id when matched then delete returning *;
-- WITH before MERGE
with src as (select 9 as id, 90 as v)
merge into mt t using src s on t.id = s.id when not matched then insert values (s.id, s.v);
select * from mt order by id;
-- prepared, with parameters
prepare up(int, int) as
  merge into mt t using (select $1 as id) s on t.id = s.id
  when matched then update set v = $2
  when not matched then insert values (s.id, $2, 'prepared');
execute up(9, 91);
execute up(12, 120);
select * from mt order by id;
deallocate up;
-- in a read-only transaction
begin read only;
merge into mt t using ms s on t.id = s.id when matched then delete;
rollback;
drop table mt, ms, md, mc;
