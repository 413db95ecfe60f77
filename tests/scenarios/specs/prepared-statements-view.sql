-- pg_prepared_statements: the session's named prepared statements, as PostgreSQL lists them.
prepare q1 (int, text) as select $1, $2;
prepare q2 as select now();
execute q1(1, 'a');
select name, statement, parameter_types, from_sql, prepare_time <= now() as before_now from pg_prepared_statements order by name;
deallocate q1;
select name from pg_prepared_statements order by name;
deallocate all;
select count(*) from pg_prepared_statements;
