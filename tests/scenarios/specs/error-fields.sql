-- The object an integrity error names (ErrorResponse fields schema, table, column,
-- constraint), as PL/pgSQL's GET STACKED DIAGNOSTICS and drivers read them: unique, primary
-- key, not-null, check and foreign-key violations (both directions).
create table ef_p (id int primary key, code text unique, n int not null check (n > 0));
create table ef_c (id int primary key, p int references ef_p(id));
create function ef_try(k int, c text, v int) returns text language plpgsql as $$
declare s text; t text; col text; con text;
begin
  insert into ef_p values (k, c, v);
  return 'ok';
exception when others then
  get stacked diagnostics s = schema_name, t = table_name, col = column_name, con = constraint_name;
  return format('%s.%s col=%s con=%s', s, t, col, con);
end $$;
select ef_try(1, 'x', 1), ef_try(9, 'a', 1), ef_try(9, 'x', null), ef_try(9, 'x', -1);
insert into ef_p values (1, 'a', 1);
do $$ declare t text; con text; begin insert into ef_c values (1, 99); exception when foreign_key_violation then get stacked diagnostics t = table_name, con = constraint_name; raise notice '% %', t, con; end $$;
do $$ declare t text; con text; begin insert into ef_c values (2, 1); delete from ef_p; exception when foreign_key_violation then get stacked diagnostics t = table_name, con = constraint_name; raise notice '% %', t, con; end $$;
drop function ef_try(int, text, int); drop table ef_c, ef_p;
