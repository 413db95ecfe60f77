-- RETURNING t.* in UPDATE ... FROM and DELETE ... USING is the target's columns alone
-- (before: every FROM item's columns too); RETURNING * is every item's; an unknown
-- qualifier is PostgreSQL's error.
create table rq (name text, id int, v int, primary key (name, id)) partition by list (name);
create table rq_a partition of rq for values in ('a');
create table rq_b partition of rq for values in ('b');
insert into rq values ('a', 1, 0), ('a', 2, 0), ('b', 3, 0);
with next as (select id from rq where name = 'a' order by id limit 1)
update rq set v = 1 from next where rq.name = 'a' and rq.id = next.id returning rq.*;
with next as (select id from rq where name = 'a' order by id desc limit 1)
update rq set v = 2 from next where rq.name = 'a' and rq.id = next.id returning *;
create table rp (id int primary key, v int);
insert into rp values (1, 10), (2, 20);
create table rdone (id int, note text);
insert into rdone values (2, 'done');
update rp set v = v + 1 from rdone d where rp.id = d.id returning rp.*, d.note;
update rp p set v = v + 1 from rdone d where p.id = d.id returning p.*;
delete from rp using rdone where rp.id = rdone.id returning rp.*;
delete from rp using rdone where rp.id = rdone.id returning rdone.*;
update rp set v = 0 returning nosuch.*;
select * from rp order by id;
drop table rq, rp, rdone;
