-- LIKE / ILIKE ... ESCAPE (the parser's like_escape call) and like_escape itself: the escape
-- character, an empty escape (backslash is then an ordinary character), backslash as the
-- escape, a multibyte escape, bytea, and an escape of more than one character.
select 'hawkeye' like 'h%' escape '#' as t, 'hawkeye' not like 'h%' escape '#' as f;
select 'indio' like 'ind_o' escape '$' as t, 'ind_o' like 'ind$_o' escape '$' as t2, 'indio' like 'ind$_o' escape '$' as f;
select 'h%' like 'h#%' escape '#' as t, 'h%wkeye' like 'h#%' escape '#' as f, 'I_%' ilike 'i$_$%' escape '$' as t2;
select 'a\b' like 'a\b' escape '' as t, 'a\b' like 'a\\b' as t2, 'a_b' like 'a\_b' escape '\' as t3;
select like_escape('a#%b\c##', '#'), like_escape('a\b', ''), like_escape('x\%', '\'), like_escape('éé%', 'é');
select like_escape('a#%'::bytea, '#'::bytea);
select 'abc' like 'a%' escape 'xy';
select like_escape('abc', 'ab');
