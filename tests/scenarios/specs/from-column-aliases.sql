-- Column aliases of FROM items (t AS a(x, y)): they rename a table's, a view's, a subquery's
-- and a WITH query's columns from the first; more aliases than columns is 42P10.
create table alias_t (f1 int2, f2 text);
insert into alias_t values (1, 'a'), (2, 'b');
create view alias_v as select f1, f2 from alias_t;
select * from alias_t as f(a);
select a, f2 from alias_t as f(a) order by a;
select f.b from alias_t f(a, b) where f.a = 2;
select * from alias_t as f(a, b, c);
select * from (table alias_t) as s (a, b, c);
select * from alias_v as v(x) order by x;
select * from alias_v as v(x, y, z);
with w as (select 1 as one, 2 as two) select * from w as q(uno);
with w as (select 1 as one) select * from w as q(uno, dos);
select * from (select 1, 2) as s(a, b, c);
drop view alias_v;
drop table alias_t;
