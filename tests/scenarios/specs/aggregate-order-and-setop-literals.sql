-- ORDER BY inside an aggregate call, and untyped literals in UNION/INTERSECT/EXCEPT, as
-- PostgreSQL 15 treats them (both were found missing by libraries' SQL: string_agg with an
-- order, and SELECT 1 UNION SELECT '2').
create table agg_order(g int, x text, y int);
insert into agg_order values (1, 'a', 3), (1, 'b', 1), (1, 'c', 2), (2, 'z', 1), (2, null, 0), (2, 'y', 2);
select g, string_agg(x, ',' order by y) from agg_order group by g order by g;
select g, string_agg(x, ',' order by y desc) from agg_order group by g order by g;
select g, array_agg(x order by x nulls first) from agg_order group by g order by g;
select g, array_agg(x order by x desc nulls last, y) from agg_order group by g order by g;
select array_agg(y order by x desc, y) filter (where y > 0) from agg_order;
-- ties keep input order among equal keys (here: all keys equal)
select array_agg(y order by g) from (select * from agg_order order by y) s;
select string_agg(distinct x, ',' order by x) from agg_order;
select string_agg(distinct x, ',' order by x desc) from agg_order where g = 2;
select count(*), string_agg(x, '' order by y) from agg_order where false;
select string_agg(distinct x, ',' order by y) from agg_order;
select lower('A' order by 1);
select lower(distinct 'A');
select sum(y order by y) over () from agg_order;
select count(distinct y) over () from agg_order;
drop table agg_order;
select 1 union select '2';
select '1' union select '2' order by 1;
select 1.5 union select '2' union select 3 order by 1;
select 'b' intersect select 'b';
select 1 except select '1';
select 'a' union select 1;
select x from (select 1 as x union all select '7') s where x > 2;
select x from (select null as x union select 2) s order by 1 nulls first;
select case when true then 1 end;
-- a side that sorts, groups or removes duplicates has resolved its literals to text already
select distinct '2' union select 1;
(select '3' order by 1) union all select 1;
select '3' as x union all select 1 order by x;
