-- PL/pgSQL FOREACH ... IN ARRAY (CONTINUE/EXIT, RETURN NEXT, its errors) and GET STACKED
-- DIAGNOSTICS in an exception handler (SQLSTATE, message, detail, hint; outside a handler 0Z002).
create table uq (id int primary key, v text check (v <> 'bad'));
create function sum_all(xs int[]) returns int language plpgsql as $$
declare x int; total int := 0;
begin
  foreach x in array xs loop
    continue when x is null;
    exit when x < 0;
    total := total + x;
  end loop;
  raise notice 'found: %', found;
  return total;
end $$;
select sum_all(array[1, 2, null, 3]), sum_all(array[4, -1, 5]), sum_all('{}');
select sum_all(null);
create function names_of(xs text[]) returns setof text language plpgsql as $$
declare t text;
begin
  foreach t in array xs loop return next upper(t); end loop;
end $$;
select * from names_of(array['a', 'b']);
do $$ declare x int; begin foreach x in array 5 loop end loop; end $$;
create function try_insert(k int, val text) returns text language plpgsql as $$
declare st text; msg text; det text; hnt text;
begin
  insert into uq values (k, val);
  return 'ok';
exception when others then
  get stacked diagnostics st = returned_sqlstate, msg = message_text, det = pg_exception_detail, hnt = pg_exception_hint;
  return st || ' | ' || msg || ' | ' || coalesce(det, '-') || ' | ' || coalesce(hnt, '-');
end $$;
select try_insert(1, 'a'), try_insert(1, 'b'), try_insert(2, 'bad');
do $$ declare s text; begin get stacked diagnostics s = returned_sqlstate; end $$;
do $$ declare n bigint; begin perform 1 from generate_series(1, 3); get diagnostics n = row_count; raise notice 'rows %', n; end $$;
drop function sum_all(int[]); drop function names_of(text[]); drop function try_insert(int, text); drop table uq;
