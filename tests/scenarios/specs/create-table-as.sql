-- CREATE TABLE ... AS and SELECT ... INTO: the query's columns (names from the column list
-- or the query, unknown literals as text), its rows, TEMP and ON COMMIT, WITH NO DATA,
-- IF NOT EXISTS, and PostgreSQL's errors.
create table src (id int primary key, name text, amount numeric(10,2), at date);
insert into src select g, 'n' || g, g * 1.5, date '2024-01-01' + g from generate_series(1, 5) g;
create table c1 as select * from src where id > 2;
select * from c1 order by id;
\d c1
create table c2 (x, y) as select id, name || '!' from src;
select * from c2 order by x;
create table c3 as select 1 as one, 'lit' as t, null as n, now()::date - now()::date as d with no data;
\d c3
select count(*) from c3;
create table if not exists c1 as select 1;
create table c1 as select 1;
create table c4 (a, b, c, d, e) as select * from src;
create table c5 as select id, id from src;
select id, name into c6 from src where id in (1, 5);
select * from c6 order by id;
select id into temp c7 from src;
select count(*) from c7;
begin;
create temp table c8 on commit drop as select * from src;
select count(*) from c8;
commit;
select count(*) from c8;
create table c9 as select s.id, sum(x.amount) as total from src s join src x on x.id <= s.id group by s.id;
select * from c9 order by id;
insert into c9 values (100, 1);
update c1 set name = 'changed' where id = 3;
select * from c1 order by id;
drop table src, c1, c2, c3, c6, c7, c9;
