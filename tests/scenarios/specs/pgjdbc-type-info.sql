-- The catalog queries pgjdbc 42.5 (Debian's) sends for DatabaseMetaData.getTypeInfo() and for
-- its type cache (TypeInfoCache.cacheSQLTypes / getSQLType), word for word but for the added
-- filters at the end (PostgreSQL has types holdfast lacks) and oid columns left out of the
-- output: pg_type.typinput as a regproc compared with 'pg_catalog.array_in'::regproc.
-- tests/e2e/drivers.sh runs the driver's getTypeInfo itself (drivers/Metadata.java).
create type ti_mood as enum ('sad', 'happy');
-- getTypeInfo
select typname from (SELECT t.typname,t.oid FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON (t.typnamespace = n.oid)  WHERE n.nspname  != 'pg_toast' AND  (t.typrelid = 0 OR (SELECT c.relkind = 'c' FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid))) q where typname in ('bool', 'int4', 'text', '_int4', 'numeric', 'timestamptz', 'ti_mood', '_ti_mood') order by 1;
-- TypeInfoCache.cacheSQLTypes (every type; a few shown)
select is_array, typtype, typname from (SELECT typinput='pg_catalog.array_in'::regproc as is_array, typtype, typname, pg_type.oid   FROM pg_catalog.pg_type   LEFT JOIN (select ns.oid as nspoid, ns.nspname, r.r           from pg_namespace as ns           join ( select s.r, (current_schemas(false))[s.r] as nspname                    from generate_series(1, array_upper(current_schemas(false), 1)) as s(r) ) as r          using ( nspname )        ) as sp     ON sp.nspoid = typnamespace  ORDER BY sp.r, pg_type.oid DESC) q where typname in ('bool', 'int4', 'text', '_int4', '_text', 'numeric', 'record', 'void', 'ti_mood', '_ti_mood') order by typname;
-- TypeInfoCache.getSQLType(oid)
SELECT typinput='pg_catalog.array_in'::regproc as is_array, typtype, typname   FROM pg_catalog.pg_type   LEFT JOIN (select ns.oid as nspoid, ns.nspname, r.r           from pg_namespace as ns           join ( select s.r, (current_schemas(false))[s.r] as nspname                    from generate_series(1, array_upper(current_schemas(false), 1)) as s(r) ) as r          using ( nspname )        ) as sp     ON sp.nspoid = typnamespace  WHERE pg_type.oid = 1007 ORDER BY sp.r, pg_type.oid DESC;
SELECT typinput='pg_catalog.array_in'::regproc as is_array, typtype, typname   FROM pg_catalog.pg_type   LEFT JOIN (select ns.oid as nspoid, ns.nspname, r.r           from pg_namespace as ns           join ( select s.r, (current_schemas(false))[s.r] as nspname                    from generate_series(1, array_upper(current_schemas(false), 1)) as s(r) ) as r          using ( nspname )        ) as sp     ON sp.nspoid = typnamespace  WHERE pg_type.oid = 'ti_mood'::regtype ORDER BY sp.r, pg_type.oid DESC;
-- pg_type's I/O functions as regproc values
select typname, typinput, typoutput, typreceive, typsend from pg_type where typname in ('int4', '_int4', 'text', 'bool', 'numeric', 'uuid', 'jsonb', 'varchar', 'record', 'void', 'ti_mood', '_ti_mood') order by 1;
select typname from pg_type where typinput = 'int8in'::regproc;
select 'array_in'::regproc, 'pg_catalog.textout'::regproc, '-'::regproc, pg_typeof('enum_in'::regproc);
select 'array_in'::regproc::oid = 750 as array_in_oid, 'textin'::regproc = 'textin'::regproc;
-- regproc input errors
select 'no_such_function'::regproc;
select 'no_such_schema.textin'::regproc;
select 'a.b.c.d'::regproc;
select '99999999999'::regproc;
select ''::regproc;
-- a user function is found by name too, and shown by name
create function ti_fn(int) returns int language sql as 'select $1';
select 'ti_fn'::regproc, 'public.ti_fn'::regproc = 'ti_fn'::regproc;
create function ti_fn(text) returns text language sql as 'select $1';
select 'ti_fn'::regproc;
drop function ti_fn(int);
drop function ti_fn(text);
drop type ti_mood;
