-- ALTER TABLE ... ENABLE / DISABLE / FORCE / NO FORCE ROW LEVEL SECURITY: the flags in
-- pg_class (graphile-worker enables it on its tables and reads them as their owner).
create table rls_t (id int primary key, v text);
insert into rls_t values (1, 'a'), (2, 'b');
select relrowsecurity, relforcerowsecurity from pg_class where relname = 'rls_t';
alter table rls_t enable row level security;
select relrowsecurity, relforcerowsecurity from pg_class where relname = 'rls_t';
-- the owner (here a superuser) still sees and writes every row
select * from rls_t order by id;
insert into rls_t values (3, 'c');
update rls_t set v = 'bb' where id = 2;
select count(*) from rls_t;
-- with no policies, other roles see no rows and may insert none (PostgreSQL's default deny)
create role rls_reader;
create role rls_bypass bypassrls;
grant select, insert, update, delete on rls_t to rls_reader, rls_bypass;
set role rls_reader;
select * from rls_t order by id;
select count(*) from rls_t where id = 1;
update rls_t set v = 'x' where id = 1;
delete from rls_t;
insert into rls_t values (9, 'z');
reset role;
set role rls_bypass;
select count(*) from rls_t;
reset role;
select * from rls_t order by id;
alter table rls_t disable row level security;
set role rls_reader;
select count(*) from rls_t;
reset role;
alter table rls_t enable row level security;
alter table rls_t force row level security;
select relrowsecurity, relforcerowsecurity from pg_class where relname = 'rls_t';
alter table rls_t no force row level security, disable row level security;
select relrowsecurity, relforcerowsecurity from pg_class where relname = 'rls_t';
alter table if exists rls_nosuch enable row level security;
alter table rls_nosuch enable row level security;
drop table rls_t;
drop role rls_reader, rls_bypass;
