-- A bare name in ORDER BY is an output column's name first (SQL92), then an input column;
-- in GROUP BY the input column comes first, then an output column's name. Two output columns
-- of that name that differ make it ambiguous (42702).
create table obn (a int, b text, c int);
insert into obn values (1, 'x', 3), (2, 'y', 2), (10, 'z', 1);
-- the output column a is a::text: it sorts as text
select a::text from obn order by a;
select a::text as a from obn order by a desc;
-- an alias that is an input column's name hides that column
select c as a from obn order by a;
select a, c as a from obn order by a;
select -a as a from obn order by a;
-- an expression over the input column still reads the input
select a::text from obn order by a + 0;
select a::text from obn order by obn.a;
-- the same expression twice under one name is not ambiguous
select a, a from obn order by a;
select a as k, a as k from obn order by k;
-- a name no output column has is an input column
select b from obn order by c;
select b as c from obn order by a;
select * from obn order by c;
-- errors
select a as k, c as k from obn order by k;
select b from obn order by nosuch;
-- GROUP BY: the input column first
select a % 2 as a, count(*) from obn group by a order by 1, 2;
select b as a, count(*) from obn group by a order by 2, 1;
select c / 2 as half, count(*) from obn group by half order by half;
select lower(b), count(*) from obn group by lower order by lower;
select a as k, c as k from obn group by k;
select a as k, a as k, count(*) from obn group by k order by k;
-- set operations: output columns only
select a from obn union select c from obn order by a;
select a::text from obn union select c::text from obn order by a;
select a as k, c as k from obn union select 1, 2 order by k;
select a from obn union select c from obn order by nosuch;
select a from obn union select c from obn order by a + 1;
select a from obn union select c from obn order by abs(a);
select a from obn union select c from obn order by obn.a;
-- a join: an output column of that name, or an ambiguous input
select x.a, y.a as z from obn x join obn y on x.a = y.c order by a;
select * from obn x join obn y on x.a = y.c order by a;
select x.b from obn x join obn y on x.a = y.c order by a;
drop table obn;
