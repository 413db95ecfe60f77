-- tests/e2e/bulk_load/bulk_load.sql — COPY into a table created or truncated in the current
-- subtransaction (loaded as frozen rows, issue 8), COPY FREEZE's errors, savepoints, duplicate
-- keys in and out of order, ALTER TABLE ADD PRIMARY KEY's rewrite. bulk_load.out is
-- PostgreSQL 15's output for it.
create table v (a text);
insert into v values ('old');
begin;
truncate v;
copy v from stdin csv freeze;
a2
b
\.
select * from v;
savepoint s1;
truncate v;
copy v from stdin csv freeze;
d2
e
\.
select * from v;
commit;
select * from v;
begin; truncate v; copy v from stdin; 
x
y
\.
rollback;
select * from v;
begin; truncate v; savepoint s; copy v from stdin;
q
\.
select * from v;
rollback to s;
select * from v;
commit;
select * from v;
copy v from stdin csv freeze;
z
\.
create table pk (a int primary key, b text);
begin; truncate pk; copy pk from stdin;
1	a
2	b
1	c
\.
rollback;
begin; truncate pk; copy pk from stdin;
1	a
2	b
\.
copy pk from stdin;
2	x
\.
rollback;
begin; truncate pk; copy pk from stdin;
1	a
2	b
\.
update pk set b = 'bb' where a = 2;
commit;
select * from pk order by a;
create table r (a int, b text);
insert into r select g, 'x' || g from generate_series(1, 5) g;
insert into r values (3, 'dup');
alter table r add primary key (a);
delete from r where b = 'dup';
alter table r add primary key (a);
select * from r order by a;
create table r2 (a int, b text);
insert into r2 select (g * 7) % 11, 'y' from generate_series(1, 10) g;
alter table r2 add primary key (a);
select count(*) from r2;
insert into r2 values (5, 'z');
begin; create table c (a int primary key); copy c from stdin;
5
3
9
1
\.
copy c from stdin;
7
9
\.
rollback;
begin; create table c3 (a int primary key, b text); copy c3 from stdin;
5	a
3	b
9	c
3	d
\.
rollback;
create table part (a int) partition by range (a);
begin; truncate part; copy part from stdin (freeze);
1
\.
rollback;
create function trunc_sub() returns void language plpgsql as $$ begin truncate v; exception when others then insert into v values ('fail'); end $$;
begin; insert into v values ('z'); select trunc_sub(); copy v from stdin csv freeze;
d4
\.
select * from v; commit;
select * from v;
begin; insert into v values ('zz'); savepoint s1; truncate v; rollback to savepoint s1; copy v from stdin csv freeze;
q
\.
commit;
begin; truncate v; savepoint s2; truncate v; release savepoint s2; copy v from stdin csv freeze;
rel
\.
select * from v; commit;
