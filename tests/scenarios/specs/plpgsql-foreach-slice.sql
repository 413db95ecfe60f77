-- PL/pgSQL FOREACH ... SLICE n IN ARRAY (one-dimensional arrays), with PostgreSQL's errors for
-- a slice out of range and for a loop variable of the wrong array-ness (CONTEXT lines too).
create function fs_slice1(a int[]) returns int language plpgsql as $$
declare x int[]; n int := 0;
begin
  foreach x slice 1 in array a loop
    raise notice 'slice % (length %)', x, array_length(x, 1);
    n := n + 1;
  end loop;
  raise notice 'found %', found;
  return n;
end $$;
select fs_slice1(array[1, 2, 3, 4]);
select fs_slice1(array[7]);
select fs_slice1(array[]::int[]);
select fs_slice1(null);
create function fs_text(a text[]) returns text language plpgsql as $$
declare x text[]; r text := '';
begin
  foreach x slice 1 in array a loop
    r := r || array_to_string(x, '+', '?');
    exit;
  end loop;
  return r;
end $$;
select fs_text(array['a', null, 'c']);
-- the loop variable must be an array when slicing, and must not be one otherwise
create function fs_scalar(a int[]) returns void language plpgsql as $$
declare x int;
begin
  foreach x slice 1 in array a loop
    raise notice '%', x;
  end loop;
end $$;
select fs_scalar(array[1, 2]);
create function fs_arrayvar(a int[]) returns void language plpgsql as $$
declare x int[];
begin
  foreach x in array a loop
    raise notice '%', x;
  end loop;
end $$;
select fs_arrayvar(array[1, 2]);
-- a slice deeper than the array
create function fs_slice2(a int[]) returns void language plpgsql as $$
declare x int[];
begin
  foreach x slice 2 in array a loop
    raise notice '%', x;
  end loop;
end $$;
select fs_slice2(array[1, 2, 3]);
select fs_slice2(array[]::int[]);
do $$
declare x int[];
begin
  foreach x slice 3 in array array[5, 6] loop
    raise notice '%', x;
  end loop;
end $$;
do $$
declare x int[];
begin
  foreach x slice 1 in array 42 loop
    raise notice '%', x;
  end loop;
end $$;
-- CONTINUE and labels inside a sliced loop; the body runs with the whole array
do $$
declare x text[]; total int := 0;
begin
  <<outer>>
  foreach x slice 1 in array array['x', 'y'] loop
    total := total + cardinality(x);
    continue outer;
  end loop;
  raise notice 'total %', total;
end $$;
drop function fs_slice1(int[]);
drop function fs_text(text[]);
drop function fs_scalar(int[]);
drop function fs_arrayvar(int[]);
drop function fs_slice2(int[]);
