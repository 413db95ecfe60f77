-- convert_to / convert_from / convert (UTF8, LATIN1, SQL_ASCII) with PostgreSQL's errors,
-- sha384/sha512, quote_nullable, and polymorphic array functions and operators: an unknown
-- literal takes the array's element type, the result keeps the array's type (jsonb[]).
select convert_to('héllo €', 'UTF8'), convert_to('héllo', 'LATIN1'), convert_to('héllo', 'latin-1'), convert_to('abc', 'sql_ascii');
select convert_from('\x68c3a96c6c6f', 'UTF8'), convert_from('\x68e96c6c6f', 'LATIN1'), convert_from('\x68e96c6c6f', 'iso-8859-1');
select convert('\x68e96c6c6f', 'LATIN1', 'UTF8'), convert('\x68c3a96c6c6f', 'UTF8', 'LATIN1');
select convert_to('€', 'LATIN1');
select convert_from('\xff', 'UTF8');
select convert_from('\x68e96c6c6f', 'UTF8');
select convert_to('x', 'nosuch');
select convert_from('\x41', 'nosuch');
select encode(sha384('abc'), 'hex'), encode(sha512('abc'), 'hex');
select quote_nullable(null), quote_nullable('it''s'), quote_nullable(42), quote_nullable(null::int);
select convert_from(convert_to('Ünïcödé', 'UTF8'), 'UTF8');
select array_append(array['a'::text], 'b'), array_prepend('z', array['a'::text]), array_append(null::jsonb[], '{}'), pg_typeof(array_append(null::jsonb[], '{}'));
create table jq (id int, errors jsonb[] default '{}');
insert into jq values (1);
update jq set errors = array_append(errors, jsonb_build_object('at', 1, 'msg', 'x'));
update jq set errors = errors || '{"b": 2}'::jsonb;
select errors, array_length(errors, 1) from jq;
drop table jq;
select array_cat(array[1,2], '{3}'), array_position(array['a','b'], 'b'), array_remove(array['a','b'], 'a');
select array_remove(array[1,null,2,1], 1), array_remove(array[1,null], null), array_replace(array['a','b','a'], 'a', 'z'), array_remove(null::int[], 1), array_position(null::int[], 1);
