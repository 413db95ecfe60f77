-- WITH ORDINALITY on set-returning functions in FROM (unnest, generate_series, jsonb_each,
-- json[b]_array_elements[_text]), named by the alias list or "ordinality"; too many aliases is 42P10.
select * from unnest(array['a','b','c']) with ordinality;
select t.x, t.n from unnest(array[10, 20]) with ordinality as t(x, n);
select * from generate_series(5, 7) with ordinality as g(v, i) where i > 1;
select key, value, ordinality from jsonb_each('{"a": 1, "b": 2}') with ordinality order by ordinality;
select e, o from jsonb_array_elements_text('["x", "y"]') with ordinality as j(e, o);
select s.id, u.elem, u.pos from (values (1, array['p','q']), (2, array['r'])) s(id, arr), unnest(s.arr) with ordinality u(elem, pos) order by 1, 3;
select * from unnest(array[1,2]) with ordinality as t(a, b, c);
select * from unnest(array[1]) as t(a, b);
