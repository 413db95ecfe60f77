-- json and jsonb (issue 13): jsonb's normal form as PostgreSQL stores and prints it, json's
-- verbatim text, input errors, the operators (-> ->> #> #>> @> <@ ? ?| ?& || - #- and the
-- comparisons), the common functions and aggregates, the set-returning functions, and the way
-- job-queue libraries (pg-boss, graphile-worker) use them.
-- normal form
select '{"b":1,"a":2,"aa":3, "a":5}'::jsonb;
select '[1.50, 1e2, -0, 1.5e-3, 100e-2, 0.0e5, -0.0, 12345678901234567890123456789012345678901234]'::jsonb;
select '  {"a" : [ true,false , null,"x\ny\u00e9\"\/" ], "": {}}  '::jsonb;
select '{"b":1,  "a":2, "b":3}'::json;
select '"\u0001 tab\t"'::jsonb, '"\ud83d\ude00"'::jsonb;
select '{"a":1}'::json::jsonb, '{"b": 1, "a": 2}'::jsonb::json, '{"b":1, "a":2}'::jsonb::text;
select '{"x": [1, 2]}'::text::jsonb, cast('[3,1]' as jsonb);
-- input errors
select '{"a":tru}'::jsonb;
select '{"a":1'::jsonb;
select '[1,2'::json;
select '[1,]'::jsonb;
select '{1:2}'::jsonb;
select '{"a" 1}'::jsonb;
select '[1] x'::jsonb;
select '"\u0000"'::jsonb;
select '"\x"'::jsonb;
select '"\ud83d"'::jsonb;
select '"\ude00x"'::jsonb;
select '"\ud83d\ud83d"'::jsonb;
select '"\u12x4"'::jsonb;
select '"a\ud83dx"'::jsonb;
select '"\u12'::jsonb;
select '"\ud83d\n"'::jsonb;
select '"\ud83d"'::json, '"\ude00"'::json, '"\ud83dx"'::json, '["\ud83d\ud83d"]'::json;
select '"\u0000"'::json, '["\u00e9", "\ud83d\ude00"]'::json -> 0, '{"a":"\u00e9"}'::json ->> 'a';
select E'"tab\there"'::jsonb;
select E'[1,\n 2,\n  x]'::jsonb;
select '{"a":
  [1, 2 3]}'::jsonb;
-- field and element access
select '{"a":{"b":"x"}}'::jsonb -> 'a', '{"a":"x"}'::jsonb ->> 'a', '{"a":null}'::jsonb ->> 'a' is null;
select '[1,2,3]'::jsonb -> 0, '[1,2,3]'::jsonb -> -1, '[1,2,3]'::jsonb -> 3, '[1,2,3]'::jsonb ->> 1;
select '{"a":1}'::jsonb -> 0, '[1]'::jsonb -> 'a', '"s"'::jsonb ->> 'a';
select '{"a":[1,{"b":"y"}]}'::jsonb #> '{a,1}', '{"a":[1,{"b":"y"}]}'::jsonb #>> '{a,1,b}';
select '{"a":[1,{"b":"y"}]}'::jsonb #> '{a,x}', '{"a":1}'::jsonb #> '{}';
select '{"a":{"b": [1, 2] },"a":{"c":3}}'::json -> 'a', '[1, "two" ,3]'::json -> 1, '[1, "two" ,3]'::json ->> 1;
select '{"a": {"b":  [1,  2]}}'::json #> '{a,b}', '{"a": {"b":  [1,  2]}}'::json #>> '{a,b,1}';
-- containment and existence
select '{"a":1,"b":[1,2,{"c":3}]}'::jsonb @> '{"b":[{"c":3}]}', '{"a":1}'::jsonb @> '{"a":1.0}',
  '{"a":1}'::jsonb @> '{"a":"1"}';
select '[1,2,3]'::jsonb @> '[3,1,1]', '[1,2,3]'::jsonb @> '1', '1'::jsonb @> '[1]',
  '[[1,2]]'::jsonb @> '[1]', '[[1,2]]'::jsonb @> '[[1]]', '"a"'::jsonb @> '"a"';
select '{"a":1}'::jsonb <@ '{"a":1,"b":2}', '{}'::jsonb @> '{}', '[]'::jsonb @> '{}';
select '{"a":1}'::jsonb ? 'a', '["a","b"]'::jsonb ? 'b', '"a"'::jsonb ? 'a', '[1]'::jsonb ? '1';
select '{"a":1,"b":2}'::jsonb ?| array['x','b'], '{"a":1,"b":2}'::jsonb ?& array['a','x'],
  '{"a":1,"b":2}'::jsonb ?& array['a','b'];
-- concatenation and deletion
select '{"a":1,"b":2}'::jsonb || '{"b":3,"c":4}', '[1,2]'::jsonb || '[3]', '[1]'::jsonb || '{"a":1}',
  '{"a":1}'::jsonb || '[1]', '1'::jsonb || '2', '{"a":1}'::jsonb || '"x"';
select '{"a":1,"b":2}'::jsonb - 'a', '["a","b","a"]'::jsonb - 'a', '[1,2,3]'::jsonb - 1,
  '[1,2,3]'::jsonb - -1, '[1,2,3]'::jsonb - 5;
select '{"a":1,"b":2,"c":3}'::jsonb - '{a,c}'::text[], '{"a":[1,2],"b":{"c":3}}'::jsonb #- '{a,0}',
  '{"a":[1,2],"b":{"c":3}}'::jsonb #- '{b,c}', '{"a":1}'::jsonb #- '{x,y}';
select '1'::jsonb - 'a';
select '{"a":1}'::jsonb - 0;
select '[1]'::jsonb #- '{x}';
-- comparison
select '{"a":1, "b":[1]}'::jsonb = '{"b":[1.0],"a":1}', '1'::jsonb = '1.00', '[1,2]'::jsonb <> '[2,1]';
select v from (values ('{}'::jsonb), ('[]'), ('true'), ('1'), ('"a"'), ('null'), ('[1,2]'),
  ('{"a":1}'), ('[5]'), ('-1.5'), ('false'), ('"b"'), ('{"b":1,"a":2}')) t(v) order by v;
select v, count(*) from (values ('1.0'::jsonb), ('1.00'), ('{"a":1}'), ('{"a":1.0}'), ('[]')) t(v)
  group by v order by v;
select distinct v from (values ('1.0'::jsonb), ('1.00')) t(v);
-- functions
select jsonb_typeof('{}'), jsonb_typeof('[]'), jsonb_typeof('"x"'), jsonb_typeof('1.5'),
  jsonb_typeof('true'), jsonb_typeof('null'), json_typeof(' [1] ');
select jsonb_array_length('[1,[2,3],{}]'), json_array_length('[1, 2]');
select jsonb_array_length('{}');
select jsonb_array_length('5');
select jsonb_strip_nulls('{"a":null,"b":[null,{"c":null,"d":1}]}');
select jsonb_pretty('{"a":[], "b":{}, "c":[1,{"x":2}], "d":"s"}'), jsonb_pretty('[]'), jsonb_pretty('1');
select jsonb_set('{"a":[1,2]}', '{a,5}', '9'), jsonb_set('{"a":[1,2]}', '{a,-5}', '9'),
  jsonb_set('{"a":1}', '{b}', '2'), jsonb_set('{"a":1}', '{b}', '2', false),
  jsonb_set('{"a":{"b":1}}', '{a,b}', '[true]'), jsonb_set('{"a":1}', '{x,y}', '2');
select jsonb_set('{"a":[1]}', '{a,z}', '2');
select jsonb_set('1', '{a}', '2');
select jsonb_insert('{"a":[1,2]}', '{a,1}', '"x"'), jsonb_insert('{"a":[1,2]}', '{a,1}', '"x"', true),
  jsonb_insert('{"a":{}}', '{a,b}', '1');
select jsonb_insert('{"a":1}', '{a}', '2');
select to_json(1), to_json(1.50), to_json('a"b'::text), to_json(true), to_json(array[1,2]),
  to_json('2020-01-02 03:04:05'::timestamp), to_json('{"a" :1}'::json), to_json(null::int);
select to_jsonb(1.50), to_jsonb('x'::text), to_jsonb(array['a','b']), to_jsonb('{"b":1,"a":2}'::jsonb),
  to_jsonb(2.5::float8), to_jsonb('2020-01-02'::date);
select json_build_object('a', 1, 'b', 'x', 'c', null, 'd', true, 'e', '{"z":1}'::jsonb),
  jsonb_build_object('b', 1, 'a', array[1,2], 'n', null), json_build_object(), jsonb_build_object();
select json_build_array(1, 'x', null, '[1, 2]'::json), jsonb_build_array(1, 'x', null, '[1, 2]'::json),
  json_build_array(), jsonb_build_array();
select json_build_object('a');
select jsonb_build_object(null, 1);
select json_object('{a,1,b,2}'), jsonb_object('{b,1,a,null}'), jsonb_object('{a,b}', '{1,2}');
select ('{"a":1.5}'::jsonb -> 'a')::numeric, ('{"a":2}'::jsonb -> 'a')::int,
  ('{"a":true}'::jsonb -> 'a')::boolean, ('1.5'::jsonb)::float8;
select ('{"a":"x"}'::jsonb -> 'a')::int;
select jsonb_contains('{"a":1}', '{}'), jsonb_contained('{}', '[]'), jsonb_exists('{"a":1}', 'a'),
  jsonb_exists_any('["a"]', '{b,a}'), jsonb_object_field_text('{"a":"x"}', 'a'),
  json_array_element('[1, [2]]', 1), jsonb_concat('[1]', '2'), jsonb_delete('{"a":1,"b":2}', 'a'),
  jsonb_delete_path('{"a":[1,2]}', '{a,-1}');
select pg_typeof(1), pg_typeof('{}'::jsonb), pg_typeof('x'::text), pg_typeof(1.5), pg_typeof(now());
-- set-returning functions
select jsonb_array_elements('[1,"a",{"b":2}]');
select jsonb_array_elements_text('[1,"a",null,{"b":2}]');
select jsonb_object_keys('{"b":1,"a":2,"aa":3}');
select json_array_elements('[1, "a" , {"b":2}]');
select json_array_elements_text('[1, "a"]'), json_object_keys('{"b":1,"a":2}');
select * from jsonb_array_elements('[1,2]');
select * from jsonb_array_elements_text('["x","y"]') e where e.value <> 'x';
select * from jsonb_each('{"b":1,"a":"x","c":[1, {"d":null}]}');
select * from jsonb_each_text('{"b":null,"a":"x","c":[1]}') e(k, v) order by k desc;
select * from json_each('{"b":null,"a" : "x","b":[1, 2]}');
select key, value from json_each_text('{"a":"x","b":2}') where key = 'b';
select * from jsonb_each('[1]');
select * from json_each('1');
select jsonb_extract_path('{"a":{"b":[1,2]}}', 'a', 'b'), jsonb_extract_path_text('{"a":{"b":[1,"x"]}}', 'a', 'b', '1'),
  json_extract_path('{"a": {"b" : 1}}', 'a'), json_extract_path_text('{"a":"q"}', 'a'), jsonb_extract_path('{"a":1}', 'z');
select array_to_json(array['a','b']), array_to_json('{1,2}'::int[]);
select jsonb_array_elements('{"a":1}');
select jsonb_object_keys('[1]');
-- a table with a jsonb column, as a job queue uses one
create table jq (id int primary key, name text, data jsonb, output jsonb);
insert into jq values (1, 'send', '{"a":1, "x":"first", "tags":["t1","t2"]}', null),
  (2, 'send', '{"a":2, "x":"second"}', '{"done": false}'),
  (3, 'other', '{"a":1, "x":"third", "nested": {"k": [1, 2]}}', null),
  (4, 'other', null, null);
select * from jq order by id;
select data->>'x' from jq where data @> '{"a":1}' order by id;
select id from jq where data ? 'tags' or data #>> '{nested,k,1}' = '2' order by id;
select id, data->'tags'->>0 as first_tag, jsonb_typeof(data->'nested') from jq order by id;
update jq set output = coalesce(output, '{}'::jsonb) || jsonb_build_object('k', 1, 'at', id)
  where name = 'send';
update jq set data = jsonb_set(data, '{a}', to_jsonb(10)) where id = 3;
select id, output, data from jq order by id;
select json_agg(id order by id), jsonb_agg(data order by id), json_agg(data->'x' order by id) from jq;
select name, json_agg(id order by id), jsonb_object_agg(id, data->'a') from jq group by name order by name;
select json_object_agg(name, id order by id) from jq where id < 3;
select json_agg(id) from jq where false;
select json_agg(id order by id desc), jsonb_agg(data->'x' order by data->>'x' desc nulls last),
  string_agg(name, ',' order by name, id desc), array_agg(id order by data nulls first, id)
  from jq;
select name, json_object_agg(id, data->'a' order by id desc) from jq group by name order by 1;
select name, jsonb_agg(jsonb_build_object('id', id, 'x', data->>'x') order by id)
  from jq group by name order by name;
select count(*) from jq where data = '{"x":"second", "a":2}';
select id from jq where data is not null order by data, id;
select id, data['x'], data['nested']['k'][-1], data['tags'][0] from jq order by id;
select data['x':'y'] from jq;
select data[true] from jq;
select t.id, e.key, e.value from jq t, jsonb_each(t.data) e where jsonb_typeof(e.value) <> 'number'
  order by t.id, e.key;
select t.id, x from jq t, jsonb_array_elements_text(t.data->'tags') x order by 1, 2;
create index jq_data on jq (data);
select id from jq where data = '{"a":2,"x":"second"}';
drop table jq;
