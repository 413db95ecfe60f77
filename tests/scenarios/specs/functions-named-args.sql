-- Calls with named arguments (name => value), as graphile-worker's quickAddJob calls add_job.
create function na_f(identifier text, payload json default null, queue_name text default null,
                     max_attempts int default 25) returns text as $$
  select identifier || '/' || coalesce(payload::text, '-') || '/' || coalesce(queue_name, '-') ||
         '/' || max_attempts
$$ language sql;
select na_f('a');
select na_f(identifier => 'b', max_attempts => 3);
select na_f('c', queue_name => 'q');
select * from na_f(max_attempts => 1, identifier => 'd', payload => '{"x":1}');
select na_f(payload => '{}');
select na_f(identifier => 'e', nosuch => 1);
select na_f(identifier => 'f', 'g');
select na_f('h', identifier => 'i');
drop function na_f;
