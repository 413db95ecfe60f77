-- ALTER TYPE ... ADD VALUE inside a transaction block: the new value cannot be used (input,
-- enum_first/enum_last/enum_range) until the transaction commits: 55P04 with PostgreSQL 15's
-- hint; after COMMIT it can, after ROLLBACK it is gone. Outside a block it is usable at once.
create type eav_mood as enum ('good');
begin;
alter type eav_mood add value 'new';
savepoint x;
select 'new'::eav_mood;
rollback to x;
select enum_first(null::eav_mood);
select enum_last(null::eav_mood);
rollback to x;
select enum_range(null::eav_mood);
rollback to x;
select enum_range(null::eav_mood, 'good'::eav_mood);
select 'good'::eav_mood < 'good'::eav_mood;
commit;
select 'new'::eav_mood;
select enum_range(null::eav_mood);
select enumlabel, enumsortorder from pg_enum where enumtypid = 'eav_mood'::regtype order by 2;
-- a value added before the first one
begin;
alter type eav_mood add value 'early' before 'good';
select enum_first(null::eav_mood);
rollback;
select enum_range(null::eav_mood);
-- the value from a text column, and in a table's column
create table eav_t (m eav_mood);
begin;
alter type eav_mood add value 'later';
insert into eav_t values ('later');
rollback;
begin;
alter type eav_mood add value 'later';
select 'later'::text::eav_mood;
rollback;
begin;
alter type eav_mood add value 'later';
commit;
insert into eav_t values ('later'), ('good');
select m, m > 'good' from eav_t order by m;
-- outside a transaction block the value is committed with its statement
alter type eav_mood add value 'last';
select 'last'::eav_mood, enum_last(null::eav_mood);
-- a type renamed in the transaction that adds the value: still unsafe
begin;
alter type eav_mood rename to eav_mood2;
alter type eav_mood2 add value 'bad';
select 'bad'::eav_mood2;
rollback;
-- IF NOT EXISTS on an existing value adds nothing: that value stays usable
begin;
alter type eav_mood add value if not exists 'good';
select 'good'::eav_mood;
commit;
-- values made by CREATE TYPE in the same transaction are usable
begin;
create type eav_new as enum ('a', 'b');
select enum_range(null::eav_new);
alter type eav_new add value 'c';
select enum_range(null::eav_new);
rollback;
drop table eav_t;
drop type eav_mood;
