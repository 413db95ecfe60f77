-- CREATE TABLE ... (LIKE source [INCLUDING | EXCLUDING ...]) (issue 13; pg-boss creates its
-- archive and partition tables this way): columns, types and NOT NULL always; defaults,
-- CHECK constraints, indexes (with the names PostgreSQL chooses for the new table), identity,
-- generated columns and comments only when included; LIKE mixed with column definitions and
-- other LIKEs; the errors.
create table ctl_src (
  id int primary key,
  name varchar(20) not null default 'none',
  qty int default 3 check (qty >= 0),
  price numeric(10,2),
  total int generated always as (qty * 2) stored,
  code int unique,
  constraint ctl_src_price_positive check (price > 0.5)
);
create index ctl_src_name_idx on ctl_src (name);
create index on ctl_src (lower(name));
create unique index ctl_src_partial on ctl_src (qty) where qty > 10;
create table ctl_ident (n bigint generated always as identity, v text);
comment on column ctl_src.name is 'the name';
-- Plain LIKE: columns and NOT NULL only (a generated column becomes plain).
create table ctl_plain (like ctl_src);
\d ctl_plain
insert into ctl_plain (id) values (1);
insert into ctl_plain (id, name, qty) values (1, 'a', -1);
select * from ctl_plain;
-- Defaults, constraints, generated columns.
create table ctl_dc (like ctl_src including defaults including constraints including generated);
\d ctl_dc
insert into ctl_dc (id, price) values (1, 2.5);
select * from ctl_dc;
insert into ctl_dc (id, qty) values (2, -1);
insert into ctl_dc (id, price) values (3, 0);
-- Indexes: primary key, unique constraint, plain, expression and partial indexes.
create table ctl_idx (like ctl_src including indexes);
\d ctl_idx
insert into ctl_idx (id, name, code) values (1, 'a', 7);
insert into ctl_idx (id, name, code) values (1, 'b', 8);
insert into ctl_idx (id, name, code) values (2, 'b', 7);
select conname, contype from pg_constraint where conrelid = 'ctl_idx'::regclass order by conname;
-- INCLUDING ALL, and EXCLUDING after it.
create table ctl_all (like ctl_src including all);
\d ctl_all
select col_description('ctl_all'::regclass, 2) as name_comment;
create table ctl_all_but (like ctl_src including all excluding indexes excluding defaults);
\d ctl_all_but
-- Identity: a sequence of the new table's own.
create table ctl_id1 (like ctl_ident including identity);
create table ctl_id2 (like ctl_ident);
\d ctl_id1
\d ctl_id2
insert into ctl_id1 (v) values ('x'), ('y');
insert into ctl_ident (v) values ('z');
select * from ctl_id1 order by n;
select * from ctl_ident;
select pg_get_serial_sequence('ctl_id1', 'n') as seq;
-- LIKE mixed with column definitions, two LIKEs, a table constraint.
create table ctl_mix (before_col text, like ctl_ident, after_col int not null, like ctl_plain excluding all, check (after_col > 0));
\d ctl_mix
create table ctl_twice (like ctl_src including indexes, like ctl_src including indexes);
create table ctl_pk2 (x int primary key, like ctl_src including indexes);
create table ctl_dup (id int, like ctl_src);
create table ctl_none (like nosuch);
create table ctl_temp_src (a int primary key);
create temp table ctl_tmp (like ctl_src including all);
select indexname from pg_indexes where tablename = 'ctl_tmp' order by 1;
drop table ctl_tmp;
create table if not exists ctl_plain (like ctl_src);
-- A view's columns can be copied too.
create view ctl_v as select id, name from ctl_src;
create table ctl_from_view (like ctl_v);
\d ctl_from_view
-- DDL is transactional: rolled back with the transaction.
begin;
create table ctl_rb (like ctl_src including all);
rollback;
select count(*) from pg_class where relname like 'ctl_rb%';
drop view ctl_v;
drop table ctl_src, ctl_ident, ctl_plain, ctl_dc, ctl_idx, ctl_all, ctl_all_but, ctl_id1, ctl_id2, ctl_mix, ctl_temp_src, ctl_from_view;
