-- A call of one argument named after a type, when no function takes it, is that type's
-- explicit cast (PostgreSQL's function-style coercion): float8(i), int4(x), text(n), and an
-- unknown literal read as the type; a row is not cast to text this way, and a cast that does
-- not exist is still "function does not exist".
create table fsc (i int4, s int2, f float8);
insert into fsc values (7, -3, 2.5), (-1, 4, -0.5);
select float8(i), float8(s), int4(f), int2(i), int8(s) from fsc order by i;
select text(i), "numeric"(f), "varchar"(s) from fsc order by i;
select int4('12'), bool('t'), date('2020-02-29'), int8('9000000000');
select int4('x');
select int2(100000);
select text(row(1, 2));
select int4(now());
select uuid(1);
drop table fsc;
