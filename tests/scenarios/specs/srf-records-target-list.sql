-- Set-returning functions that return records, in a select list (issue 13): jsonb_each,
-- jsonb_each_text, json_each and json_each_text print each row as PostgreSQL prints a record,
-- (key,value); (f(x)).key and (f(x)).value select a field; beside other columns and other
-- set-returning functions.
create table srf_docs (id int primary key, j jsonb);
insert into srf_docs values (1, '{"a": 1, "b": "x y", "c": null}'), (2, '{}'), (3, '{"z": [1, 2]}');
select jsonb_each_text('{"a": 1, "b": "two"}');
select jsonb_each('{"a": 1, "b": "two", "c": {"d": true}}');
select json_each('{"a": 1, "b": "two"}');
select json_each_text('{"a": 1, "b": null}');
select id, jsonb_each_text(j) from srf_docs order by id, 2;
select id, jsonb_each(j) from srf_docs order by id;
select id, (jsonb_each_text(j)).key, (jsonb_each_text(j)).value from srf_docs order by id, 2;
select (jsonb_each(j)).value from srf_docs where id = 3;
select jsonb_each_text(j), generate_series(1, 2) from srf_docs where id = 1;
select count(*) from (select jsonb_each(j) from srf_docs) s;
select (jsonb_each('{"a": 1}')).nosuch;
drop table srf_docs;
