-- Named arguments and defaults of built-in functions, with PostgreSQL's argument names:
-- make_interval (every argument defaults to 0), make_date, make_timestamp, jsonb_set and
-- jsonb_insert; the errors of names that do not fit.
select make_interval(secs => 1.5), make_interval(days => 2), make_interval(1, days => 3), make_interval();
select make_interval(2), make_interval(1, 2, 3), make_interval(hours => 1, mins => 30, secs => 15);
select make_interval(years => 1, months => 2, weeks => 3, days => 4, hours => 5, mins => 6, secs => 7.25);
select make_date(year => 2020, month => 2, day => 29), make_date(2021, day => 3, month => 4);
select make_timestamp(year => 2020, month => 1, mday => 2, hour => 3, min => 4, sec => 5.5);
select jsonb_set('{"a": 1}', '{b}', '2', create_if_missing => false), jsonb_set(jsonb_in => '{"a": 1}', path => '{b}', replacement => '2');
select jsonb_insert('[1, 2]', '{0}', '0', insert_after => true);
select make_interval(days => 2, days => 3);
select make_interval(foo => 2);
select make_interval(1, years => 2);
select make_interval(days => 'x'::text);
select make_interval(1.5);
select make_date(year => 2020, month => 1);
select lpad(string => 'x', length => 3);
