-- A PL/pgSQL call prepares each statement and expression once and reuses it on later turns of
-- a loop; what changes the statement's meaning in between (DDL, search_path, a variable's
-- type) makes it bind again, as PostgreSQL's plan cache does.
create table pps_rows (a int);
create function pps_ddl_midway() returns text as $$
declare r text := ''; i int;
begin
  for i in 1..4 loop
    if i = 3 then alter table pps_rows add column b int default 5; end if;
    insert into pps_rows values (i);
    r := r || (select count(*) from pps_rows)::text || ' ';
  end loop;
  return r || (select string_agg(a::text || ':' || coalesce(b::text, '-'), ' ' order by a)
               from pps_rows);
end $$ language plpgsql;
select pps_ddl_midway();
drop function pps_ddl_midway();
drop table pps_rows;

create schema pps_a;
create schema pps_b;
create table pps_a.t (v text);
create table pps_b.t (v text);
insert into pps_a.t values ('from a');
insert into pps_b.t values ('from b');
create function pps_path() returns text as $$
declare r text := ''; i int;
begin
  for i in 1..4 loop
    if i % 2 = 1 then
      perform set_config('search_path', 'pps_a', true);
    else
      perform set_config('search_path', 'pps_b', true);
    end if;
    r := r || (select v from t) || '; ';
  end loop;
  return r;
end $$ language plpgsql;
begin;
select pps_path();
rollback;
drop function pps_path();
drop schema pps_a cascade;
drop schema pps_b cascade;

-- The same expression text with a record whose fields change type between turns.
create function pps_record_types() returns text as $$
declare r record; out text := '';
begin
  for r in select 1 as x union all select 2 loop
    out := out || (r.x * 2)::text || ' ';
  end loop;
  for r in select 1.5 as x union all select 2.25 loop
    out := out || (r.x * 2)::text || ' ';
  end loop;
  return out;
end $$ language plpgsql;
select pps_record_types();
drop function pps_record_types();

-- A loop of many turns.
create function pps_sum(n int) returns bigint as $$
declare s bigint := 0; i int;
begin
  for i in 1..n loop
    s := s + i;
    if s % 7 = 0 then s := s + 1; end if;
  end loop;
  return s;
end $$ language plpgsql;
select pps_sum(1000), pps_sum(10);
drop function pps_sum(int);
