-- json[b]_populate_recordset(null::type, json): each object of a JSON array as a value of a
-- row type (graphile-worker's addJobs), in the select list (composite values) and in FROM
-- (the fields as columns); members missing or null give NULL fields, extra members are
-- ignored, strings convert to the field's type.
create type pr_spec as (identifier text, payload json, run_at timestamptz, max_attempts int, flags text[]);
select json_populate_recordset(null::pr_spec, '[{"identifier": "a", "payload": {"k": 1}, "max_attempts": 3, "flags": ["x", "y"], "extra": 1}, {"identifier": "b", "run_at": "2026-01-02T03:04:05Z"}]');
select * from json_populate_recordset(null::pr_spec, '[{"identifier": "a", "max_attempts": "7"}, {"identifier": null}]');
select (r).identifier, (r).max_attempts from (select jsonb_populate_recordset(null::pr_spec, '[{"identifier": "c", "max_attempts": 2}]'::jsonb) r) s;
select array(select json_populate_recordset(null::pr_spec, '[{"identifier": "a"}, {"identifier": "b"}]'));
create table pr_t (id int primary key, name text);
select * from json_populate_recordset(null::pr_t, '[{"id": 1, "name": "one"}, {"id": "2"}]');
select json_populate_recordset(null::pr_spec, '{"identifier": "a"}');
select json_populate_recordset(null::pr_spec, '[1, 2]');
select * from json_populate_recordset(null::pr_t, '[{"id": "x"}]');
drop table pr_t;
drop type pr_spec;
