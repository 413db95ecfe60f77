-- The tableoid system column: a table's own oid; through a partitioned table, the leaf
-- partition each row is stored in (LIST, RANGE with a DEFAULT partition, two levels).
create table toid_plain (id int);
insert into toid_plain values (1);
select tableoid::regclass, id from toid_plain;
select t.tableoid = 'toid_plain'::regclass, t.id from toid_plain t;
create table toid_jobs (id int, state text) partition by list (state);
create table toid_jobs_new partition of toid_jobs for values in ('new');
create table toid_jobs_done partition of toid_jobs for values in ('done') partition by range (id);
create table toid_jobs_done_low partition of toid_jobs_done for values from (0) to (100);
create table toid_jobs_done_high partition of toid_jobs_done for values from (100) to (maxvalue);
create table toid_jobs_other partition of toid_jobs default;
insert into toid_jobs values (1, 'new'), (2, 'done'), (300, 'done'), (4, 'failed'), (5, null);
select tableoid::regclass, * from toid_jobs order by id;
select j.tableoid::regclass as part, count(*) from toid_jobs j group by 1 order by 1;
select tableoid::regclass, id from toid_jobs_done order by id;
select tableoid::regclass, id from toid_jobs where id = 300;
update toid_jobs set state = 'done' where id = 1 returning tableoid::regclass, id;
delete from toid_jobs where id = 4 returning tableoid::regclass, id;
select a.id from toid_jobs a join toid_plain b on a.id = b.id where a.tableoid = 'toid_jobs_done_low'::regclass;
select tableoid from toid_jobs a, toid_plain b;
select x.tableoid from (select id from toid_plain) x;
drop table toid_jobs, toid_plain;
