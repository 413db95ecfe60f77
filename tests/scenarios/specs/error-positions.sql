-- Error positions count characters, not bytes (psql's caret lands under the name after
-- multibyte text); GROUP BY and ORDER BY positions out of range point at the number; a column
-- ambiguous in both GROUP BY and ORDER BY is reported at ORDER BY's, as PostgreSQL binds it
-- first.
select 'café' || nosuch_function('x');
select 'ああ', 'é' as "ü", missing_column;
create table errpos (a int, b int);
select a, count(*) from errpos group by 3;
select a from errpos order by 2;
select a from errpos union select b from errpos order by 3;
select count(*) from errpos x, errpos y where x.a = y.a group by b order by b;
select count(*) from errpos x, errpos y where x.a = y.a group by b/2 order by b/2;
select x.b as b, count(*) from errpos x, errpos y where x.a = y.a group by x.b order by b;
drop table errpos;
