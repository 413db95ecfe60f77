-- SET search_path keeps each item a name: a quoted mixed-case schema is found, "$user" shows
-- quoted, and a single string is one (quoted) name, as PostgreSQL's GUC_LIST_QUOTE does.
show search_path;
create schema "MySch";
set search_path to "$user", public;
show search_path;
set search_path = '"$user", public';
show search_path;
set search_path = "MySch", public;
show search_path;
create table sp_t (a int);
select schemaname from pg_tables where tablename = 'sp_t';
set search_path = 'MySch', public;
show search_path;
select current_schemas(false);
reset search_path;
drop schema "MySch" cascade;
