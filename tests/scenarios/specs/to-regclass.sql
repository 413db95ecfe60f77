-- Relation names as regclass input reads them (to_regclass, ::regclass, nextval): dots outside
-- quotes split schema from name, unquoted parts fold to lower case, quoted parts keep theirs.
-- pg-boss asks to_regclass('pgboss.version') to learn whether it is installed.
create schema "Rc";
create table "Rc"."Mixed Case"(a int);
create table rc_plain(a int);
create sequence "Rc_Seq";
-- (regclass values are compared, not printed: holdfast prints a regclass as its oid)
select to_regclass('rc_plain') = 'rc_plain'::regclass as plain, to_regclass('RC_PLAIN') = 'rc_plain'::regclass as folded, to_regclass('"RC_PLAIN"') as quoted;
select to_regclass('public.rc_plain') = 'rc_plain'::regclass, to_regclass(' public . rc_plain ') = 'rc_plain'::regclass;
select to_regclass('"Rc"."Mixed Case"') is not null as quoted, to_regclass('Rc."Mixed Case"') as folded;
select to_regclass('nope'), to_regclass('nope.rc_plain'), to_regclass(null);
select to_regclass(x) is not null as found from (values ('rc_plain'), ('nope'), ('public.rc_plain'), ('"Rc_Seq"')) v(x);
select to_regclass('postgres.public.rc_plain') is not null as three_parts;
select to_regclass('a..b');
select to_regclass('');
select to_regclass('"unterminated');
select to_regclass('trailing.');
select to_regclass('x.y.z.w');
select to_regclass('otherdb.public.rc_plain');
select 'rc_plain'::regclass = 'PUBLIC.RC_PLAIN'::regclass, '"Rc"."Mixed Case"'::regclass::oid > 0;
select '"nope"'::regclass;
select 'Nope.x'::regclass;
select nextval('"Rc_Seq"'), nextval('public."Rc_Seq"');
select nextval('Rc_Seq');
drop sequence "Rc_Seq";
drop table rc_plain;
drop table "Rc"."Mixed Case";
drop schema "Rc";
