-- SECURITY LABEL with no label provider loaded fails as in PostgreSQL without one; a SQL
-- function's body is checked once the function exists, so it may call itself, and unbounded
-- recursion ends with "stack depth limit exceeded" (54001).
create table seclabel_t (a int);
security label on table seclabel_t is 'classified';
security label for dummy on table seclabel_t is 'classified';
security label on column seclabel_t.a is null;
drop table seclabel_t;
create function sql_self_recurse(n int) returns int as
  'select case when n <= 0 then 0 else 1 + sql_self_recurse(n - 1) end' language sql;
select sql_self_recurse(10);
create function sql_infinite() returns int as 'select sql_infinite()' language sql;
\set VERBOSITY sqlstate
select sql_infinite();
\set VERBOSITY default
drop function sql_self_recurse(int);
drop function sql_infinite();
