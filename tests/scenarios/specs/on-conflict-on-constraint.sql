-- INSERT ... ON CONFLICT ON CONSTRAINT name: the arbiter is the index of a primary key or
-- UNIQUE constraint named; a unique index made by CREATE UNIQUE INDEX is no constraint, and a
-- CHECK or FOREIGN KEY constraint has no index.
create table occ_parent (id int primary key);
insert into occ_parent values (1), (2);
create table occ_t (
  id int primary key,
  code text constraint occ_code_key unique,
  w int,
  p int references occ_parent,
  constraint occ_w_positive check (w > 0));
create unique index occ_w_idx on occ_t (w);
create table occ_pair (a int, b int, v text, constraint occ_pair_ab unique (a, b));
insert into occ_t values (1, 'a', 1, 1);
-- primary key
insert into occ_t values (1, 'b', 2) on conflict on constraint occ_t_pkey do nothing;
insert into occ_t values (1, 'b', 2) on conflict on constraint occ_t_pkey
  do update set w = occ_t.w + 10 returning *;
insert into occ_t values (2, 'b', 2) on conflict on constraint occ_t_pkey do nothing returning *;
-- a UNIQUE constraint
insert into occ_t values (3, 'a', 3) on conflict on constraint occ_code_key
  do update set w = excluded.w, p = 2 returning *;
insert into occ_t values (4, 'a', 4) on conflict on constraint occ_code_key do nothing;
insert into occ_t values (4, 'a', 4) on conflict on constraint occ_code_key
  do update set w = 40 where occ_t.w > 100 returning *;
-- a conflict on another unique index than the one named is still an error
insert into occ_t values (1, 'z', 9) on conflict on constraint occ_code_key do nothing;
insert into occ_t values (9, 'a', 9) on conflict on constraint occ_t_pkey do nothing;
-- the constraint named is checked first: its conflict is handled though the key is taken too
insert into occ_t values (1, 'a', 9) on conflict on constraint occ_code_key do nothing;
insert into occ_t values (2, 'a', 9) on conflict on constraint occ_code_key
  do update set w = 12 returning *;
-- the same row twice in one command
insert into occ_t values (5, 'e', 5), (6, 'e', 6) on conflict on constraint occ_code_key
  do update set w = excluded.w;
-- a constraint over two columns
insert into occ_pair values (1, 1, 'x'), (1, 2, 'y');
insert into occ_pair values (1, 2, 'z') on conflict on constraint occ_pair_ab
  do update set v = occ_pair.v || excluded.v returning *;
insert into occ_pair values (1, null, 'n'), (1, null, 'm') on conflict on constraint occ_pair_ab
  do nothing;
select * from occ_pair order by a, b, v;
-- errors
insert into occ_t values (7, 'g', 7) on conflict on constraint no_such do nothing;
insert into occ_t values (7, 'g', 7) on conflict on constraint occ_w_idx do nothing;
insert into occ_t values (7, 'g', 7) on conflict on constraint "OCC_T_PKEY" do nothing;
insert into occ_t values (7, 'g', 7) on conflict on constraint occ_w_positive do nothing;
insert into occ_t values (7, 'g', 7) on conflict on constraint occ_t_p_fkey
  do update set w = 1;
insert into occ_t values (7, 'g', 7) on conflict on constraint occ_pair_ab do nothing;
-- in a prepared statement and in PL/pgSQL
prepare occ_up(int, text, int) as
  insert into occ_t values ($1, $2, $3) on conflict on constraint occ_code_key
  do update set w = excluded.w returning id, code, w;
execute occ_up(8, 'a', 80);
execute occ_up(8, 'h', 81);
deallocate occ_up;
do $$
begin
  insert into occ_t values (10, 'h', 100) on conflict on constraint occ_code_key do nothing;
  insert into occ_t values (11, 'i', 110) on conflict on constraint occ_code_key do nothing;
end $$;
select * from occ_t order by id;
drop table occ_t, occ_pair, occ_parent;
