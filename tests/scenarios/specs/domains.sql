-- CREATE DOMAIN (issue 13): casts to a domain checked against its NOT NULL and CHECK
-- constraints (PostgreSQL's messages), columns of a domain with its default and checks on
-- INSERT, UPDATE and COPY, the base type's oid on the wire, pg_type/pg_constraint rows and
-- psql's \dD, ALTER DOMAIN, DROP DOMAIN, and rollback of all of it.
create domain posint as integer check (value > 0);
create domain email as text not null check (value like '%@%') constraint email_short check (length(value) < 40);
create domain status as varchar(10) default 'new' check (value in ('new', 'done'));
create domain posint as integer;
create domain bad1 as integer null not null;
create domain bad2 as integer default 1 default 2;
create domain bad3 as integer check (value + 1);
create domain bad4 as integer unique;
create domain bad5 as nosuchtype;
create domain bad6 as integer check (nosuch > 0);
select 5::posint as five;
select (-1)::posint;
select null::posint as null_ok;
select 'a@b'::email as mail;
select 'nomail'::email;
select null::email;
select cast('x@yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy' as email);
select 'done'::status, 'other'::status;
select 3::posint + 4 as sum, pg_typeof(3::posint + 4) as sum_type;
create table dom_t (id int primary key, n posint, mail email, st status);
\d dom_t
insert into dom_t (id, n, mail) values (1, 10, 'x@y');
insert into dom_t (id, n, mail) values (2, 0, 'x@y');
insert into dom_t (id, n, mail) values (3, 1, 'nope');
insert into dom_t (id, n) values (4, 1);
insert into dom_t (id, n, mail, st) values (5, 1, 'a@b', 'bogus');
select * from dom_t order by id;
update dom_t set n = -5 where id = 1;
update dom_t set st = default where id = 1;
update dom_t set n = n + 1 where id = 1 returning id, n;
select id, n * 2 as twice from dom_t where n > 5;
\dD posint
select typname, typtype, typbasetype::regtype, typnotnull, typdefault from pg_type where typtype = 'd' and typnamespace = 'public'::regnamespace order by typname;
select conname, contypid::regtype, pg_get_constraintdef(oid) from pg_constraint where contypid = 'posint'::regtype order by conname;
select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'dom_t'::regclass and attnum > 0 order by attnum;
-- ALTER DOMAIN.
alter domain posint add constraint posint_small check (value < 100);
alter domain posint add constraint posint_tiny check (value < 5);
select 150::posint;
alter domain posint drop constraint posint_small;
select 150::posint as big;
alter domain posint drop constraint nosuch;
alter domain posint drop constraint if exists nosuch;
alter domain status set default 'done';
insert into dom_t (id, n, mail) values (6, 2, 'c@d');
select id, st from dom_t order by id;
alter domain status drop default;
insert into dom_t (id, n, mail) values (7, 2, 'e@f');
select id, st from dom_t where id = 7;
alter domain status set not null;
update dom_t set st = 'new' where st is null;
alter domain status set not null;
insert into dom_t (id, n, mail) values (8, 2, 'g@h');
alter domain status drop not null;
alter domain nosuch drop default;
-- Transactional: a domain created in a rolled-back transaction is gone.
begin;
create domain rb_dom as int check (value <> 0);
select 1::rb_dom as one;
rollback;
select 1::rb_dom;
begin;
alter domain posint add constraint posint_even check (value % 2 = 0);
rollback;
select 3::posint as three;
-- DROP DOMAIN.
drop domain posint;
drop domain nosuch;
drop domain if exists nosuch;
drop domain integer;
drop table dom_t;
drop domain posint, email;
drop domain status cascade;
select count(*) from pg_type where typtype = 'd' and typnamespace = 'public'::regnamespace;
