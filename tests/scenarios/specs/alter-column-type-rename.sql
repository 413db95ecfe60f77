-- ALTER TABLE ... ALTER COLUMN ... DROP / SET NOT NULL, ALTER COLUMN ... TYPE and RENAME TO,
-- as graphile-worker's migrations use them.
create table act (id int primary key, q text not null, n int, m int default 0);
create index act_n on act (n);
insert into act values (1, 'a', 10, 1), (2, 'b', null, 2);
alter table act alter column q drop not null;
insert into act values (3, null, 30, 3);
alter table act alter column q set not null;
alter table act alter column n set not null;
alter table act alter column id drop not null;
alter table act alter column nosuch drop not null;
alter table act alter column m type int2, alter column n type bigint;
select * from act where n = 30;
select pg_typeof(m), pg_typeof(n) from act where id = 1;
insert into act values (4, 'd', 40, 40000);
alter table act alter column q type int;
alter table act alter column q type varchar(1);
alter table act alter column m drop default;
insert into act (id, q, n) values (5, 'e', 50);
select * from act order by id;
alter table act rename to act2;
select count(*) from act;
select count(*) from act2 where n = 50;
create table act3 (x int);
alter table act2 rename to act3;
alter table if exists nosuch rename to whatever;
drop table act2, act3;
